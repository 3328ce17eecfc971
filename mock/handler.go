package mock

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"
	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

// maxBody is the largest request body accepted; larger ones get 413.
const maxBody = 64 << 20

// Handler is the mock provider. It is safe for concurrent use.
type Handler struct {
	opts Options
	log  *slog.Logger
	seq  atomic.Uint64
	now  func() time.Time
}

// request is one parsed API call; it is not safe for concurrent use.
type request struct {
	kind    api.Kind
	body    []byte
	model   string
	stream  bool
	sse     bool // ?alt=sse (Gemini): stream as server-sent events, not a JSON array
	seq     uint64
	created int64
	usage   usage.Usage
}

// New returns the mock provider handler. log receives one debug line per request; nil
// discards them.
func New(opts Options, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{opts: opts, log: log, now: time.Now}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
		return
	case "/v1/models":
		h.models(w, r)
		return
	}
	rt, ok := endpoints[r.URL.Path]
	pathModel := ""
	if !ok {
		rt, pathModel, ok = modelEndpoint(r.URL.Path)
	}
	if !ok {
		writeError(w, headerKind(r.Header), api.Errorf(http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, rt.kind, methodNotAllowed(w, r, http.MethodPost))
		return
	}
	if e := h.authenticate(rt.kind, r); e != nil {
		h.log.DebugContext(r.Context(), "mock request rejected", "path", r.URL.Path, "status", e.Status)
		writeError(w, rt.kind, e)
		return
	}
	req, e := h.parse(rt.kind, pathModel, w, r)
	if e != nil {
		h.log.DebugContext(r.Context(), "mock request rejected", "path", r.URL.Path, "status", e.Status, "error", e.Message)
		writeError(w, rt.kind, e)
		return
	}
	s := newWriter(r.Context(), w, h.opts.ChunkBytes)
	if s.wait(h.opts.FirstByteDelay); s.err == nil {
		rt.serve(h, s, req)
	}
	h.log.DebugContext(r.Context(), "mock request", "path", r.URL.Path, "model", req.model,
		"stream", req.stream, "input_tokens", req.usage.Input, "output_tokens", req.usage.Output,
		"aborted", s.err != nil)
}

// parse reads and checks the body of a POST to an API endpoint; pathModel is the model
// a path names (Gemini), which the body then does not.
func (h *Handler) parse(kind api.Kind, pathModel string, w http.ResponseWriter, r *http.Request) (*request, *api.Error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, api.Errorf(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", maxBody)
		}
		return nil, api.Errorf(http.StatusBadRequest, "reading request body: %v", err)
	}
	if !jsonlimit.Valid(body) || !gjson.ParseBytes(body).IsObject() {
		return nil, api.Errorf(http.StatusBadRequest, "request body is not a valid JSON object")
	}
	model := gjson.GetBytes(body, "model")
	if pathModel != "" {
		model = gjson.Result{Type: gjson.String, Str: pathModel}
	}
	if model.Type != gjson.String || model.Str == "" {
		return nil, api.Errorf(http.StatusBadRequest, "model: field required (a non-empty string)")
	}
	return &request{
		kind:    kind,
		body:    body,
		model:   model.Str,
		stream:  gjson.GetBytes(body, "stream").Bool() || kind == api.GeminiStreamGenerateContent,
		sse:     r.URL.Query().Get("alt") == "sse",
		seq:     h.seq.Add(1),
		created: h.now().Unix(),
		usage:   ExpectedUsage(kind.String(), body, h.opts),
	}, nil
}

// authenticate checks the request carries a credential (x-api-key or a bearer token for
// the Anthropic APIs, a bearer token for the OpenAI ones, x-goog-api-key, ?key= or a
// bearer token for Gemini's) and that it is Options.Key when that is set. The key itself
// is never logged or echoed.
func (h *Handler) authenticate(kind api.Kind, r *http.Request) *api.Error {
	key := credential(kind, r.Header)
	if kind.GoogleShaped() {
		key = googleCredential(r)
	}
	if key == "" {
		if kind.GoogleShaped() {
			return api.Errorf(http.StatusUnauthorized, "API key not valid: pass it in x-goog-api-key or ?key=")
		}
		if kind.AnthropicShaped() {
			return api.Errorf(http.StatusUnauthorized, "x-api-key header is required")
		}
		return api.Errorf(http.StatusUnauthorized,
			"you didn't provide an API key: pass it in the Authorization header as 'Bearer YOUR_KEY'")
	}
	if h.opts.Key != "" && subtle.ConstantTimeCompare([]byte(key), []byte(h.opts.Key)) != 1 {
		if kind.GoogleShaped() {
			return api.Errorf(http.StatusUnauthorized, "API key not valid. Please pass a valid API key.")
		}
		if kind.AnthropicShaped() {
			return api.Errorf(http.StatusUnauthorized, "invalid x-api-key")
		}
		return api.Errorf(http.StatusUnauthorized, "incorrect API key provided")
	}
	return nil
}

// credential is the key the request presents for an API of kind, or "".
func credential(kind api.Kind, hdr http.Header) string {
	if kind.AnthropicShaped() {
		if k := hdr.Get("X-Api-Key"); k != "" {
			return k
		}
	}
	const prefix = "bearer "
	if a := hdr.Get("Authorization"); len(a) > len(prefix) && strings.EqualFold(a[:len(prefix)], prefix) {
		return strings.TrimSpace(a[len(prefix):])
	}
	return ""
}

// headerKind guesses the API of a request on a path both APIs share (or none): Anthropic
// clients send anthropic-version or x-api-key.
func headerKind(hdr http.Header) api.Kind {
	if hdr.Get("Anthropic-Version") != "" || hdr.Get("X-Api-Key") != "" {
		return api.AnthropicMessages
	}
	return api.OpenAIChat
}

// methodNotAllowed sets Allow and returns the error for a request with the wrong method.
func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) *api.Error {
	w.Header().Set("Allow", allow)
	return &api.Error{Status: http.StatusMethodNotAllowed, Type: "invalid_request_error",
		Message: "method " + r.Method + " not allowed on " + r.URL.Path + ": use " + allow}
}

// sleep waits d or until ctx ends, whichever is first, and returns ctx's error if it ended.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
