package devstack

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDevEmbeddedProcess is the README's first run without Docker: it builds the tollgate
// binary, starts `tollgate dev -embedded` as a process, waits for its banner, and sends
// the README's quickstart curl (same path, headers and body) to it; /metrics then shows
// the tokens. The requests of the client guides (Claude Code, Codex) and `tollgate smoke`
// work against it too, and SIGINT stops it with exit status 0.
func TestDevEmbeddedProcess(t *testing.T) {
	bin := buildTollgate(t)
	listen := freeAddr(t)
	cmd := exec.Command(bin, "dev", "-embedded", "-listen", listen, "-admin", "127.0.0.1:0")
	var stderr syncBuffer // read while the process writes
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	banner := make(chan string, 1)
	go func() {
		var b strings.Builder
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Ctrl-C stops everything") {
				banner <- b.String()
			}
		}
		exited <- cmd.Wait()
	}()
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill()
			<-exited
		}
	}()
	var text string
	select {
	case text = <-banner:
	case err := <-exited:
		waited = true
		t.Fatalf("tollgate dev exited: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("no banner after 60s\n%s", stderr.String())
	}
	for _, want := range []string{"http://" + listen, "tollgate-demo-key", "not for production"} {
		if !strings.Contains(text, want) {
			t.Errorf("banner without %q:\n%s", want, text)
		}
	}
	m := regexp.MustCompile(`metrics\s+(http://\S+/metrics)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no metrics URL in the banner:\n%s", text)
	}
	base := "http://" + listen

	// The README's curl.
	c := readmeCurl(t)
	req, _ := http.NewRequest(http.MethodPost, base+c.path, strings.NewReader(c.body))
	for _, h := range c.headers {
		req.Header.Add(h[0], h[1])
	}
	status, raw := do(t, req)
	var msg struct {
		Content []struct{ Text string }
		Usage   struct {
			Input  int64 `json:"input_tokens"`
			Output int64 `json:"output_tokens"`
		}
	}
	if err := json.Unmarshal(raw, &msg); status != 200 || err != nil || len(msg.Content) == 0 || msg.Usage.Output == 0 {
		t.Fatalf("README curl: %d %s", status, raw)
	}
	metrics := get(t, m[1], "")
	for typ, n := range map[string]int64{"input": msg.Usage.Input, "output": msg.Usage.Output} {
		line := `tollgate_tokens_total{model="claude-sonnet-4-5",provider="mock-anthropic",team="demo",token_type="` + typ + `"} ` + strconv.FormatInt(n, 10)
		if !strings.Contains(metrics, line+"\n") {
			t.Errorf("/metrics has no %s", line)
		}
	}

	clientGuides(t, base)
	smokeAgainst(t, bin, base)

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		waited = true
		if err != nil {
			t.Errorf("after SIGINT: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20s after SIGINT\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("tollgate did not say it stopped:\n%s", stderr.String())
	}
}

// clientGuides sends what the README's clients send: Claude Code (Anthropic API mode,
// ANTHROPIC_AUTH_TOKEN as a bearer token, streaming, model discovery) and Codex (the
// Responses API, streaming, the key from env_key as a bearer token).
func clientGuides(t *testing.T, base string) {
	t.Helper()
	auth := "Bearer tollgate-demo-key"
	if models := get(t, base+"/v1/models", auth); !strings.Contains(models, `"claude-sonnet-4-5-20250929"`) {
		t.Errorf("GET /v1/models: %s", models)
	}
	for _, tc := range []struct{ name, path, body, end string }{
		{"Claude Code", "/v1/messages", `{"model":"claude-sonnet-4-5-20250929","max_tokens":512,"stream":true,"messages":[{"role":"user","content":"hi"}]}`, "event: message_stop"},
		{"Codex", "/v1/responses", `{"model":"gpt-5.1","stream":true,"input":[{"role":"user","content":"hi"}]}`, "event: response.completed"},
	} {
		req, _ := http.NewRequest(http.MethodPost, base+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("content-type", "application/json")
		if tc.path == "/v1/messages" {
			req.Header.Set("anthropic-version", "2023-06-01")
		}
		status, raw := do(t, req)
		if status != 200 || !strings.Contains(string(raw), tc.end) {
			t.Errorf("%s: %d %.300s", tc.name, status, raw)
		}
	}
}

// smokeAgainst runs `tollgate smoke` (no -config: the models from GET /v1/models, priced
// from the built-in table) against the gateway.
func smokeAgainst(t *testing.T, bin, base string) {
	t.Helper()
	out, err := exec.Command(bin, "smoke", "-gateway", base, "-key", "tollgate-demo-key", "-timeout", "30s").CombinedOutput()
	if err != nil {
		t.Fatalf("tollgate smoke: %v\n%s", err, out)
	}
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(rows) != 3 {
		t.Fatalf("smoke: want a header and two models:\n%s", out)
	}
	for _, r := range rows[1:] {
		f := strings.Fields(r)
		if len(f) < 10 || f[9] != "ok" || f[8] == "unpriced" || f[8] == "-" {
			t.Errorf("smoke row %q: want ok and a cost", r)
		}
	}
}

type curl struct {
	path, body string
	headers    [][2]string
}

// readmeCurl is the quickstart's curl in README.md: its path, -H headers and -d body.
func readmeCurl(t *testing.T) curl {
	t.Helper()
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), "\\\n", " ")
	line := regexp.MustCompile(`(?m)^curl -s localhost:10000(/\S+)(.*)$`).FindStringSubmatch(text)
	if line == nil {
		t.Fatal("README.md has no `curl -s localhost:10000/...` line")
	}
	c := curl{path: line[1]}
	args := regexp.MustCompile(`(-[Hd])\s+'([^']*)'`).FindAllStringSubmatch(line[2], -1)
	for _, a := range args {
		if a[1] == "-d" {
			c.body = a[2]
			continue
		}
		k, v, _ := strings.Cut(a[2], ":")
		c.headers = append(c.headers, [2]string{k, strings.TrimSpace(v)})
	}
	if c.body == "" || len(c.headers) == 0 {
		t.Fatalf("README curl %q: no -d body or -H header", line[0])
	}
	return c
}

func do(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func get(t *testing.T, url, auth string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	status, raw := do(t, req)
	if status != 200 {
		t.Fatalf("GET %s: %d %s", url, status, raw)
	}
	return string(raw)
}

// buildTollgate builds ./cmd/tollgate into a temporary directory.
func buildTollgate(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "tollgate")
	build := exec.Command(goBin, "build", "-o", bin, "../cmd/tollgate")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
