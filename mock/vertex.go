package mock

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"
)

// VertexAnthropicVersion is the body's anthropic_version for Claude on Vertex AI.
const VertexAnthropicVersion = "vertex-2023-10-16"

// VertexOptions configure a fake Vertex AI endpoint for Anthropic models.
type VertexOptions struct {
	Name string
	// Host is the Host every request must carry (aiplatform.googleapis.com for the
	// global region, {region}-aiplatform.googleapis.com otherwise).
	Host, Project, Region string
	// Models are the publisher model ids served (claude-opus-4-1@20250805).
	Models []string
	// Tokens is the OAuth token server whose access tokens are accepted.
	Tokens *TokenServer
	// RawPredict answers :rawPredict, StreamRawPredict :streamRawPredict (SSE) and
	// CountTokens models/count-tokens:rawPredict.
	RawPredict, StreamRawPredict, CountTokens *Fixture
	// Betas refuse the anthropic-beta header's flags and beta fields Vertex AI would.
	Betas BetaRules
	// Gemini, when set, answers Gemini models at /v1/projects/{project}/locations/
	// {region}/publishers/google/models/{model}:generateContent, :streamGenerateContent
	// and :countTokens with the generated Gemini API (New(*Gemini, nil)), after the
	// checks of checkGemini.
	Gemini *Options
	// ClientKeys, Chunk, Pace and Logger are as in ProviderOptions.
	ClientKeys []string
	Chunk      int
	Pace       time.Duration
	Logger     *slog.Logger
}

// Vertex is a running fake Vertex AI endpoint. It accepts only a bearer token its token
// server issued, the paths /v1/projects/{project}/locations/{region}/publishers/
// anthropic/models/{model}:rawPredict|:streamRawPredict and models/count-tokens:rawPredict,
// and bodies with anthropic_version vertex-2023-10-16 (no model, except count-tokens
// which names it). A failed check is a 401 and a recorded failure.
type Vertex struct {
	*Provider
	opts VertexOptions
}

// NewVertex starts a fake Vertex AI endpoint on 127.0.0.1.
func NewVertex(o VertexOptions) *Vertex {
	v := &Vertex{opts: o}
	routes := map[string]Route{}
	base := v.base()
	for _, m := range o.Models {
		routes[base+m+":rawPredict"] = Route{JSON: o.RawPredict}
		routes[base+m+":streamRawPredict"] = Route{Stream: o.StreamRawPredict, AlwaysStream: true}
	}
	routes[base+"count-tokens:rawPredict"] = Route{JSON: o.CountTokens}
	var gemini http.Handler
	if o.Gemini != nil {
		h := New(*o.Gemini, o.Logger)
		gemini = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, v.googleBase()) { // as a Provider without Handler does
				v.fail("no route for %s %s", r.Method, r.URL.EscapedPath())
				w.WriteHeader(http.StatusNotFound)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	v.Provider = NewProvider(ProviderOptions{Name: o.Name, Auth: v.checkRequest, ClientKeys: o.ClientKeys,
		Routes: routes, Handler: gemini, Chunk: o.Chunk, Pace: o.Pace, Logger: o.Logger})
	return v
}

func (v *Vertex) base() string {
	return "/v1/projects/" + v.opts.Project + "/locations/" + v.opts.Region + "/publishers/anthropic/models/"
}

// checkRequest is the Auth of the Provider.
func (v *Vertex) checkRequest(r *http.Request, body []byte) error {
	if r.Host != v.opts.Host {
		return fmt.Errorf("Host %q, want %q", r.Host, v.opts.Host)
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || v.opts.Tokens == nil || !v.opts.Tokens.Issued(tok) {
		return fmt.Errorf("authorization %q is not a token the token server issued", redact(r.Header.Get("Authorization")))
	}
	for _, h := range []string{"x-api-key", "api-key", "x-tollgate-provider"} {
		if r.Header.Get(h) != "" {
			return fmt.Errorf("header %s must not reach Vertex AI", h)
		}
	}
	if r.Method != http.MethodPost {
		return fmt.Errorf("method %s", r.Method)
	}
	if !jsonlimit.Valid(body) {
		return fmt.Errorf("body is not JSON")
	}
	if strings.HasPrefix(r.URL.Path, v.googleBase()) {
		return v.checkGemini(r, body)
	}
	if got := gjson.GetBytes(body, "anthropic_version").Str; got != VertexAnthropicVersion {
		return fmt.Errorf("anthropic_version %q, want %q", got, VertexAnthropicVersion)
	}
	model := gjson.GetBytes(body, "model")
	stream := gjson.GetBytes(body, "stream").Bool()
	switch op := r.URL.Path[strings.LastIndexByte(r.URL.Path, ':')+1:]; {
	case strings.HasSuffix(r.URL.Path, "/count-tokens:rawPredict"):
		if !v.serves(model.Str) {
			return fmt.Errorf("count-tokens body names model %q, not one served here", model.Str)
		}
	case model.Exists():
		return fmt.Errorf("body has \"model\" (the path carries it)")
	case op == "streamRawPredict" && !stream:
		return fmt.Errorf("streamRawPredict without \"stream\": true")
	case op == "rawPredict" && stream:
		return fmt.Errorf("rawPredict with \"stream\": true")
	}
	return v.opts.Betas.check(headerBetas(r.Header), body)
}

func (v *Vertex) serves(model string) bool { return slices.Contains(v.opts.Models, model) }

func (v *Vertex) googleBase() string {
	return "/v1/projects/" + v.opts.Project + "/locations/" + v.opts.Region + "/publishers/google/models/"
}

// checkGemini checks a request for a Gemini model (after the Host, token, header,
// method and JSON checks of checkRequest): the Gemini API's key header must not
// arrive, and the body is Gemini's own (no model, no anthropic_version).
func (v *Vertex) checkGemini(r *http.Request, body []byte) error {
	switch {
	case v.opts.Gemini == nil:
		return fmt.Errorf("no Gemini models are served here")
	case r.Header.Get("x-goog-api-key") != "":
		return fmt.Errorf("header x-goog-api-key must not reach Vertex AI")
	case r.URL.Query().Has("key"):
		return fmt.Errorf("a ?key= must not reach Vertex AI")
	case gjson.GetBytes(body, "model").Exists(), gjson.GetBytes(body, "anthropic_version").Exists():
		return fmt.Errorf("a Gemini body with \"model\" or \"anthropic_version\"")
	}
	return nil
}
