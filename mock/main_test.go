package mock

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-listen", "127.0.0.1:0", "-latency", "0s", "-chunk-delay", "1ms",
		"-words", "7", "-chunk-bytes", "2", "-key", "k"}, io.Discard)
	want := Options{ChunkDelay: time.Millisecond, Words: 7, ChunkBytes: 2, Key: "k"}
	if err != nil || c.listen != "127.0.0.1:0" || c.opts != want {
		t.Errorf("parseFlags = %+v, %v; want opts %+v", c, err, want)
	}
	c, err = parseFlags(nil, io.Discard)
	want = Options{FirstByteDelay: 20 * time.Millisecond, ChunkDelay: 5 * time.Millisecond, Words: DefaultWords}
	if err != nil || c.listen != "127.0.0.1:8080" || c.opts != want {
		t.Errorf("defaults = %+v, %v; want opts %+v", c, err, want)
	}

	_, err = parseFlags([]string{"-listen", "", "-latency", "soon", "-chunk-delay", "-1s", "-words", "0",
		"-chunk-bytes", "x", "extra"}, io.Discard)
	if err == nil {
		t.Fatal("bad flags accepted")
	}
	for _, frag := range []string{"unexpected arguments", "-listen", "-latency", "-chunk-delay", "-words", "-chunk-bytes"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error %q does not mention %s", err, frag)
		}
	}
	if _, err := parseFlags([]string{"-nope"}, io.Discard); err == nil {
		t.Error("unknown flag accepted")
	}
	if _, err := parseFlags([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
}

// TestMainServes checks Main serves, answers a request, and on cancellation ends an open stream and
// returns. The bounded waits only guard against hangs.
func TestMainServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, outW := io.Pipe()
	logs := &syncWriter{w: &strings.Builder{}}
	errc := make(chan error, 1)
	go func() {
		errc <- Main(ctx, []string{"-listen", "127.0.0.1:0", "-latency", "0s", "-chunk-delay", "1h", "-key", testKey}, outW, logs)
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the address: %v", err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("stdout line %q", line)
	}

	resp := send(t, http.MethodPost, url, "/v1/messages/count_tokens", `{"model":"m","messages":[]}`,
		map[string]string{"x-api-key": testKey})
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || gjson.GetBytes(b, "input_tokens").Int() != 1 {
		t.Errorf("count_tokens: %d %s", resp.StatusCode, b)
	}

	// A stream that would wait an hour for its first delta.
	stream := send(t, http.MethodPost, url, "/v1/chat/completions", `{"model":"m","stream":true,"messages":[]}`,
		map[string]string{"Authorization": "Bearer " + testKey})
	if _, err := bufio.NewReader(stream.Body).ReadString('\n'); err != nil {
		t.Fatalf("first stream line: %v", err)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Main: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Main still running 10s after cancellation")
	}
	if strings.Contains(logs.String(), testKey) {
		t.Errorf("the key was logged: %s", logs.String())
	}
}

func TestMainListenError(t *testing.T) {
	err := Main(context.Background(), []string{"-listen", "127.0.0.1:notaport"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("Main with a bad address: %v", err)
	}
}
