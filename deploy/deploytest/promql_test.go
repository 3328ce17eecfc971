package deploytest

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
)

// grafanaVar matches Grafana's $name and ${name} / ${name:format} variable references.
var grafanaVar = regexp.MustCompile(`\$(?:\{(\w+)(?::\w+)?\}|(\w+))`)

// rangeMacros are Grafana's built-in variables that stand for a PromQL duration.
var rangeMacros = map[string]bool{"__rate_interval": true, "__interval": true, "__range": true}

// expandGrafanaVars replaces Grafana variables with values the PromQL parser accepts: range
// macros become a duration, any other variable (used inside label-matcher strings) a word.
func expandGrafanaVars(expr string) string {
	return grafanaVar.ReplaceAllStringFunc(expr, func(m string) string {
		sub := grafanaVar.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		if rangeMacros[name] {
			return "5m"
		}
		return "grafana_var"
	})
}

// exprCheck is the result of checking one PromQL expression against KnownMetrics.
type exprCheck struct {
	families []string        // metric families the expression reads, sorted, deduplicated
	labels   map[string]bool // labels the expression's result series can carry
}

// checkExpr parses a dashboard expression (with Grafana variables) and checks that every
// series it selects belongs to a known metric family, that every label it matches on or
// groups by exists on the series below it, and that histogram series are used by suffix.
func checkExpr(expr string, known map[string]Metric) (exprCheck, error) {
	node, err := parser.NewParser(parser.Options{}).ParseExpr(expandGrafanaVars(expr))
	if err != nil {
		return exprCheck{}, fmt.Errorf("parse %q: %w", expr, err)
	}
	c := &checker{known: known, families: map[string]bool{}}
	lbls := c.labelsOf(node)
	if len(c.families) == 0 {
		c.errs = append(c.errs, errors.New("selects no metric"))
	}
	if err := errors.Join(c.errs...); err != nil {
		return exprCheck{}, fmt.Errorf("%q: %w", expr, err)
	}
	fams := make([]string, 0, len(c.families))
	for f := range c.families {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	return exprCheck{families: fams, labels: lbls}, nil
}

type checker struct {
	known    map[string]Metric
	families map[string]bool
	errs     []error
}

// series resolves a selected series name to its family and the labels its series carry.
func (c *checker) series(name string) (string, map[string]bool, error) {
	if m, ok := c.known[name]; ok {
		if m.Kind == Histogram {
			return "", nil, fmt.Errorf("histogram %s is exposed only as _bucket, _sum and _count", name)
		}
		return name, labelSet(m.Labels), nil
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(name, suffix)
		if !ok {
			continue
		}
		m, ok := c.known[base]
		if !ok || m.Kind != Histogram {
			continue
		}
		lbls := labelSet(m.Labels)
		if suffix == "_bucket" {
			lbls["le"] = true
		}
		return base, lbls, nil
	}
	return "", nil, fmt.Errorf("unknown metric %s", name)
}

// labelsOf returns the labels that the series of node's result can carry, recording errors.
func (c *checker) labelsOf(node parser.Node) map[string]bool {
	switch n := node.(type) {
	case *parser.VectorSelector:
		fam, lbls, err := c.series(n.Name)
		if err != nil {
			c.errs = append(c.errs, err)
			return map[string]bool{}
		}
		c.families[fam] = true
		for _, m := range n.LabelMatchers {
			if m.Name != "__name__" && !lbls[m.Name] {
				c.errs = append(c.errs, fmt.Errorf("%s has no label %q", n.Name, m.Name))
			}
		}
		return lbls
	case *parser.MatrixSelector:
		return c.labelsOf(n.VectorSelector)
	case *parser.SubqueryExpr:
		return c.labelsOf(n.Expr)
	case *parser.ParenExpr:
		return c.labelsOf(n.Expr)
	case *parser.UnaryExpr:
		return c.labelsOf(n.Expr)
	case *parser.StepInvariantExpr:
		return c.labelsOf(n.Expr)
	case *parser.BinaryExpr:
		out := c.labelsOf(n.LHS)
		for l := range c.labelsOf(n.RHS) {
			out[l] = true
		}
		return out
	case *parser.Call:
		out := map[string]bool{}
		for _, a := range n.Args {
			for l := range c.labelsOf(a) {
				out[l] = true
			}
		}
		if n.Func.Name == "histogram_quantile" {
			if !out["le"] {
				c.errs = append(c.errs, errors.New("histogram_quantile over series without le"))
			}
			delete(out, "le")
		}
		return out
	case *parser.AggregateExpr:
		inner := c.labelsOf(n.Expr)
		if n.Param != nil {
			c.labelsOf(n.Param)
		}
		for _, g := range n.Grouping {
			if !inner[g] {
				c.errs = append(c.errs, fmt.Errorf("%s by/without %q: no such label below it", n.Op, g))
			}
		}
		switch {
		case n.Without:
			for _, g := range n.Grouping {
				delete(inner, g)
			}
			return inner
		case n.Op == parser.TOPK || n.Op == parser.BOTTOMK || n.Op == parser.LIMITK:
			return inner
		default:
			return labelSet(n.Grouping)
		}
	default: // literals
		return map[string]bool{}
	}
}

func labelSet(names []string) map[string]bool {
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out
}

// legendLabels returns the label names a Grafana legendFormat refers to as {{name}}.
func legendLabels(format string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`).FindAllStringSubmatch(format, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}
