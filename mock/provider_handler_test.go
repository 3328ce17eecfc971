package mock

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/llm/api"
)

// TestProviderGeneratedAnswers: a Provider whose Handler is the generated mock checks
// and records exactly as it does for replays, and answers with ExpectedUsage.
func TestProviderGeneratedAnswers(t *testing.T) {
	opts := Options{Words: 4}
	p := NewProvider(ProviderOptions{Name: "gen", Auth: OpenAIAuth("prov"), ClientKeys: []string{"client-key"},
		Handler: New(opts, nil)})
	defer p.Close()
	body := `{"model":"gpt-x","messages":[{"role":"user","content":"hi"}]}`
	tests := []struct {
		name     string
		hdr      map[string]string
		status   int
		failures int
	}{
		{"provider key", map[string]string{"Authorization": "Bearer prov"}, 200, 0},
		{"client key", map[string]string{"Authorization": "Bearer client-key"}, 401, 1},
		{"no key", nil, 401, 1},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(p.Failures())
			resp := send(t, http.MethodPost, p.URL, "/v1/chat/completions", body, tc.hdr)
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d: %s", resp.StatusCode, got)
			}
			if n := len(p.Failures()) - before; n != tc.failures {
				t.Errorf("failures %v", p.Failures())
			}
			ex := p.Exchanges()
			if len(ex) != i+1 || string(ex[i].Body) != body || string(ex[i].Sent) != string(got) || ex[i].Status != tc.status {
				t.Fatalf("recorded %+v", ex)
			}
			if tc.status != 200 {
				return
			}
			want := ExpectedUsage(api.OpenAIChat.String(), []byte(body), opts)
			if in, out := gjson.GetBytes(got, "usage.prompt_tokens").Int(), gjson.GetBytes(got, "usage.completion_tokens").Int(); in != want.Input || out != want.Output {
				t.Errorf("usage %d/%d, want %+v", in, out, want)
			}
		})
	}
}

// TestRefusal: an Auth returning a Refusal chooses the status, headers and body.
func TestRefusal(t *testing.T) {
	deny := func(*http.Request, []byte) error {
		return &Refusal{Err: errors.New("nope"), Status: http.StatusForbidden,
			Header: http.Header{"X-Why": {"because"}}, Body: []byte(`{"message":"denied"}`)}
	}
	p := NewProvider(ProviderOptions{Name: "r", Auth: deny, Routes: map[string]Route{"/x": {JSON: &Fixture{}}}})
	defer p.Close()
	resp := send(t, http.MethodPost, p.URL, "/x", `{}`, nil)
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || resp.Header.Get("X-Why") != "because" || string(got) != `{"message":"denied"}` {
		t.Errorf("got %d %v %s", resp.StatusCode, resp.Header, got)
	}
	if f := p.Failures(); len(f) != 1 || f[0] != "r: POST /x: nope" {
		t.Errorf("failures %q", f)
	}
}

// TestProviderCloseEndsGeneratedStreams: Close ends a generated stream that would wait
// an hour for its next delta, instead of waiting for it. The bound only guards a hang.
func TestProviderCloseEndsGeneratedStreams(t *testing.T) {
	p := NewProvider(ProviderOptions{Name: "gen", Auth: AnthropicAuth("prov"), Handler: New(Options{ChunkDelay: time.Hour}, nil)})
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, p.URL+"/v1/messages",
		strings.NewReader(`{"model":"m","stream":true,"max_tokens":5,"messages":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-api-key", "prov")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close still waiting 10s later")
	}
	if ex := p.Exchanges(); len(ex) != 1 || ex[0].Status != 200 || !strings.HasPrefix(string(ex[0].Sent), "event: message_start") {
		t.Errorf("recorded %+v", ex)
	}
}
