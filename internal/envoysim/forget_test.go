package envoysim

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestForgetAccessLog: with ForgetAccessLog the lines still reach Options.AccessLog, but
// no entry stays in memory (a stand-in serving for hours would otherwise grow).
func TestForgetAccessLog(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	h, _ := start(t, setup{}, routeTo("one", true), map[string]string{"one": up.URL})
	var out bytes.Buffer
	h.opts.ForgetAccessLog, h.opts.AccessLog = true, &out // before any request
	post(t, h.URL()+"/x", `{}`)
	post(t, h.URL()+"/x", `{}`)
	if n := len(h.AccessLog()); n != 0 {
		t.Errorf("%d entries kept", n)
	}
	if n := strings.Count(out.String(), `"status":200`); n != 2 {
		t.Errorf("%d access log lines with status 200 written:\n%s", n, out.String())
	}
}
