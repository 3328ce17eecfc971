package mock

import (
	"bytes"
	"net/http"
)

// tee is the http.ResponseWriter a Provider hands to whatever answers a request: it
// keeps the final status and every byte the client was sent. Flushes reach the
// underlying writer through Unwrap (http.ResponseController).
type tee struct {
	http.ResponseWriter
	status int
	sent   bytes.Buffer
}

func (t *tee) WriteHeader(code int) {
	if t.status == 0 && code >= http.StatusOK {
		t.status = code
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *tee) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	n, err := t.ResponseWriter.Write(b)
	t.sent.Write(b[:n])
	return n, err
}

// Unwrap lets http.ResponseController find the connection's Flush.
func (t *tee) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// result is the status (200 when nothing was written: net/http sends that) and the
// bytes sent.
func (t *tee) result() (int, []byte) {
	if t.status == 0 {
		return http.StatusOK, t.sent.Bytes()
	}
	return t.status, t.sent.Bytes()
}
