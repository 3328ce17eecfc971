package catalog

import (
	"fmt"
	"strings"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/routing"
)

// modelToken is the placeholder of an upstream_model template.
const modelToken = "{model}"

// classifier decides how the rules route a provider's catalog model, by asking the
// gateway's own router: a candidate client name counts only if Resolve sends it to
// that very rule, provider and upstream model.
type classifier struct {
	router *routing.Router
	rules  []routing.Rule
}

func newClassifier(l *config.Loaded) (*classifier, error) {
	r, err := l.Router()
	if err != nil {
		return nil, err
	}
	return &classifier{router: r, rules: r.Rules()}, nil
}

// classify is RouteExact when an exact rule of the provider, after its {model}
// template, names id (and is not shadowed by an earlier glob); else RouteGlob when a
// glob rule's template, inverted, gives a client name the glob matches and that no
// earlier rule takes; else RouteNone.
func (c *classifier) classify(provider, id string) Model {
	for i, r := range c.rules {
		if r.Provider == provider && !isGlob(r.Match) && c.routes(r.Match, i, id) {
			return Model{ID: id, Route: RouteExact, ClientModel: r.Match, Rule: r.Match}
		}
	}
	for i, r := range c.rules {
		if r.Provider != provider || !isGlob(r.Match) {
			continue
		}
		if r.UpstreamModel != "" && !strings.Contains(r.UpstreamModel, modelToken) {
			// A constant upstream model: every name the glob matches goes to it.
			if r.UpstreamModel == id {
				return Model{ID: id, Route: RouteGlob, ClientModel: r.Match, Rule: r.Match}
			}
			continue
		}
		if client, ok := invert(r.UpstreamModel, id); ok && c.routes(client, i, id) {
			return Model{ID: id, Route: RouteGlob, ClientModel: client, Rule: r.Match}
		}
	}
	return Model{ID: id, Route: RouteNone}
}

// routes reports whether the router sends client to rule i with upstream model id.
func (c *classifier) routes(client string, i int, id string) bool {
	rt, ok := c.router.Resolve(client)
	return ok && rt.Rule == i && rt.UpstreamModel == id
}

// invert finds the client name that template turns into id: id itself for an empty
// template, else the one value of {model} (which may occur several times) that makes
// the template equal id.
func invert(template, id string) (string, bool) {
	if template == "" {
		return id, true
	}
	n := strings.Count(template, modelToken)
	lit := len(template) - n*len(modelToken)
	if n == 0 || len(id) <= lit || (len(id)-lit)%n != 0 {
		return "", false
	}
	size := (len(id) - lit) / n
	start := strings.Index(template, modelToken)
	if !strings.HasPrefix(id, template[:start]) {
		return "", false
	}
	client := id[start : start+size]
	if strings.ReplaceAll(template, modelToken, client) != id {
		return "", false
	}
	return client, true
}

func isGlob(match string) bool { return strings.Contains(match, "*") }

// taken says which rule already routes the client name, and where ("" when none does):
// a rule suggested for it would never match, or would take it from that provider.
func (c *classifier) taken(name string) string {
	if c == nil {
		return ""
	}
	rt, ok := c.router.Resolve(name)
	if !ok {
		return ""
	}
	return fmt.Sprintf("rule %q already sends %s to %s as %s", c.rules[rt.Rule].Match, name, rt.Provider, rt.UpstreamModel)
}
