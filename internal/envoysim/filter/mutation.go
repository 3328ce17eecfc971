package filter

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	mutationrulesv3 "github.com/envoyproxy/go-control-plane/envoy/config/common/mutation_rules/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"golang.org/x/net/http/httpguts"
)

// checkResult is the verdict of the mutation Checker.
type checkResult int

const (
	checkOK checkResult = iota
	checkIgnore
	checkFail
)

// Checker applies an ext_proc filter's mutation_rules the way Envoy's
// source/extensions/filters/common/mutation_rules/mutation_rules.cc (Checker::check) does,
// and as documented on envoy.config.common.mutation_rules.v3.HeaderMutationRules:
//   - by default `host`, `:authority`, `:scheme` and `:method` need allow_all_routing and
//     `x-envoy-*` needs allow_envoy; `:path` (and `:status` on responses) may change;
//   - system headers (starting with ':', and `host`) can never be removed;
//   - a refused change is skipped, or is an error when disallow_is_error is true.
//
// A nil *Checker applies the default rules.
type Checker struct {
	allowRouting, allowEnvoy, disallowSystem, disallowAll, isError bool
	allowExpr, disallowExpr                                        *regexp.Regexp
}

// NewChecker compiles mutation_rules (nil: the defaults).
func NewChecker(r *mutationrulesv3.HeaderMutationRules) (*Checker, error) {
	c := &Checker{
		allowRouting:   r.GetAllowAllRouting().GetValue(),
		allowEnvoy:     r.GetAllowEnvoy().GetValue(),
		disallowSystem: r.GetDisallowSystem().GetValue(),
		disallowAll:    r.GetDisallowAll().GetValue(),
		isError:        r.GetDisallowIsError().GetValue(),
	}
	var err error
	if e := r.GetAllowExpression(); e != nil {
		if c.allowExpr, err = regexp.Compile("^(?:" + e.GetRegex() + ")$"); err != nil {
			return nil, fmt.Errorf("mutation_rules.allow_expression: %w", err)
		}
	}
	if e := r.GetDisallowExpression(); e != nil {
		if c.disallowExpr, err = regexp.Compile("^(?:" + e.GetRegex() + ")$"); err != nil {
			return nil, fmt.Errorf("mutation_rules.disallow_expression: %w", err)
		}
	}
	return c, nil
}

func (c *Checker) refuse() checkResult {
	if c.isError {
		return checkFail
	}
	return checkIgnore
}

func (c *Checker) check(remove bool, name string) checkResult {
	if c == nil {
		c = &defaultRules
	}
	system := strings.HasPrefix(name, ":") || name == "host"
	if remove && system {
		return c.refuse()
	}
	if c.disallowExpr != nil && c.disallowExpr.MatchString(name) {
		return c.refuse()
	}
	if c.allowExpr != nil && c.allowExpr.MatchString(name) {
		return checkOK
	}
	if c.disallowAll {
		return c.refuse()
	}
	switch {
	case system && c.disallowSystem:
		return c.refuse()
	case name == "host" || name == ":authority" || name == ":scheme" || name == ":method":
		if !c.allowRouting {
			return c.refuse()
		}
	case name == ":path" || name == ":status":
	case system:
		return c.refuse()
	case strings.HasPrefix(name, "x-envoy-"):
		if !c.allowEnvoy {
			return c.refuse()
		}
	}
	return checkOK
}

// defaultRules are mutation_rules left unset.
var defaultRules Checker

// ErrMutation is a header mutation Envoy refuses with an error (a local 500 reply).
var ErrMutation = errors.New("header mutation rejected")

// ApplyHeaderMutation applies m to headers as MutationUtils::applyHeaderMutations
// (source/extensions/filters/http/ext_proc/mutation_utils.cc) does: removals first,
// then sets; only `raw_value` is read (setting both `value` and `raw_value` is an
// error); the deprecated `append` BoolValue is honoured and `append_action` ignored
// (envoyproxy/envoy issue #36982); a `content-length` set is skipped when the body mode
// makes Envoy drop that header (removeContentLength).
func ApplyHeaderMutation(m *extprocv3.HeaderMutation, headers *Headers, c *Checker, removeContentLength bool) error {
	if m == nil {
		return nil
	}
	for _, name := range m.GetRemoveHeaders() {
		if !httpguts.ValidHeaderFieldName(strings.TrimPrefix(name, ":")) {
			return fmt.Errorf("%w: invalid character in remove_headers", ErrMutation)
		}
		name = strings.ToLower(name)
		switch c.check(true, name) {
		case checkOK:
			headers.Remove(name)
		case checkFail:
			return fmt.Errorf("%w: invalid attempt to remove %s", ErrMutation, name)
		}
	}
	for _, hv := range m.GetSetHeaders() {
		h := hv.GetHeader()
		if h == nil {
			continue
		}
		name := strings.ToLower(h.GetKey())
		if removeContentLength && name == "content-length" {
			continue
		}
		if h.GetValue() != "" && len(h.GetRawValue()) > 0 {
			return fmt.Errorf("%w: only one of value or raw_value may be set", ErrMutation)
		}
		value := string(h.GetRawValue())
		if !httpguts.ValidHeaderFieldName(strings.TrimPrefix(name, ":")) || !httpguts.ValidHeaderFieldValue(value) {
			return fmt.Errorf("%w: invalid character in set_headers", ErrMutation)
		}
		switch c.check(false, name) {
		case checkOK:
			if hv.GetAppend().GetValue() {
				headers.Add(name, value)
			} else {
				headers.Set(name, value)
			}
		case checkFail:
			return fmt.Errorf("%w: invalid attempt to modify %s", ErrMutation, name)
		}
	}
	return nil
}

// ApplyBodyMutation returns the body after m (MutationUtils::applyBodyMutations):
// `body` replaces it, `clear_body` empties it; anything else keeps it.
func ApplyBodyMutation(m *extprocv3.BodyMutation, body []byte) []byte {
	switch mm := m.GetMutation().(type) {
	case *extprocv3.BodyMutation_Body:
		return mm.Body
	case *extprocv3.BodyMutation_ClearBody:
		if mm.ClearBody {
			return nil
		}
	}
	return body
}
