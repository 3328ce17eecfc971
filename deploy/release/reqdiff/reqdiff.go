// Package reqdiff compares what two versions of an LLM client send: the request shapes the
// real-client suite (e2e/clients) records, one JSON list per run. The nightly client canary
// (deploy/release) puts the Markdown diff into the issue it opens when a new client version
// fails.
//
// A shapes file is a JSON array of Shape objects:
//
//	[{"client": "claude-code", "version": "2.1.332", "method": "POST", "path": "/v1/messages?beta=true",
//	  "headers": ["anthropic-beta", "anthropic-version", "content-type", "x-api-key"],
//	  "body_fields": ["max_tokens", "messages", "model", "stream", "system", "tools"],
//	  "betas": ["claude-code-20250219", "interleaved-thinking-2025-05-14"]}]
//
// One object per request the client sent (repeats are fine: requests to the same endpoint
// are merged). headers are names only (values vary per run and may be credentials),
// body_fields the top-level keys of the JSON body, betas the comma-separated values of
// anthropic-beta. Unknown keys are errors, so a writer and this reader cannot drift apart
// silently.
package reqdiff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
)

// Shape is one recorded request.
type Shape struct {
	Client     string   `json:"client"`
	Version    string   `json:"version"`
	Method     string   `json:"method"`
	Path       string   `json:"path"`
	Headers    []string `json:"headers"`
	BodyFields []string `json:"body_fields"`
	Betas      []string `json:"betas"`
}

// maxShapes bounds a shapes file: a suite run sends dozens of requests, not millions.
const maxShapes = 100_000

// Parse reads a shapes file strictly: a JSON array of Shape, no unknown keys, every shape
// with a client, a version, a method and a path starting with "/".
func Parse(r io.Reader) ([]Shape, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var shapes []Shape
	if err := dec.Decode(&shapes); err != nil {
		return nil, fmt.Errorf("not a JSON list of request shapes: %w", err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON list")
	}
	if shapes == nil {
		return nil, errors.New("not a JSON list of request shapes: null")
	}
	if len(shapes) > maxShapes {
		return nil, fmt.Errorf("%d shapes: more than %d", len(shapes), maxShapes)
	}
	var errs []error
	for i, s := range shapes {
		switch {
		case s.Client == "":
			errs = append(errs, fmt.Errorf("shape %d: no client", i))
		case s.Version == "":
			errs = append(errs, fmt.Errorf("shape %d (%s): no version", i, s.Client))
		case s.Method == "":
			errs = append(errs, fmt.Errorf("shape %d (%s): no method", i, s.Client))
		case !strings.HasPrefix(s.Path, "/"):
			errs = append(errs, fmt.Errorf("shape %d (%s): path %q does not start with /", i, s.Client, s.Path))
		}
	}
	return shapes, errors.Join(errs...)
}

// ReadFile parses the shapes file at path.
func ReadFile(path string) ([]Shape, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	shapes, err := Parse(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return shapes, nil
}

// Change lists what one side has that the other has not, sorted.
type Change struct {
	Added   []string
	Removed []string
}

func (c Change) empty() bool { return len(c.Added) == 0 && len(c.Removed) == 0 }

// EndpointDiff is what changed in the requests to one endpoint ("POST /v1/messages").
type EndpointDiff struct {
	Endpoint   string
	Query      Change // query parameter names
	Headers    Change // lower-case header names
	BodyFields Change
	Betas      Change
}

func (e EndpointDiff) empty() bool {
	return e.Query.empty() && e.Headers.empty() && e.BodyFields.empty() && e.Betas.empty()
}

// ClientDiff is what changed in the requests of one client between two runs.
type ClientDiff struct {
	Client      string
	OldVersions []string // versions seen in the old run (normally one)
	NewVersions []string
	Endpoints   Change // endpoints called by one run only
	Changed     []EndpointDiff
}

// Empty reports whether the two runs sent requests of the same shape.
func (d ClientDiff) Empty() bool { return d.Endpoints.empty() && len(d.Changed) == 0 }

// endpoint is the union of the shapes of the requests to one method and path.
type endpoint struct {
	query, headers, fields, betas map[string]bool
}

type client struct {
	versions  map[string]bool
	endpoints map[string]*endpoint
}

func index(shapes []Shape) map[string]*client {
	out := map[string]*client{}
	for _, s := range shapes {
		c := out[s.Client]
		if c == nil {
			c = &client{versions: map[string]bool{}, endpoints: map[string]*endpoint{}}
			out[s.Client] = c
		}
		c.versions[s.Version] = true
		path, rawQuery, _ := strings.Cut(s.Path, "?")
		key := strings.ToUpper(s.Method) + " " + path
		e := c.endpoints[key]
		if e == nil {
			e = &endpoint{query: map[string]bool{}, headers: map[string]bool{}, fields: map[string]bool{}, betas: map[string]bool{}}
			c.endpoints[key] = e
		}
		if q, err := url.ParseQuery(rawQuery); err == nil {
			for k := range q {
				e.query[k] = true
			}
		}
		for _, h := range s.Headers {
			e.headers[strings.ToLower(strings.TrimSpace(h))] = true
		}
		for _, f := range s.BodyFields {
			e.fields[f] = true
		}
		for _, b := range s.Betas {
			// Accept a raw header value too: "a,b".
			for v := range strings.SplitSeq(b, ",") {
				if v = strings.TrimSpace(v); v != "" {
					e.betas[v] = true
				}
			}
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func change(old, new map[string]bool) Change {
	var c Change
	for _, k := range keys(new) {
		if !old[k] {
			c.Added = append(c.Added, k)
		}
	}
	for _, k := range keys(old) {
		if !new[k] {
			c.Removed = append(c.Removed, k)
		}
	}
	return c
}

var none = map[string]bool{}

// Diff compares two runs, client by client (sorted by name; clients of either run).
func Diff(old, new []Shape) []ClientDiff {
	o, n := index(old), index(new)
	names := map[string]bool{}
	for k := range o {
		names[k] = true
	}
	for k := range n {
		names[k] = true
	}
	var out []ClientDiff
	for _, name := range keys(names) {
		oc, nc := o[name], n[name]
		if oc == nil {
			oc = &client{versions: none, endpoints: map[string]*endpoint{}}
		}
		if nc == nil {
			nc = &client{versions: none, endpoints: map[string]*endpoint{}}
		}
		d := ClientDiff{Client: name, OldVersions: keys(oc.versions), NewVersions: keys(nc.versions)}
		oe, ne := map[string]bool{}, map[string]bool{}
		for k := range oc.endpoints {
			oe[k] = true
		}
		for k := range nc.endpoints {
			ne[k] = true
		}
		d.Endpoints = change(oe, ne)
		for _, k := range keys(ne) {
			a, b := oc.endpoints[k], nc.endpoints[k]
			if a == nil {
				continue // a new endpoint: listed in Endpoints.Added, with its shape below
			}
			ed := EndpointDiff{Endpoint: k, Query: change(a.query, b.query), Headers: change(a.headers, b.headers),
				BodyFields: change(a.fields, b.fields), Betas: change(a.betas, b.betas)}
			if !ed.empty() {
				d.Changed = append(d.Changed, ed)
			}
		}
		// A new endpoint's whole shape is news.
		for _, k := range d.Endpoints.Added {
			b := nc.endpoints[k]
			ed := EndpointDiff{Endpoint: k, Query: change(none, b.query),
				Headers: change(none, b.headers), BodyFields: change(none, b.fields), Betas: change(none, b.betas)}
			if !ed.empty() {
				d.Changed = append(d.Changed, ed)
			}
		}
		slices.SortFunc(d.Changed, func(x, y EndpointDiff) int { return strings.Compare(x.Endpoint, y.Endpoint) })
		out = append(out, d)
	}
	return out
}

// Only returns the diff of one client, or one with no versions when neither run has it.
func Only(diffs []ClientDiff, name string) ClientDiff {
	for _, d := range diffs {
		if d.Client == name {
			return d
		}
	}
	return ClientDiff{Client: name}
}

func versions(v []string) string {
	if len(v) == 0 {
		return "(none recorded)"
	}
	return strings.Join(v, ", ")
}

func codeList(items []string) string {
	if len(items) == 0 {
		return ""
	}
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "`" + strings.ReplaceAll(s, "`", "'") + "`"
	}
	return strings.Join(q, " ")
}

// Markdown writes one section per client diff.
func Markdown(w io.Writer, diffs []ClientDiff) error {
	var b strings.Builder
	for i, d := range diffs {
		if i > 0 && !strings.HasSuffix(b.String(), "\n\n") {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "### %s %s → %s\n\n", d.Client, versions(d.OldVersions), versions(d.NewVersions))
		switch {
		case len(d.OldVersions) == 0:
			b.WriteString("No requests recorded for the last passing version: everything below is listed as new.\n\n")
		case len(d.NewVersions) == 0:
			b.WriteString("No requests recorded for the new version (did the client start?).\n\n")
		}
		if d.Empty() {
			b.WriteString("No change in the paths, query parameters, headers, body fields or betas it sends. " +
				"What changed is not in the recorded shapes (values, order, response handling).\n")
			continue
		}
		if len(d.Endpoints.Added) > 0 {
			b.WriteString("New endpoints:\n")
			for _, e := range d.Endpoints.Added {
				fmt.Fprintf(&b, "- `%s`\n", e)
			}
			b.WriteString("\n")
		}
		if len(d.Endpoints.Removed) > 0 {
			b.WriteString("Endpoints no longer called:\n")
			for _, e := range d.Endpoints.Removed {
				fmt.Fprintf(&b, "- `%s`\n", e)
			}
			b.WriteString("\n")
		}
		for _, e := range d.Changed {
			fmt.Fprintf(&b, "`%s`\n\n| | new | gone |\n| --- | --- | --- |\n", e.Endpoint)
			for _, row := range []struct {
				name string
				c    Change
			}{{"query parameters", e.Query}, {"headers", e.Headers}, {"body fields", e.BodyFields}, {"anthropic-beta", e.Betas}} {
				if !row.c.empty() {
					fmt.Fprintf(&b, "| %s | %s | %s |\n", row.name, codeList(row.c.Added), codeList(row.c.Removed))
				}
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
