package pricing

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/tollgate/tollgate/llm/usage"
)

// litellmJSON is a LiteLLM-format file of n chat models "tollgate-test-<i>" priced at
// in and out USD per million tokens.
func litellmJSON(t testing.TB, n int, in, out float64) []byte {
	t.Helper()
	m := map[string]any{"sample_spec": map[string]any{"mode": "chat"}, "last_updated": "2026-07-24"}
	for i := range n {
		m[fmt.Sprintf("tollgate-test-%d", i)] = map[string]any{
			"mode": "chat", "litellm_provider": "openai",
			"input_cost_per_token": in / 1e6, "output_cost_per_token": out / 1e6,
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeSource is a price file server whose answers a test changes between refreshes.
type fakeSource struct {
	mu           sync.Mutex
	status       int
	body         []byte
	etag         string
	lastModified string
	hang         bool
	requests     int
	ifNoneMatch  string // of the last request
	ifModSince   string
	done         chan struct{}
}

func (f *fakeSource) set(status int, body []byte, etag, lastModified string, hang bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.body, f.etag, f.lastModified, f.hang = status, body, etag, lastModified, hang
}

func (f *fakeSource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	f.ifNoneMatch, f.ifModSince = r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	status, body, etag, lm, hang := f.status, f.body, f.etag, f.lastModified, f.hang
	f.mu.Unlock()
	if hang {
		select {
		case <-r.Context().Done():
		case <-f.done:
		}
		return
	}
	if (etag != "" && r.Header.Get("If-None-Match") == etag) || (lm != "" && r.Header.Get("If-Modified-Since") == lm) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	if lm != "" {
		w.Header().Set("Last-Modified", lm)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (f *fakeSource) lastHeaders() (string, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ifNoneMatch, f.ifModSince
}

func newFakeServer(t *testing.T) (*fakeSource, *httptest.Server) {
	f := &fakeSource{done: make(chan struct{})}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { close(f.done); srv.Close() })
	return f, srv
}

func newTestRefresher(t *testing.T, source string, reg prometheus.Registerer) (*Refresher, *Store) {
	t.Helper()
	base, err := NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(base)
	r, err := NewRefresher(RefresherOptions{Source: source, Timeout: 200 * time.Millisecond, Store: store, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	return r, store
}

// testInput is the input price of tollgate-test-0 in the current table, 0 when absent.
func testInput(s *Store) float64 {
	p, _, ok := s.Current().Lookup("tollgate-test-0")
	if !ok {
		return 0
	}
	return p.Input
}

func gauge(t *testing.T, reg prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestRefreshHTTP(t *testing.T) {
	src, srv := newFakeServer(t)
	reg := prometheus.NewPedanticRegistry()
	r, store := newTestRefresher(t, srv.URL+"/prices.json?token=secret", reg)
	builtinLen := len(BuiltinEntries())
	const lm = "Wed, 22 Jul 2026 10:00:00 GMT"

	for _, step := range []struct {
		name            string
		setup           func()
		wantErr         string // substring; "" for success
		wantInput       float64
		wantSwap        bool
		wantIfNoneMatch string
		wantIfModSince  string
	}{
		{name: "first load", setup: func() { src.set(200, litellmJSON(t, 10, 1, 2), `"a"`, "", false) },
			wantInput: 1, wantSwap: true},
		{name: "unchanged: 304", setup: func() {},
			wantInput: 1, wantIfNoneMatch: `"a"`},
		{name: "changed etag", setup: func() { src.set(200, litellmJSON(t, 10, 2, 4), `"b"`, "", false) },
			wantInput: 2, wantSwap: true, wantIfNoneMatch: `"a"`},
		{name: "server error", setup: func() { src.set(500, []byte("oops"), "", "", false) },
			wantErr: "HTTP 500", wantInput: 2, wantIfNoneMatch: `"b"`},
		{name: "garbage", setup: func() { src.set(200, []byte("<html>not json"), `"g"`, "", false) },
			wantErr: "price file", wantInput: 2, wantIfNoneMatch: `"b"`},
		{name: "validators of a refused file are not kept", setup: func() { src.set(200, litellmJSON(t, 10, 2, 4), `"b"`, "", false) },
			wantInput: 2, wantIfNoneMatch: `"b"`},
		{name: "timeout", setup: func() { src.set(200, nil, "", "", true) },
			wantErr: "deadline exceeded", wantInput: 2, wantIfNoneMatch: `"b"`},
		{name: "shrunk to fewer than half", setup: func() { src.set(200, litellmJSON(t, 4, 9, 9), `"s"`, "", false) },
			wantErr: "shrank from 10 to 4", wantInput: 2, wantIfNoneMatch: `"b"`},
		{name: "no chat prices", setup: func() { src.set(200, []byte(`{"sample_spec": {}}`), `"e"`, "", false) },
			wantErr: "no chat prices", wantInput: 2, wantIfNoneMatch: `"b"`},
		{name: "half is accepted", setup: func() { src.set(200, litellmJSON(t, 5, 3, 6), "", lm, false) },
			wantInput: 3, wantSwap: true, wantIfNoneMatch: `"b"`},
		{name: "unchanged: Last-Modified", setup: func() {},
			wantInput: 3, wantIfModSince: lm},
	} {
		step.setup()
		before := store.Current()
		err := r.RefreshNow(context.Background())
		if step.wantErr == "" && err != nil || step.wantErr != "" && (err == nil || !strings.Contains(err.Error(), step.wantErr)) {
			t.Fatalf("%s: err = %v, want %q", step.name, err, step.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error leaks the URL's query: %v", step.name, err)
		}
		if got := testInput(store); got != step.wantInput {
			t.Errorf("%s: input price %v, want %v", step.name, got, step.wantInput)
		}
		if swapped := store.Current() != before; swapped != step.wantSwap {
			t.Errorf("%s: swapped = %v, want %v", step.name, swapped, step.wantSwap)
		}
		inm, ims := src.lastHeaders()
		if inm != step.wantIfNoneMatch || ims != step.wantIfModSince {
			t.Errorf("%s: sent If-None-Match %q If-Modified-Since %q, want %q %q", step.name, inm, ims, step.wantIfNoneMatch, step.wantIfModSince)
		}
		wantSuccess := 1.0
		if step.wantErr != "" {
			wantSuccess = 0
		}
		if got := gauge(t, reg, "tollgate_pricing_last_refresh_success"); got != wantSuccess {
			t.Errorf("%s: success gauge %v, want %v", step.name, got, wantSuccess)
		}
		if got, want := gauge(t, reg, "tollgate_pricing_models"), float64(store.Current().Len()); got != want || want <= float64(builtinLen) {
			t.Errorf("%s: models gauge %v, table has %v (built-in %d)", step.name, got, want, builtinLen)
		}
	}
	if ts := gauge(t, reg, "tollgate_pricing_last_refresh_timestamp_seconds"); ts < float64(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()) {
		t.Errorf("timestamp gauge = %v", ts)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("promlint: %v %v", problems, err)
	}
}

func TestRefreshFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.json")
	r, store := newTestRefresher(t, path, nil)
	mtime := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	write := func(data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		mtime = mtime.Add(time.Hour)
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		name      string
		setup     func()
		wantErr   bool
		wantInput float64
		wantSwap  bool
	}{
		{"first load", func() { write(litellmJSON(t, 3, 1, 2)) }, false, 1, true},
		{"same mtime and size: not reloaded", func() {}, false, 1, false},
		{"changed", func() { write(litellmJSON(t, 3, 5, 6)) }, false, 5, true},
		{"garbage", func() { write([]byte("{")) }, true, 5, false},
		{"removed", func() { _ = os.Remove(path) }, true, 5, false},
		{"back", func() { write(litellmJSON(t, 3, 7, 8)) }, false, 7, true},
	} {
		step.setup()
		before := store.Current()
		err := r.RefreshNow(context.Background())
		if (err != nil) != step.wantErr {
			t.Fatalf("%s: err = %v", step.name, err)
		}
		if got := testInput(store); got != step.wantInput {
			t.Errorf("%s: input price %v, want %v", step.name, got, step.wantInput)
		}
		if swapped := store.Current() != before; swapped != step.wantSwap {
			t.Errorf("%s: swapped = %v, want %v", step.name, swapped, step.wantSwap)
		}
	}
}

func TestRefreshSetOverrides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(path, litellmJSON(t, 2, 1, 2), 0o600); err != nil {
		t.Fatal(err)
	}
	r, store := newTestRefresher(t, path, nil)
	if err := r.RefreshNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.SetOverrides(Overrides{"tollgate-test-0": {Input: f64(0.5)}}); err != nil {
		t.Fatal(err)
	}
	p, m, _ := store.Current().Lookup("tollgate-test-0")
	if p.Input != 0.5 || p.Output != 2 || m.Source != SourceOverride {
		t.Errorf("after SetOverrides: %+v from %s", p.Rates, m.Source)
	}
	before := store.Current()
	if err := r.SetOverrides(Overrides{"unknown": {Input: f64(1)}}); err == nil || store.Current() != before {
		t.Errorf("a bad override was swapped in (err %v)", err)
	}
}

func TestRunRefreshesUntilCancelled(t *testing.T) {
	src, srv := newFakeServer(t)
	src.set(200, litellmJSON(t, 2, 1, 2), "", "", false)
	base, err := NewTable(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(base)
	r, err := NewRefresher(RefresherOptions{Source: srv.URL, Interval: time.Millisecond, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { r.Run(ctx); close(stopped) }()
	for i := 0; ; i++ {
		src.mu.Lock()
		n := src.requests
		src.mu.Unlock()
		if n >= 3 {
			break
		}
		if i > 10_000 {
			t.Fatal("Run did not refresh three times")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-stopped
	if testInput(store) != 1 {
		t.Errorf("Run did not swap in the file's prices")
	}
}

// TestConcurrentCurrentAndRefresh prices requests while refreshes swap tables; under
// -race it proves the swap is safe, and the cost proves each request used one snapshot.
func TestConcurrentCurrentAndRefresh(t *testing.T) {
	src, srv := newFakeServer(t)
	files := [2][]byte{litellmJSON(t, 4, 1, 2), litellmJSON(t, 4, 10, 20)}
	r, store := newTestRefresher(t, srv.URL, nil)
	src.set(200, files[0], `"0"`, "", false)
	if err := r.RefreshNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	u := usage.Usage{Input: 1_000_000, Output: 1_000_000}
	q := Query{ProviderType: "openai", UpstreamModel: "tollgate-test-1"}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2_000 {
				p, _, ok := store.Current().Resolve(q)
				if c := p.Cost(u); !ok || (c != 3 && c != 30) {
					errs <- fmt.Sprintf("cost %v (ok %v) mixes two tables", c, ok)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 50 {
			src.set(200, files[i%2], fmt.Sprintf(`"%d"`, i), "", false)
			if err := r.RefreshNow(context.Background()); err != nil {
				errs <- err.Error()
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@prices.example/p.json?sig=abc": "https://prices.example/p.json?REDACTED",
		"http://127.0.0.1:8080/p.json":                  "http://127.0.0.1:8080/p.json",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBuiltinTableIsASuccess: without pricing.url the built-in table is the price table,
// loaded at start: the gauges say it loaded (1, now), rather than a failure and a
// timestamp of 1970 (the quickstart dashboard once showed "FAILED" and a 56-year age).
func TestBuiltinTableIsASuccess(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	before := float64(time.Now().Unix())
	newTestRefresher(t, "", reg)
	if got := gauge(t, reg, "tollgate_pricing_last_refresh_success"); got != 1 {
		t.Errorf("success gauge %v, want 1", got)
	}
	if ts := gauge(t, reg, "tollgate_pricing_last_refresh_timestamp_seconds"); ts < before || ts > float64(time.Now().Unix()+1) {
		t.Errorf("timestamp gauge %v, want the start (%v)", ts, before)
	}

	// With a price file, nothing has loaded before its first refresh.
	reg = prometheus.NewPedanticRegistry()
	newTestRefresher(t, "http://127.0.0.1:1/prices.json", reg)
	if s, ts := gauge(t, reg, "tollgate_pricing_last_refresh_success"), gauge(t, reg, "tollgate_pricing_last_refresh_timestamp_seconds"); s != 0 || ts != 0 {
		t.Errorf("with pricing.url, before its first refresh: success %v timestamp %v", s, ts)
	}
}
