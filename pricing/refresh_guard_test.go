package pricing

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestShrunkFileServedAgainIsAccepted: the shrink guard refuses a much smaller file once,
// but the same file served on the next refresh replaces the table — a bad table accepted
// earlier, or a real pruning upstream, is never locked in.
func TestShrunkFileServedAgainIsAccepted(t *testing.T) {
	src, srv := newFakeServer(t)
	r, store := newTestRefresher(t, srv.URL+"/prices.json", prometheus.NewRegistry())
	src.set(200, litellmJSON(t, 40, 1, 2), `"bloated"`, "", false)
	if err := r.RefreshNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	src.set(200, litellmJSON(t, 5, 3, 6), `"good"`, "", false)
	if err := r.RefreshNow(context.Background()); err == nil || !strings.Contains(err.Error(), "shrank from 40 to 5") {
		t.Fatalf("first sight of the small file: err = %v, want refused", err)
	}
	if got := testInput(store); got != 1 {
		t.Fatalf("input price %v after the refusal, want the old 1", got)
	}
	if err := r.RefreshNow(context.Background()); err != nil {
		t.Fatalf("the same small file again: %v", err)
	}
	if got := testInput(store); got != 3 {
		t.Fatalf("input price %v, want the new file's 3", got)
	}
	// A different small file after a refusal is refused again (the guard still guards).
	src.set(200, litellmJSON(t, 40, 1, 2), `"big"`, "", false)
	if err := r.RefreshNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	src.set(200, litellmJSON(t, 5, 9, 9), `"x"`, "", false)
	if err := r.RefreshNow(context.Background()); err == nil {
		t.Fatal("a new shrunk file was accepted on first sight")
	}
	src.set(200, litellmJSON(t, 6, 9, 9), `"y"`, "", false)
	if err := r.RefreshNow(context.Background()); err == nil {
		t.Fatal("a different shrunk file was accepted because another one had been seen")
	}
}

// TestReloadNeverWaitsForAPriceFetch: while a refresh hangs on a slow price source, a
// config reload's SetOverrides returns at once (it used to wait out the whole fetch).
func TestReloadNeverWaitsForAPriceFetch(t *testing.T) {
	src, srv := newFakeServer(t)
	base, _ := NewTable(nil, nil)
	store := NewStore(base)
	r, err := NewRefresher(RefresherOptions{Source: srv.URL, Timeout: time.Minute, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	src.set(200, nil, "", "", true) // hangs until the request is cancelled
	ctx, cancel := context.WithCancel(context.Background())
	fetched := make(chan error, 1)
	go func() { fetched <- r.RefreshNow(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		src.mu.Lock()
		n := src.requests
		src.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refresh never reached the source")
		}
	}
	set := make(chan error, 1)
	go func() {
		set <- r.SetOverrides(Overrides{"tollgate-test-0": {Input: ptr(42.0), Output: ptr(1.0)}})
	}()
	select {
	case err := <-set:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SetOverrides waited for the price fetch")
	}
	if got := testInput(store); got != 42 {
		t.Fatalf("override not applied: input %v", got)
	}
	cancel()
	if err := <-fetched; err == nil {
		t.Fatal("the cancelled fetch reported success")
	}
}

func ptr[T any](v T) *T { return &v }
