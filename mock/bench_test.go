package mock

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkServe measures one whole response per API, streamed and not, written to an
// in-memory recorder (the mock's own cost per request in a load test).
func BenchmarkServe(b *testing.B) {
	h := New(Options{Words: 30}, slog.New(slog.DiscardHandler))
	for name, wc := range wireCases() {
		for _, stream := range []bool{false, true} {
			body, bname := wc.body, name
			if stream {
				body, bname = streamBody(body), name+"_stream"
			} else {
				body = strings.Replace(body, `,"stream_options":{"include_usage":true}`, "", 1)
			}
			b.Run(bname, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					req := httptest.NewRequest(http.MethodPost, wc.path, strings.NewReader(body))
					for k, v := range wc.hdr {
						req.Header.Set(k, v)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
