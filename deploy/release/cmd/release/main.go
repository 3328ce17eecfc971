// Command release is what the workflows of deploy/release run between tollgate's own commands:
//
//	release render          -chart DIR -f VALUES... [-set K=V...] [-release NAME] [-namespace NS] -out DIR
//	release models-pr       -config FILE -values FILE [-models-key config.models] [-tollgate BIN] [-base main]
//	release promote         -commit SHA -image REF [-record deploy/release/production.json] [-base main]
//	release canary-versions -pins e2e/clients/versions.json -out latest.json [-npm npm]
//	release canary-report   -pins ... -latest latest.json -results go-test.json [-shapes F] [-baseline F]
//	release reqdiff         -old OLD.json -new NEW.json [-client NAME]
//
// Exit status: 0 done (including "nothing to do"), 1 failed, 2 bad usage. Every step logs the
// commands it runs on stderr. See deploy/release/README.md for the pipeline.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/tollgate/tollgate/deploy/release/reqdiff"
)

func main() { os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr)) }

type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"render":          {"render the Helm chart's tollgate.yaml and envoy.yaml for tollgate check/models/smoke", render},
	"models-pr":       {"open a pull request adding rules for provider models no rule routes", modelsPR},
	"promote":         {"open (or update) the pull request that deploys a staged commit to production", promote},
	"canary-versions": {"look up the newest published versions of the pinned clients", canaryVersions},
	"canary-report":   {"open a pin pull request for passing clients, an issue per failing one", canaryReport},
	"reqdiff":         {"print the Markdown diff of two request-shape files", reqdiffCmd},
}

// Main runs a subcommand and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || commands[args[0]].run == nil {
		fmt.Fprintln(stderr, "usage: release COMMAND [flags]")
		names := make([]string, 0, len(commands))
		for n := range commands {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(stderr, "  %-16s %s\n", n, commands[n].summary)
		}
		return 2
	}
	return commands[args[0]].run(args[1:], stdout, stderr)
}

// newFlags returns a flag set that reports errors on stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("release "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args and checks the required flags; false means exit 2.
func parseFlags(fs *flag.FlagSet, args []string, required ...string) bool {
	if err := fs.Parse(args); err != nil {
		return false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected arguments %q\n", fs.Name(), fs.Args())
		return false
	}
	var missing []string
	for _, r := range required {
		if f := fs.Lookup(r); f == nil || f.Value.String() == "" {
			missing = append(missing, "-"+r)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(fs.Output(), "%s: missing %s\n", fs.Name(), strings.Join(missing, ", "))
		return false
	}
	return true
}

// fail prints an error and returns exit status 1.
func fail(stderr io.Writer, name string, err error) int {
	fmt.Fprintf(stderr, "release %s: %v\n", name, err)
	return 1
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func reqdiffCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("reqdiff", stderr)
	oldPath := fs.String("old", "", "request shapes of the last passing run (JSON list)")
	newPath := fs.String("new", "", "request shapes of the new run")
	client := fs.String("client", "", "only this client")
	if !parseFlags(fs, args, "old", "new") {
		return 2
	}
	oldShapes, err := reqdiff.ReadFile(*oldPath)
	if err != nil {
		return fail(stderr, "reqdiff", err)
	}
	newShapes, err := reqdiff.ReadFile(*newPath)
	if err != nil {
		return fail(stderr, "reqdiff", err)
	}
	diffs := reqdiff.Diff(oldShapes, newShapes)
	if *client != "" {
		diffs = []reqdiff.ClientDiff{reqdiff.Only(diffs, *client)}
	}
	if err := reqdiff.Markdown(stdout, diffs); err != nil {
		return fail(stderr, "reqdiff", err)
	}
	return 0
}
