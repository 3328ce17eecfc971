package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// TestReloadErrorStaysInTheLog: a failed reload answers 500 without the config error's
// text (which quotes the file); the reason is for the log.
func TestReloadErrorStaysInTheLog(t *testing.T) {
	h := Handler(Options{Gatherer: prometheus.NewRegistry(), Reload: func(context.Context) error {
		return errors.New(`tollgate.yaml:3: providers[0] (anthropic).api_key: "sk-ant-SECRET" is wrong`)
	}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/-/reload", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusInternalServerError || strings.Contains(string(body), "SECRET") || strings.Contains(string(body), "tollgate.yaml") {
		t.Fatalf("%d %q", rec.Code, body)
	}
}

// TestReloadIsRateLimited: past the limiter's burst, POST /-/reload answers 429 with
// Retry-After and does not reload.
func TestReloadIsRateLimited(t *testing.T) {
	n := 0
	h := Handler(Options{Gatherer: prometheus.NewRegistry(), ReloadLimiter: rate.NewLimiter(rate.Every(time.Hour), 2),
		Reload: func(context.Context) error { n++; return nil }})
	codes := []int{}
	for range 5 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/-/reload", nil))
		codes = append(codes, rec.Code)
		if rec.Code == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if n != 2 || codes[0] != 200 || codes[1] != 200 || codes[2] != 429 || codes[4] != 429 {
		t.Fatalf("reloads %d, codes %v", n, codes)
	}
}
