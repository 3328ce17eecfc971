package mock

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/genai"

	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/llm/usage"
)

func genaiClient(t *testing.T, url, key string) *genai.Client {
	t.Helper()
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey: key, Backend: genai.BackendGeminiAPI, HTTPOptions: genai.HTTPOptions{BaseURL: url},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sdkGeminiUsage(u *genai.GenerateContentResponseUsageMetadata) usage.Usage {
	if u == nil {
		return usage.Usage{}
	}
	return usage.Usage{
		Input:     int64(u.PromptTokenCount - u.CachedContentTokenCount),
		CacheRead: int64(u.CachedContentTokenCount),
		Output:    int64(u.CandidatesTokenCount + u.ThoughtsTokenCount),
		Reasoning: int64(u.ThoughtsTokenCount),
	}
}

// answerText is the candidate's text without thought summaries; thoughts counts those.
func answerText(r *genai.GenerateContentResponse) (text string, thoughts int) {
	for _, c := range r.Candidates {
		if c.Content == nil {
			continue
		}
		for _, p := range c.Content.Parts {
			if p.Thought {
				thoughts++
				continue
			}
			text += p.Text
		}
	}
	return text, thoughts
}

// TestGeminiWithSDK: Google's Gen AI SDK for Go parses every generated Gemini answer,
// and the usage it decodes is ExpectedUsage of the body it sent.
func TestGeminiWithSDK(t *testing.T) {
	ctx := context.Background()
	for _, opts := range chunkingOptions {
		t.Run(optsName(opts), func(t *testing.T) {
			srv, rec := newServer(t, opts)
			c := genaiClient(t, srv.URL, testKey)
			contents := genai.Text("hello there")
			cfg := &genai.GenerateContentConfig{
				SystemInstruction: genai.NewContentFromText("Be brief.", genai.RoleUser),
				ThinkingConfig:    &genai.ThinkingConfig{IncludeThoughts: true},
				CachedContent:     "cachedContents/c1",
			}
			t.Run("generateContent", func(t *testing.T) {
				r, err := c.Models.GenerateContent(ctx, "gemini-2.5-pro", contents, cfg)
				if err != nil {
					t.Fatal(err)
				}
				if text, thoughts := answerText(r); text != Reply(opts) || thoughts != 1 {
					t.Errorf("text %q (%d thoughts), want %q and one thought", text, thoughts, Reply(opts))
				}
				if r.ModelVersion != "gemini-2.5-pro" || r.Candidates[0].FinishReason != genai.FinishReasonStop {
					t.Errorf("model %q finish %q", r.ModelVersion, r.Candidates[0].FinishReason)
				}
				want := ExpectedUsage(api.GeminiGenerateContent.String(), rec.last(), opts)
				assertUsage(t, sdkGeminiUsage(r.UsageMetadata), want)
				if want.CacheRead == 0 || want.Reasoning == 0 {
					t.Errorf("usage %+v: the request asked for a cache read and thinking", want)
				}
			})
			t.Run("streamGenerateContent", func(t *testing.T) {
				var text string
				var last *genai.GenerateContentResponseUsageMetadata
				chunks := 0
				for r, err := range c.Models.GenerateContentStream(ctx, "gemini-2.5-pro", contents, cfg) {
					if err != nil {
						t.Fatal(err)
					}
					if r.UsageMetadata == nil {
						t.Errorf("chunk %d without usageMetadata", chunks)
					}
					part, _ := answerText(r)
					text, last = text+part, r.UsageMetadata
					chunks++
				}
				if text != Reply(opts) || chunks != opts.words()+1 {
					t.Errorf("%d chunks of text %q, want %d and %q", chunks, text, opts.words()+1, Reply(opts))
				}
				assertUsage(t, sdkGeminiUsage(last), ExpectedUsage(api.GeminiStreamGenerateContent.String(), rec.last(), opts))
			})
			t.Run("countTokens", func(t *testing.T) {
				r, err := c.Models.CountTokens(ctx, "gemini-2.5-pro", contents, nil)
				if err != nil {
					t.Fatal(err)
				}
				if want := ExpectedUsage(api.GeminiCountTokens.String(), rec.last(), opts).Input; int64(r.TotalTokens) != want || want < 1 {
					t.Errorf("totalTokens %d, want %d", r.TotalTokens, want)
				}
			})
		})
	}
}

// TestGeminiAuthAndErrors: the key in x-goog-api-key or ?key=, errors in Google's shape.
func TestGeminiAuthAndErrors(t *testing.T) {
	srv, _ := newServer(t, Options{Words: 3, Key: testKey})
	_, err := genaiClient(t, srv.URL, "wrong").Models.GenerateContent(context.Background(), "gemini-2.5-pro", genai.Text("hi"), nil)
	var ae genai.APIError
	if !errors.As(err, &ae) || ae.Code != http.StatusUnauthorized || ae.Status != "UNAUTHENTICATED" {
		t.Errorf("wrong key: %v", err)
	}
	body := `{"contents":[{"parts":[{"text":"hi"}]}]}`
	for _, tc := range []struct {
		path   string
		hdr    map[string]string
		status int
	}{
		{"/v1beta/models/g:generateContent?key=" + testKey, nil, 200},
		{"/v1/models/g:countTokens", map[string]string{"x-goog-api-key": testKey}, 200},
		{"/v1/projects/p/locations/global/publishers/google/models/g:generateContent", map[string]string{"Authorization": "Bearer " + testKey}, 200},
		{"/v1beta/models/g:generateContent", nil, 401},
		{"/v1beta/models/g:embedContent?key=" + testKey, nil, 404},
	} {
		resp := send(t, http.MethodPost, srv.URL, tc.path, body, tc.hdr)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s", tc.path, resp.StatusCode, b)
		}
		if tc.status == 401 && !strings.Contains(string(b), `"status":"UNAUTHENTICATED"`) {
			t.Errorf("%s: not Google's error shape: %s", tc.path, b)
		}
	}
}

// TestGeminiStreamWithoutSSE: without alt=sse, a stream is one JSON array written chunk
// by chunk, whose last element carries the totals.
func TestGeminiStreamWithoutSSE(t *testing.T) {
	opts := Options{Words: 4, ChunkBytes: 5}
	srv, _ := newServer(t, opts)
	body := `{"contents":[{"parts":[{"text":"hello there"}]}]}`
	resp := send(t, http.MethodPost, srv.URL, "/v1beta/models/g:streamGenerateContent", body, map[string]string{"x-goog-api-key": testKey})
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content-type %q", ct)
	}
	var chunks []genai.GenerateContentResponse
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &chunks); err != nil || len(chunks) != 4 {
		t.Fatalf("%d chunks (%v): %s", len(chunks), err, b)
	}
	assertUsage(t, sdkGeminiUsage(chunks[3].UsageMetadata), ExpectedUsage(api.GeminiStreamGenerateContent.String(), []byte(body), opts))
	ex := usage.NewExtractor(api.GeminiStreamGenerateContent)
	ex.Body(b)
	assertUsage(t, ex.Usage(), ExpectedUsage(api.GeminiStreamGenerateContent.String(), []byte(body), opts))
}
