package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/tollgate/tollgate/deploy/release/internal/relkit"
)

// productionRecord is deploy/release/production.json: what production runs. The production
// workflow deploys the chart and values of Commit with Image when a change to this file
// reaches main, which is what merging the production pull request does.
type productionRecord struct {
	Commit   string `json:"commit"`
	Image    string `json:"image"`
	StagedAt string `json:"staged_at"`
	Smoke    string `json:"smoke"`
	RunURL   string `json:"run_url,omitempty"`
}

var (
	commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)
	// imageRE is an image reference with a tag or digest: repository[:tag][@sha256:...].
	imageRE = regexp.MustCompile(`^[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$`)
)

const productionBranch = "release/production"

func promote(args []string, stdout, stderr io.Writer) int {
	flags := newFlags("promote", stderr)
	commit := flags.String("commit", "", "the main commit deployed to staging and smoked (40 hex digits)")
	image := flags.String("image", "", "the image staging ran, e.g. ghcr.io/acme/tollgate:sha-<commit>")
	record := flags.String("record", "deploy/release/production.json", "the production record (relative to -repo)")
	base := flags.String("base", "main", "branch the pull request targets")
	repo := flags.String("repo", ".", "git checkout of the base branch")
	smoke := flags.String("smoke", "", "file with the output of tollgate smoke against staging, quoted in the pull request")
	if !parseFlags(flags, args, "commit", "image") {
		return 2
	}
	if !commitRE.MatchString(*commit) {
		fmt.Fprintf(stderr, "release promote: -commit %q is not a full commit id\n", *commit)
		return 2
	}
	if !imageRE.MatchString(*image) || !strings.ContainsAny(*image, ":@") {
		fmt.Fprintf(stderr, "release promote: -image %q is not an image reference with a tag or digest\n", *image)
		return 2
	}
	log := relkit.Runner{Dir: *repo, Stderr: stderr}
	path := filepath.Join(*repo, *record)

	var current productionRecord
	switch b, err := os.ReadFile(path); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fail(stderr, "promote", err)
	default:
		if err := json.Unmarshal(b, &current); err != nil {
			return fail(stderr, "promote", fmt.Errorf("%s: %w", *record, err))
		}
	}
	if current.Commit == *commit && current.Image == *image {
		fmt.Fprintf(stdout, "production already runs %s with %s\n", short(*commit), *image)
		return 0
	}

	gh := relkit.GitHub{Runner: log}
	prs, err := gh.PRs()
	if err != nil {
		return fail(stderr, "promote", err)
	}
	var open *relkit.PR
	for i, p := range prs {
		if p.HeadRefName == productionBranch && p.State == "OPEN" {
			open = &prs[i]
			break
		}
	}
	marker := fmt.Sprintf("<!-- tollgate-production: %s %s -->", *commit, *image)
	if open != nil && strings.Contains(open.Body, marker) {
		fmt.Fprintf(stdout, "pull request #%d already promotes %s: %s\n", open.Number, short(*commit), open.URL)
		return 0
	}

	smokeOut := ""
	if *smoke != "" {
		b, err := os.ReadFile(*smoke)
		if err != nil {
			return fail(stderr, "promote", err)
		}
		smokeOut = string(b)
	}
	rec := productionRecord{Commit: *commit, Image: *image, StagedAt: time.Now().UTC().Format(time.RFC3339), Smoke: "passed", RunURL: relkit.RunURL()}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fail(stderr, "promote", err)
	}
	data = append(data, '\n')
	title := fmt.Sprintf("production: deploy %s (staged and smoked)", short(*commit))
	body := productionBody(current, rec, smokeOut, *record, marker)

	url, err := onBranch(log, productionBranch, func() error {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := relkit.WriteFileAtomic(path, data); err != nil {
			return err
		}
		git := relkit.Git{Runner: log}
		if err := git.Commit(title, *record); err != nil {
			return err
		}
		return git.PushBranch(productionBranch)
	}, func() (string, error) {
		if open != nil {
			// One production pull request at a time: the newest staged commit replaces the
			// one waiting for review.
			return open.URL, gh.EditPR(open.Number, title, body)
		}
		return gh.CreatePR(*base, productionBranch, title, body)
	})
	if err != nil {
		return fail(stderr, "promote", err)
	}
	if open != nil {
		fmt.Fprintf(stdout, "updated %s: %s\n", url, title)
	} else {
		fmt.Fprintf(stdout, "opened %s: %s\n", url, title)
	}
	return 0
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func productionBody(from, to productionRecord, smoke, record, marker string) string {
	var b strings.Builder
	b.WriteString("Staging runs this commit and `tollgate smoke` passed against it. Merging this pull request " +
		"deploys it to production (the production workflow runs when `" + record + "` changes on main).\n\n")
	b.WriteString("| | commit | image |\n| --- | --- | --- |\n")
	if from.Commit != "" {
		fmt.Fprintf(&b, "| production now | `%s` | `%s` |\n", short(from.Commit), from.Image)
	} else {
		b.WriteString("| production now | (no record yet) | |\n")
	}
	fmt.Fprintf(&b, "| this pull request | `%s` | `%s` |\n", short(to.Commit), to.Image)
	if from.Commit != "" {
		fmt.Fprintf(&b, "\nChanges: `git log --oneline %s..%s`\n", short(from.Commit), short(to.Commit))
	}
	if smoke != "" {
		s := strings.TrimSpace(smoke)
		if len(s) > 20000 {
			s = s[:20000] + "\n…"
		}
		fmt.Fprintf(&b, "\n<details><summary>tollgate smoke against staging</summary>\n\n```\n%s\n```\n</details>\n", s)
	}
	if to.RunURL != "" {
		fmt.Fprintf(&b, "\nStaged by %s.\n", to.RunURL)
	}
	b.WriteString("\nA newer staged commit updates this pull request instead of opening another.\n\n" + marker + "\n")
	return b.String()
}
