package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate/tollgate/deploy/release/internal/relkit"
)

// catalog is the output of `tollgate models -o json` (DESIGN.md, "Second wave").
type catalog struct {
	Providers []struct {
		Name   string `json:"name"`
		Type   string `json:"type"`
		Error  string `json:"error"`
		Models []struct {
			ID          string `json:"id"`
			Route       string `json:"route"` // exact, glob or none
			ClientModel string `json:"client_model"`
			Rule        string `json:"rule"`
			Priced      bool   `json:"priced"`
		} `json:"models"`
	} `json:"providers"`
}

// catalogModel is one model of one provider's catalog.
type catalogModel struct {
	Provider, ID, ClientModel, Rule string
	Priced                          bool
}

func (m catalogModel) key() string { return m.Provider + "/" + m.ID }

// findings is what the nightly run found in the catalogs.
type findings struct {
	unrouted []catalogModel // route none: the pull request adds rules for them
	unpriced []catalogModel // routed, but the price table has no price
	errors   []string       // "provider: error"
}

func parseCatalog(b []byte) (findings, error) {
	var c catalog
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&c); err != nil {
		return findings{}, fmt.Errorf("tollgate models -o json printed no model report: %w", err)
	}
	if c.Providers == nil {
		return findings{}, errors.New(`tollgate models -o json: no "providers" list`)
	}
	var f findings
	for _, p := range c.Providers {
		if p.Name == "" {
			return findings{}, errors.New("tollgate models -o json: a provider without a name")
		}
		if p.Error != "" {
			f.errors = append(f.errors, p.Name+": "+p.Error)
		}
		for _, m := range p.Models {
			cm := catalogModel{Provider: p.Name, ID: m.ID, ClientModel: m.ClientModel, Rule: m.Rule, Priced: m.Priced}
			switch m.Route {
			case "none":
				f.unrouted = append(f.unrouted, cm)
			case "exact", "glob":
				if !m.Priced {
					f.unpriced = append(f.unpriced, cm)
				}
			default:
				return findings{}, fmt.Errorf("tollgate models -o json: model %s of %s has route %q, want exact, glob or none", m.ID, p.Name, m.Route)
			}
		}
	}
	byKey := func(a, b catalogModel) int { return strings.Compare(a.key(), b.key()) }
	slices.SortFunc(f.unrouted, byKey)
	slices.SortFunc(f.unpriced, byKey)
	return f, nil
}

// setKey names a set of models: the same models always give the same branch.
func setKey(models []catalogModel) string {
	h := sha256.New()
	for _, m := range models {
		fmt.Fprintln(h, m.key())
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

const modelsBranchPrefix = "tollgate/models-"

// runTollgateModels runs `tollgate models -config FILE -o FORMAT`. Exit status 1 means some
// catalog could not be fetched and the others were: the output is still used.
func runTollgateModels(r relkit.Runner, bin, config, format string) ([]byte, error) {
	out, err := r.Output(bin, "models", "-config", config, "-o", format)
	var ee *relkit.ExitError
	if errors.As(err, &ee) && ee.Code == 1 && len(bytes.TrimSpace(out)) > 0 {
		return out, nil
	}
	return out, err
}

func modelsPR(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("models-pr", stderr)
	config := fs.String("config", "", "tollgate.yaml for `tollgate models` (e.g. from release render)")
	values := fs.String("values", "", "the file the new rules go into (committed), e.g. deploy/release/values/common.yaml")
	key := fs.String("models-key", "config.models", "dotted path of the models list inside -values (\"models\" for a plain tollgate.yaml)")
	tollgate := fs.String("tollgate", "tollgate", "tollgate binary")
	base := fs.String("base", "main", "branch the pull request targets")
	repo := fs.String("repo", ".", "git checkout of the base branch")
	prom := fs.String("prometheus", os.Getenv("PROMETHEUS_URL"), "Prometheus base URL for who asked for the models (default $PROMETHEUS_URL)")
	window := fs.String("window", "7d", "how far back to count unrouted requests")
	if !parseFlags(fs, args, "config", "values") {
		return 2
	}
	if _, err := strconv.Atoi(strings.TrimSuffix(*window, "d")); err != nil || !strings.HasSuffix(*window, "d") {
		fmt.Fprintf(stderr, "release models-pr: -window %q: want days, e.g. 7d\n", *window)
		return 2
	}
	log := relkit.Runner{Dir: *repo, Stderr: stderr}
	valuesRel, err := filepath.Rel(*repo, *values)
	if err != nil || strings.HasPrefix(valuesRel, "..") {
		valuesRel = *values
	}

	out, err := runTollgateModels(log, *tollgate, *config, "json")
	if err != nil {
		return fail(stderr, "models-pr", err)
	}
	f, err := parseCatalog(out)
	if err != nil {
		return fail(stderr, "models-pr", err)
	}
	status := 0
	if len(f.errors) > 0 {
		status = 1 // the job goes red; the catalogs that answered are still handled
		for _, e := range f.errors {
			fmt.Fprintf(stderr, "release models-pr: catalog not fetched: %s\n", e)
		}
	}
	summary := summaryMarkdown(f)
	relkit.StepSummary(summary)
	if len(f.unrouted) == 0 {
		fmt.Fprintf(stdout, "every catalog model is routed; %d routed models have no price\n", len(f.unpriced))
		return status
	}

	setID := setKey(f.unrouted)
	branch := modelsBranchPrefix + setID
	gh := relkit.GitHub{Runner: log}
	prs, err := gh.PRs()
	if err != nil {
		return fail(stderr, "models-pr", err)
	}
	for _, p := range prs {
		if p.HeadRefName == branch {
			fmt.Fprintf(stdout, "pull request #%d (%s) already proposes these %d models: %s\n", p.Number, strings.ToLower(p.State), len(f.unrouted), p.URL)
			return status
		}
	}

	rules, err := runTollgateModels(log, *tollgate, *config, "yaml")
	if err != nil {
		return fail(stderr, "models-pr", err)
	}
	doc, err := os.ReadFile(*values)
	if err != nil {
		return fail(stderr, "models-pr", err)
	}
	comment := fmt.Sprintf("Added by the nightly models workflow on %s: the providers' catalogs list\nthese models and no rule routed them.", time.Now().UTC().Format("2006-01-02"))
	edited, n, err := relkit.AppendToSequence(doc, strings.Split(*key, "."), rules, comment)
	if err != nil {
		return fail(stderr, "models-pr", fmt.Errorf("%s: %w", *values, err))
	}
	if n == 0 {
		return fail(stderr, "models-pr", fmt.Errorf("tollgate models -o yaml printed no rules, but %d models have route none", len(f.unrouted)))
	}

	asked := whoAsked(*prom, *window, f.unrouted)
	title := prTitle(f.unrouted)
	body := modelsBody(f, valuesRel, *key, n, asked, setID)

	url, err := onBranch(log, branch, func() error {
		if err := relkit.WriteFileAtomic(*values, edited); err != nil {
			return err
		}
		git := relkit.Git{Runner: log}
		if err := git.Commit(title, valuesRel); err != nil {
			return err
		}
		return git.PushBranch(branch)
	}, func() (string, error) { return gh.CreatePR(*base, branch, title, body) })
	if err != nil {
		return fail(stderr, "models-pr", err)
	}
	fmt.Fprintf(stdout, "opened %s: %s\n", url, title)

	// Older models pull requests that are still open propose a subset or an older set:
	// this one supersedes them.
	for _, p := range prs {
		if p.State == "OPEN" && strings.HasPrefix(p.HeadRefName, modelsBranchPrefix) {
			if err := gh.ClosePR(p.Number, "Superseded by "+url+", which adds the models the catalogs list tonight."); err != nil {
				fmt.Fprintf(stderr, "release models-pr: closing superseded #%d: %v\n", p.Number, err)
				status = 1
			}
		}
	}
	return status
}

// onBranch creates branch at HEAD, runs change (which commits and pushes), goes back to the
// branch it started on, then runs open. The checkout is restored even when change fails.
func onBranch(r relkit.Runner, branch string, change func() error, open func() (string, error)) (string, error) {
	git := relkit.Git{Runner: r}
	start, err := git.Branch()
	if err != nil {
		return "", err
	}
	if start == "HEAD" { // detached: come back to the same commit
		if start, err = git.Out("rev-parse", "HEAD"); err != nil {
			return "", err
		}
	}
	if err := r.Run("git", "checkout", "-q", "-B", branch); err != nil {
		return "", err
	}
	changeErr := change()
	if err := r.Run("git", "checkout", "-q", "-f", start); err != nil && changeErr == nil {
		changeErr = err
	}
	if changeErr != nil {
		return "", changeErr
	}
	return open()
}

func prTitle(models []catalogModel) string {
	ids := make([]string, 0, len(models))
	for _, m := range models {
		if !slices.Contains(ids, m.ID) {
			ids = append(ids, m.ID)
		}
	}
	title := fmt.Sprintf("models: route %d new provider model", len(models))
	if len(models) != 1 {
		title += "s"
	}
	list := strings.Join(ids, ", ")
	if len(list) > 60 {
		list = list[:57] + "…"
	}
	return title + " (" + list + ")"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

func summaryMarkdown(f findings) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## tollgate models\n\n%d catalog models without a rule, %d routed models without a price, %d catalogs not fetched.\n",
		len(f.unrouted), len(f.unpriced), len(f.errors))
	for _, e := range f.errors {
		fmt.Fprintf(&b, "- catalog not fetched: %s\n", e)
	}
	for _, m := range f.unpriced {
		fmt.Fprintf(&b, "- no price: `%s` on %s (rule `%s`)\n", m.ID, m.Provider, m.Rule)
	}
	return b.String()
}

// askedResult is what Prometheus said about unrouted requests.
type askedResult struct {
	err     string // why there is no answer
	url     string
	window  string
	samples []relkit.Sample
}

// unroutedQuery counts refused requests per model (and team, should the metric carry one)
// over the window, including series that appeared within it (see the alert rule).
func unroutedQuery(window string) string {
	return fmt.Sprintf("sum by (model, team) (increase(tollgate_unrouted_requests_total[%[1]s]) "+
		"or (tollgate_unrouted_requests_total unless tollgate_unrouted_requests_total offset %[1]s))", window)
}

func whoAsked(url, window string, models []catalogModel) askedResult {
	if url == "" {
		return askedResult{err: "PROMETHEUS_URL is not set"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	samples, err := relkit.PromQuery(ctx, &http.Client{}, url, unroutedQuery(window))
	if err != nil {
		return askedResult{err: err.Error(), url: url}
	}
	return askedResult{url: url, window: window, samples: samples}
}

func modelsBody(f findings, valuesPath, key string, rules int, asked askedResult, setID string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The nightly `tollgate models` run found models in the providers' catalogs that no rule routes. "+
		"This pull request appends the %d rules `tollgate models -o yaml` proposes to `%s` in `%s`, after every "+
		"existing rule, so no route that works today changes.\n\n", rules, key, valuesPath)
	b.WriteString("| provider | model | priced |\n| --- | --- | --- |\n")
	for _, m := range f.unrouted {
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", m.Provider, m.ID, yesNo(m.Priced))
	}

	b.WriteString("\n### Who asked for them\n\n")
	if asked.err != "" {
		fmt.Fprintf(&b, "Prometheus was not available (%s), so this pull request cannot say which clients asked for these models. "+
			"`tollgate_unrouted_requests_total` on the gateways' `/metrics` has the counts.\n", asked.err)
	} else {
		b.WriteString(askedMarkdown(asked, f.unrouted))
	}

	var unpricedNew []catalogModel
	for _, m := range f.unrouted {
		if !m.Priced {
			unpricedNew = append(unpricedNew, m)
		}
	}
	if len(unpricedNew) > 0 || len(f.unpriced) > 0 {
		b.WriteString("\n### Without a price\n\n")
		b.WriteString("Their usage is counted in `tollgate_unpriced_tokens_total`, never at a made-up price. " +
			"Add a `pricing.overrides` entry (USD per million tokens, from the provider's price list) or a " +
			"`pricing_model` to this branch; until then the `tollgate check -strict` of the pull-request workflow fails " +
			"for the new exact rules.\n\n")
		for _, m := range unpricedNew {
			fmt.Fprintf(&b, "- `%s` on %s (added here)\n", m.ID, m.Provider)
		}
		for _, m := range f.unpriced {
			fmt.Fprintf(&b, "- `%s` on %s (already routed by `%s`)\n", m.ID, m.Provider, m.Rule)
		}
	}
	if len(f.errors) > 0 {
		b.WriteString("\n### Catalogs not fetched\n\n")
		for _, e := range f.errors {
			fmt.Fprintf(&b, "- %s\n", e)
		}
	}
	b.WriteString("\n### Before merging\n\n" +
		"- Check each rule's provider and `upstream_model`; move a rule above a family glob if it should win.\n" +
		"- The pull-request workflow runs `tollgate check -strict` on the rendered config.\n" +
		"- After the merge, the release workflow deploys to staging, runs `tollgate smoke` and opens the production pull request.\n")
	if u := relkit.RunURL(); u != "" {
		fmt.Fprintf(&b, "\nOpened by %s.\n", u)
	}
	fmt.Fprintf(&b, "\n<!-- tollgate-models-set: %s -->\n", setID)
	return b.String()
}

func askedMarkdown(a askedResult, models []catalogModel) string {
	names := map[string]bool{}
	for _, m := range models {
		names[m.ID] = true
		if m.ClientModel != "" {
			names[m.ClientModel] = true
		}
	}
	type row struct {
		model, team string
		n           float64
	}
	var mine, others []row
	var other float64
	teams := false
	for _, s := range a.samples {
		r := row{model: s.Metric["model"], team: s.Metric["team"], n: s.Value}
		if r.team != "" {
			teams = true
		}
		switch {
		case r.n <= 0:
		case r.model == "other":
			other += r.n
		case names[r.model]:
			mine = append(mine, r)
		default:
			others = append(others, r)
		}
	}
	order := func(x, y row) int {
		if x.n != y.n {
			if x.n > y.n {
				return -1
			}
			return 1
		}
		return strings.Compare(x.model+x.team, y.model+y.team)
	}
	slices.SortFunc(mine, order)
	slices.SortFunc(others, order)
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

	var b strings.Builder
	fmt.Fprintf(&b, "Requests refused in the last %s because no rule matched (`tollgate_unrouted_requests_total` from %s):\n\n", a.window, a.url)
	if len(mine) == 0 {
		b.WriteString("- none for the models of this pull request: clients have not asked for them yet.\n")
	} else {
		if teams {
			b.WriteString("| model | team | requests |\n| --- | --- | --- |\n")
		} else {
			b.WriteString("| model | requests |\n| --- | --- |\n")
		}
		for _, r := range mine {
			if teams {
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.model, r.team, num(r.n))
			} else {
				fmt.Fprintf(&b, "| `%s` | %s |\n", r.model, num(r.n))
			}
		}
	}
	if other > 0 {
		fmt.Fprintf(&b, "\n%s requests asked for names the price table does not know (counted as `other`): the gateways' request logs name them.\n", num(other))
	}
	if len(others) > 0 {
		var list []string
		seen := map[string]float64{}
		for _, r := range others {
			seen[r.model] += r.n
		}
		keys := make([]string, 0, len(seen))
		for k := range seen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			list = append(list, fmt.Sprintf("`%s` (%s)", k, num(seen[k])))
		}
		fmt.Fprintf(&b, "\nAlso refused, but listed by no provider's catalog (typos, retired or other providers' models): %s.\n", strings.Join(list, ", "))
	}
	return b.String()
}
