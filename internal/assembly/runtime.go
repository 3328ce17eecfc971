package assembly

import (
	"maps"
	"time"

	"github.com/tollgate/tollgate/internal/budget"
	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/internal/keys"
	"github.com/tollgate/tollgate/internal/provider"
	"github.com/tollgate/tollgate/internal/routing"
)

// Runtime is an assembled config: everything a request needs, built once per load and
// never changed afterwards, so one request sees one Runtime from start to end. Its state
// is unexported and every accessor returns a value, a copy or an immutable object, so a
// Runtime shared by every stream cannot be changed through it; WithProvider derives a new
// one instead.
type Runtime struct {
	router    *routing.Router
	keys      *keys.Set
	providers map[string]built
	teams     map[string]bool
	limits    config.Limits
	budgets   *budget.Set
	// by is the Assembler that built the providers: only it may reuse them.
	by *Assembler
}

// built is one provider and the settings it was built from, to tell on the next load
// whether it can be reused.
type built struct {
	p   provider.Provider
	cfg provider.Config
	// credentialTimeout is the one dependency that comes from the file.
	credentialTimeout time.Duration
	// injected marks a provider from WithProvider: never reused.
	injected bool
}

// Router resolves client models to routes (immutable).
func (rt *Runtime) Router() *routing.Router { return rt.router }

// Keys authenticates clients (immutable).
func (rt *Runtime) Keys() *keys.Set { return rt.keys }

// Provider is the provider named name, nil when there is none (validation guarantees
// every rule names one).
func (rt *Runtime) Provider(name string) provider.Provider {
	if b, ok := rt.providers[name]; ok {
		return b.p
	}
	return nil
}

// Limits are the size limits of the config (a copy).
func (rt *Runtime) Limits() config.Limits { return rt.limits }

// Budgets are the compiled budgets (immutable; nil when there are none). The rate-limit
// service that keeps their counters is the process's, not the Runtime's.
func (rt *Runtime) Budgets() *budget.Set { return rt.budgets }

// TeamKnown reports whether team is configured (label values come only from config).
func (rt *Runtime) TeamKnown(team string) bool { return rt.teams[team] }

// WithProvider returns a copy of rt serving p in place of the provider of the same name
// (tests use it to inject a faulty provider); rt itself is unchanged. The copy never
// hands p on to a later load.
func (rt *Runtime) WithProvider(p provider.Provider) *Runtime {
	c := *rt
	c.providers = maps.Clone(rt.providers)
	c.providers[p.Name()] = built{p: p, injected: true}
	return &c
}
