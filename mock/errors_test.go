package mock

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	"github.com/tidwall/gjson"
)

const validChat = `{"model":"gpt-5.1","messages":[{"role":"user","content":"hi"}]}`

func TestErrorShapes(t *testing.T) {
	srv, _ := newServer(t, Options{Key: testKey})
	bearer := map[string]string{"Authorization": "Bearer " + testKey}
	xKey := map[string]string{"x-api-key": testKey, "anthropic-version": "2023-06-01"}
	tests := []struct {
		name, path, body string
		hdr              map[string]string
		status           int
		anthropic        bool   // the Anthropic error shape, else OpenAI's
		errType          string // error.type
	}{
		{"anthropic no key", "/v1/messages", validChat, nil, 401, true, "authentication_error"},
		{"anthropic wrong key", "/v1/messages", validChat, map[string]string{"x-api-key": "nope"}, 401, true, "authentication_error"},
		{"openai paths ignore x-api-key", "/v1/chat/completions", validChat, map[string]string{"x-api-key": testKey}, 401, false, "invalid_request_error"},
		{"count_tokens no key", "/v1/messages/count_tokens", validChat, nil, 401, true, "authentication_error"},
		{"chat no key", "/v1/chat/completions", validChat, nil, 401, false, "invalid_request_error"},
		{"chat wrong key", "/v1/chat/completions", validChat, map[string]string{"Authorization": "Bearer nope"}, 401, false, "invalid_request_error"},
		{"responses no key", "/v1/responses", validChat, nil, 401, false, "invalid_request_error"},
		{"models no key", "/v1/models", "", nil, 401, false, "invalid_request_error"},
		{"anthropic invalid json", "/v1/messages", `{"model":`, xKey, 400, true, "invalid_request_error"},
		{"anthropic not an object", "/v1/messages", `[1,2]`, xKey, 400, true, "invalid_request_error"},
		{"anthropic missing model", "/v1/messages", `{"max_tokens":5,"messages":[]}`, xKey, 400, true, "invalid_request_error"},
		{"count_tokens empty model", "/v1/messages/count_tokens", `{"model":"","messages":[]}`, xKey, 400, true, "invalid_request_error"},
		{"chat invalid json", "/v1/chat/completions", `not json`, bearer, 400, false, "invalid_request_error"},
		{"chat model not a string", "/v1/chat/completions", `{"model":5,"messages":[]}`, bearer, 400, false, "invalid_request_error"},
		{"chat stream_options without stream", "/v1/chat/completions", `{"model":"m","messages":[],"stream_options":{"include_usage":true}}`, bearer, 400, false, "invalid_request_error"},
		{"responses missing model", "/v1/responses", `{"input":"hi"}`, bearer, 400, false, "invalid_request_error"},
		{"unknown path", "/v1/embeddings", validChat, bearer, 404, false, "invalid_request_error"},
		{"unknown path anthropic", "/v1/complete", validChat, xKey, 404, true, "not_found_error"},
		{"GET on a POST endpoint", "/v1/responses", "", bearer, 405, false, "invalid_request_error"},
		{"POST on models", "/v1/models", "", xKey, 405, true, "invalid_request_error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := http.MethodPost
			if (tc.path == "/v1/models") != (tc.status == http.StatusMethodNotAllowed) {
				method = http.MethodGet
			}
			resp := send(t, method, srv.URL, tc.path, tc.body, tc.hdr)
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			body := string(b)
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d (%s), want %d; body %s", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, body)
			}
			if tc.anthropic {
				if gjson.Get(body, "type").Str != "error" || gjson.Get(body, "error.type").Str != tc.errType ||
					gjson.Get(body, "error.message").Str == "" {
					t.Errorf("not an Anthropic %s error: %s", tc.errType, body)
				}
			} else if gjson.Get(body, "type").Exists() || gjson.Get(body, "error.type").Str != tc.errType ||
				gjson.Get(body, "error.message").Str == "" || !gjson.Get(body, "error.code").Exists() {
				t.Errorf("not an OpenAI %s error: %s", tc.errType, body)
			}
			if strings.Contains(body, testKey) || strings.Contains(body, "nope") {
				t.Errorf("error echoes the key: %s", body)
			}
		})
	}
}

// TestSDKErrors checks that the SDKs read the mock's errors as API errors with the
// status and type the real APIs give.
func TestSDKErrors(t *testing.T) {
	srv, _ := newServer(t, Options{Key: "the-right-key"})
	ac := anthropicClient(srv.URL) // sends testKey: wrong
	_, err := ac.Messages.New(context.Background(), anthropicParams()["plain"])
	var aerr *anthropic.Error
	if !errors.As(err, &aerr) || aerr.StatusCode != http.StatusUnauthorized ||
		gjson.Get(aerr.RawJSON(), "error.type").Str != "authentication_error" {
		t.Errorf("anthropic error = %v", err)
	}
	ac = anthropic.NewClient(aoption.WithBaseURL(srv.URL), aoption.WithAPIKey("the-right-key"), aoption.WithMaxRetries(0))
	if _, err := ac.Messages.New(context.Background(), anthropic.MessageNewParams{MaxTokens: 5}); err == nil {
		t.Error("anthropic request without a model succeeded")
	} else if !errors.As(err, &aerr) || aerr.StatusCode != http.StatusBadRequest {
		t.Errorf("anthropic missing-model error = %v", err)
	}

	oc := openAIClient(srv.URL)
	_, err = oc.Chat.Completions.New(context.Background(), chatParams())
	var oerr *openai.Error
	if !errors.As(err, &oerr) || oerr.StatusCode != http.StatusUnauthorized || oerr.Code != "invalid_api_key" {
		t.Errorf("openai error = %v", err)
	}
}
