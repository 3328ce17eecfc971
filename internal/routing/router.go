// Package routing maps the model a client asks for to a provider and the upstream model
// name, by the config's ordered `models` rules (exact names or `*` globs; first match wins).
package routing

import (
	"fmt"
	"strings"
)

// Rule is one declared `models` entry.
type Rule struct {
	Match         string
	Provider      string
	UpstreamModel string // may hold "{model}"; empty means the client's model
	PricingModel  string
}

// Route is where one model goes.
type Route struct {
	// Model is the client's model name; it is the `model` metric label, which is safe
	// because only names that matched a rule become routes.
	Model         string
	Provider      string
	UpstreamModel string
	PricingModel  string
	// Rule is the index of the matched rule in file order.
	Rule int
	// Pattern is the matched glob ("" when an exact rule matched).
	Pattern string
}

type compiledRule struct {
	Rule
	glob        glob
	isGlob      bool
	hasTemplate bool
}

// Router resolves models. It is immutable after New and safe for concurrent use.
type Router struct {
	rules []compiledRule
	exact map[string]int // exact match → first rule index
}

// Check reports why a rule's match pattern is unusable, or nil.
func Check(pattern string) error { return checkGlob(pattern) }

// New compiles the rules. Patterns must have passed Check.
func New(rules []Rule) (*Router, error) {
	r := &Router{exact: make(map[string]int)}
	for i, rule := range rules {
		if err := checkGlob(rule.Match); err != nil {
			return nil, fmt.Errorf("models[%d]: %w", i, err)
		}
		c := compiledRule{Rule: rule, hasTemplate: strings.Contains(rule.UpstreamModel, "{model}")}
		if strings.Contains(rule.Match, "*") {
			c.isGlob, c.glob = true, compileGlob(rule.Match)
		} else if _, seen := r.exact[rule.Match]; !seen {
			r.exact[rule.Match] = i
		}
		r.rules = append(r.rules, c)
	}
	return r, nil
}

// Resolve finds the first rule, in file order, that matches model.
func (r *Router) Resolve(model string) (Route, bool) {
	limit := len(r.rules)
	if i, ok := r.exact[model]; ok {
		limit = i // an exact rule wins unless an earlier glob matches
	}
	for i := 0; i < limit; i++ {
		if c := &r.rules[i]; c.isGlob && c.glob.match(model) {
			return c.route(model, i), true
		}
	}
	if limit < len(r.rules) {
		return r.rules[limit].route(model, limit), true
	}
	return Route{}, false
}

func (c *compiledRule) route(model string, i int) Route {
	up := c.UpstreamModel
	switch {
	case up == "":
		up = model
	case c.hasTemplate:
		up = strings.ReplaceAll(up, "{model}", model)
	}
	r := Route{Model: model, Provider: c.Provider, UpstreamModel: up, PricingModel: c.PricingModel, Rule: i}
	if c.isGlob {
		r.Pattern = c.Match
	}
	return r
}

// ExactModels lists the exact (non-glob) model names in file order, without repeats.
func (r *Router) ExactModels() []string {
	out := make([]string, 0, len(r.exact))
	for i, c := range r.rules {
		if !c.isGlob && r.exact[c.Match] == i {
			out = append(out, c.Match)
		}
	}
	return out
}

// Rules returns the rules in file order.
func (r *Router) Rules() []Rule {
	out := make([]Rule, len(r.rules))
	for i, c := range r.rules {
		out[i] = c.Rule
	}
	return out
}
