package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
)

// JSON renders the report, indented, ending in a newline.
func (r Report) JSON() []byte {
	b, _ := json.MarshalIndent(r, "", "  ") // plain strings and bools: cannot fail
	return append(b, '\n')
}

// YAML renders ready-to-paste `models:` rules for the catalog models that no rule
// routes: one exact rule per model, the model id as both the client's name and the
// upstream model (upstream_model left out), provider by provider. A rule whose name a
// rule of the config (or one suggested above it) already routes elsewhere is written
// commented out, with the reason: pasted, it would never match, or would take the name
// from that provider; such a model needs a client name of its own. Unpriced models and
// providers whose catalog failed are comments. Every value is double-quoted (ids hold
// ":" and "@").
func (r Report) YAML() []byte {
	var b bytes.Buffer
	b.WriteString("# tollgate models: rules for the models the providers list and no rule routes.\n")
	b.WriteString("# Paste the entries under `models:` (first match wins: before any catch-all glob).\n")
	n := 0
	suggested := map[string]string{} // name → provider
	for _, p := range r.Providers {
		if p.Error != "" {
			fmt.Fprintf(&b, "# %s (%s): catalog not fetched: %s\n", p.Name, p.Type, oneLine(p.Error))
			continue
		}
		for _, m := range p.Models {
			if m.Route != RouteNone {
				continue
			}
			if n == 0 {
				b.WriteString("models:\n")
			}
			n++
			why := r.cls.taken(m.ID)
			if prev, dup := suggested[m.ID]; dup {
				why = "the rule suggested above sends " + m.ID + " to " + prev
			}
			comment := ""
			if why != "" {
				fmt.Fprintf(&b, "  # %s: choose another client name, and upstream_model: %s\n", why, strconv.Quote(m.ID))
				comment = "# "
			} else {
				suggested[m.ID] = p.Name
			}
			fmt.Fprintf(&b, "  %s- match: %s\n  %s  provider: %s\n", comment, strconv.Quote(m.ID), comment, strconv.Quote(p.Name))
			if !m.Priced {
				fmt.Fprintf(&b, "    # no price for it on %s yet: its usage counts as unpriced (add pricing.overrides or a pricing_model)\n", p.Type)
			}
		}
	}
	if n == 0 {
		b.WriteString("models: [] # every listed model is routed\n")
	}
	return b.Bytes()
}

// Text renders a table a person reads: one row per model, then one line per provider
// whose catalog failed.
func (r Report) Text() []byte {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tTYPE\tMODEL\tROUTE\tCLIENT_MODEL\tRULE\tPRICED")
	for _, p := range r.Providers {
		for _, m := range p.Models {
			priced := "no"
			if m.Priced {
				priced = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Type, m.ID, m.Route, dash(m.ClientModel), dash(m.Rule), priced)
		}
	}
	tw.Flush()
	var none, listed int
	for _, p := range r.Providers {
		if p.Error != "" {
			fmt.Fprintf(&b, "error: %s (%s): %s\n", p.Name, p.Type, oneLine(p.Error))
			continue
		}
		listed += len(p.Models)
		for _, m := range p.Models {
			if m.Route == RouteNone {
				none++
			}
		}
	}
	fmt.Fprintf(&b, "%d models listed by %d of %d providers, %d routed by no rule\n",
		listed, len(r.Providers)-r.Failed(), len(r.Providers), none)
	return b.Bytes()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps a message on one line (a YAML comment ends at the newline).
func oneLine(s string) string {
	return string(bytes.Join(bytes.Fields([]byte(s)), []byte(" ")))
}
