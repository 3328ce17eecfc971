package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"version"}, 0, "tollgate "},
		{[]string{}, 2, "usage"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"check"}, 2, "-config is required"},
		{[]string{"check", "-config", "../deploy/tollgate.yaml", "-envoy", "../envoy/envoy.yaml"}, 0, "ok: ../deploy/tollgate.yaml"},
		{[]string{"check", "-config", "../internal/config/testdata/invalid-many.yaml"}, 1, `error: providers[1]: duplicate provider name "anthropic"`},
		{[]string{"check", "-config", "../check/testdata/unrouted.yaml", "-o", "yaml"}, 2, "-o must be"},
		{[]string{"prices", "-config", "../deploy/tollgate.yaml", "claude-sonnet-4-5-20250929"}, 0, "matched"},
		{[]string{"prices", "-config", "../deploy/tollgate.yaml", "claude-nextgen-9"}, 1, "no price"},
		{[]string{"serve"}, 2, "-config is required"},
		{[]string{"smoke"}, 2, "-gateway is required"},
	} {
		code, out, errs := run(tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.contains) {
			t.Errorf("%v: exit %d (want %d), output %q lacks %q", tc.args, code, tc.code, out+errs, tc.contains)
		}
	}
}

func TestCheckJSON(t *testing.T) {
	t.Setenv("CHECK_TEST_KEY", "k")
	code, out, _ := run("check", "-config", "../check/testdata/unrouted.yaml", "-o", "json", "-strict")
	var r struct {
		OK       bool     `json:"ok"`
		Errors   []string `json:"errors"`
		Unpriced []string `json:"unpriced_models"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if code != 1 || r.OK || len(r.Unpriced) != 1 || r.Unpriced[0] != "claude-brand-new-1" {
		t.Errorf("exit %d, report %+v", code, r)
	}
}
