// Package smoke is `tollgate smoke`, the staging end-to-end step of a release: one tiny
// streaming request per model through a running gateway, in that model's client API,
// and, selected, the other APIs its clients use (the Responses API for OpenAI and Azure
// models, count_tokens for the Anthropic family, Gemini's native API for Gemini
// models); reported as a table (model, provider,
// status, time to first token, tokens, cost), JSON, or a JUnit file for CI.
package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/sse"
	"github.com/tollgate/tollgate/llm/usage"
)

// Target is one model to try and the client API to use for it.
type Target struct {
	Model    string
	Provider string // for the report; "" when unknown
	API      api.Kind
}

// Result is the outcome for one model.
type Result struct {
	Target
	Status int
	TTFT   time.Duration
	Total  time.Duration
	Usage  usage.Usage
	Cost   float64
	Priced bool
	Err    error
}

// OK reports whether the model answered: a complete, metered stream, or a token count.
func (r Result) OK() bool { return r.Err == nil && r.Status == http.StatusOK }

// Failed counts the results that are not OK.
func Failed(results []Result) int {
	n := 0
	for _, r := range results {
		if !r.OK() {
			n++
		}
	}
	return n
}

// Options configure a run.
type Options struct {
	Gateway   string // base URL of Envoy's listener, e.g. http://envoy:10000
	Key       string
	Client    *http.Client
	MaxTokens int
	Timeout   time.Duration
	// Price prices a result's usage (ok=false: unpriced); nil leaves cost out.
	Price func(t Target, u usage.Usage) (float64, bool)
}

// Run tries every target in turn.
func Run(ctx context.Context, o Options, targets []Target) []Result {
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.MaxTokens == 0 {
		o.MaxTokens = 16
	}
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	out := make([]Result, 0, len(targets))
	for _, t := range targets {
		r := try(ctx, o, t)
		if r.Err == nil && o.Price != nil && !t.API.CountsTokens() { // counting tokens bills nothing
			r.Cost, r.Priced = o.Price(t, r.Usage)
		}
		out = append(out, r)
	}
	return out
}

const prompt = "Reply with the single word: ok"

// request builds the tiny streaming request for t's API.
func request(t Target, maxTokens int) (path string, body []byte) {
	switch t.API {
	case api.AnthropicMessages:
		body, _ = json.Marshal(map[string]any{"model": t.Model, "max_tokens": maxTokens, "stream": true,
			"messages": []map[string]any{{"role": "user", "content": prompt}}})
		return "/v1/messages", body
	case api.AnthropicCountTokens:
		body, _ = json.Marshal(map[string]any{"model": t.Model,
			"messages": []map[string]any{{"role": "user", "content": prompt}}})
		return "/v1/messages/count_tokens", body
	case api.OpenAIResponses:
		body, _ = json.Marshal(map[string]any{"model": t.Model, "max_output_tokens": maxTokens, "stream": true, "input": prompt})
		return "/v1/responses", body
	case api.GeminiStreamGenerateContent, api.GeminiCountTokens:
		// As Gemini CLI sends them: the model in the path, the stream as SSE.
		contents := []map[string]any{{"role": "user", "parts": []map[string]any{{"text": prompt}}}}
		path = geminiPath(t.Model, t.API)
		if t.API == api.GeminiCountTokens {
			body, _ = json.Marshal(map[string]any{"contents": contents})
			return path, body
		}
		body, _ = json.Marshal(map[string]any{"contents": contents,
			"generationConfig": map[string]any{"maxOutputTokens": maxTokens}})
		return path + "?alt=sse", body
	default:
		body, _ = json.Marshal(map[string]any{"model": t.Model, "max_completion_tokens": maxTokens, "stream": true,
			"stream_options": map[string]any{"include_usage": true},
			"messages":       []map[string]any{{"role": "user", "content": prompt}}})
		return "/v1/chat/completions", body
	}
}

// geminiPath is the native API's path of a model's method (v1beta, as the Gen AI SDKs
// call it).
func geminiPath(model string, k api.Kind) string {
	return "/v1beta/models/" + url.PathEscape(model) + ":" + k.GeminiMethod()
}

func try(ctx context.Context, o Options, t Target) Result {
	r := Result{Target: t}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	path, body := request(t, o.MaxTokens)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(o.Gateway, "/")+path, bytes.NewReader(body))
	if err != nil {
		r.Err = err
		return r
	}
	req.Header.Set("content-type", "application/json")
	switch {
	case t.API.AnthropicShaped():
		req.Header.Set("x-api-key", o.Key)
		req.Header.Set("anthropic-version", "2023-06-01")
	case t.API.GoogleShaped():
		req.Header.Set("x-goog-api-key", o.Key)
	default:
		req.Header.Set("authorization", "Bearer "+o.Key)
	}
	start := time.Now()
	resp, err := o.Client.Do(req)
	if err != nil {
		r.Err = err
		return r
	}
	defer resp.Body.Close()
	r.Status = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		r.Err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
		return r
	}
	if t.API.CountsTokens() {
		readCount(&r, resp.Body, start, t.API.GoogleShaped())
		return r
	}
	ex := usage.NewExtractor(t.API)
	p := sse.NewParser(0, func(name string, data []byte) {
		if ex.Event(name, data) && r.TTFT == 0 {
			r.TTFT = time.Since(start)
		}
	})
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if perr := p.Write(buf[:n]); perr != nil {
				r.Err = perr
				return r
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			r.Err = fmt.Errorf("stream cut: %w", err)
			return r
		}
	}
	_ = p.Finish()
	r.Total = time.Since(start)
	r.Usage = ex.Usage()
	switch {
	case !ex.Seen():
		r.Err = fmt.Errorf("the stream carried no usage")
	case r.TTFT == 0:
		r.Err = fmt.Errorf("the stream carried no content")
	}
	return r
}

// readCount reads a token count, {"input_tokens": N} (Anthropic) or
// {"totalTokens": N} (Gemini's countTokens): the request counts as answered when N is
// positive. The count is the row's input (nothing is billed).
func readCount(r *Result, body io.Reader, start time.Time, gemini bool) {
	field := "input_tokens"
	if gemini {
		field = "totalTokens"
	}
	b, err := io.ReadAll(io.LimitReader(body, 1<<20))
	r.Total = time.Since(start)
	var c map[string]json.RawMessage
	var n int64
	switch {
	case err != nil:
		r.Err = fmt.Errorf("answer cut: %w", err)
	case json.Unmarshal(b, &c) != nil || c[field] == nil || json.Unmarshal(c[field], &n) != nil:
		r.Err = fmt.Errorf("the answer has no %s: %.200s", field, bytes.TrimSpace(b))
	case n <= 0:
		r.Err = fmt.Errorf("%s is %d", field, n)
	default:
		r.Usage.Input = n
	}
}
