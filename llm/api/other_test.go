package api

import "testing"

func TestClassifyOther(t *testing.T) {
	for _, tc := range []struct {
		path string
		ok   bool
		kind Kind
	}{
		{"/v1/responses/compact", true, OpenAIResponsesOther},
		{"/v1/responses/input_tokens", true, OpenAIResponsesOther},
		{"/v1/messages/batches", true, AnthropicOther},
		{"/v1/messages/new-thing/x", true, AnthropicOther},
		{"/v1/complete", true, AnthropicOther},
		{"/v1/embeddings", true, OpenAIOther},
		{"/v1/audio/speech", true, OpenAIOther},
		{"/v1/messagesx", true, OpenAIOther},
		{"/v1/responsesx", true, OpenAIOther},
		{"/v1/", false, Unknown},
		{"/v1", false, Unknown},
		{"/v2/embeddings", false, Unknown},
		{"/", false, Unknown},
		{"/v1/projects/p/locations/r/publishers/google/models/g:generateContent", false, Unknown},
		{"/v1/messages/../../-/reload", false, Unknown},
		{"/v1/./responses", false, Unknown},
		{"/v1//responses", false, Unknown},
		{"/v1/responses%2Fcompact", false, Unknown},
		{"/v1/responses\\compact", false, Unknown},
		// Google method calls tollgate does not serve: Google's 404, not routed as OpenAI's.
		{"/v1/models/gemini-2.5-pro:embedContent", false, Unknown},
		{"/v1/models/:", false, Unknown},
		{"/v1/models/gpt-5", true, OpenAIOther},
	} {
		ep, ok := ClassifyOther(tc.path)
		if ok != tc.ok || ep.Kind != tc.kind {
			t.Errorf("ClassifyOther(%q) = %v, %v; want %v, %v", tc.path, ep.Kind, ok, tc.kind, tc.ok)
		}
		if ok && !ep.Kind.Other() {
			t.Errorf("%q: %v is not Other", tc.path, ep.Kind)
		}
	}
	for k, anthropic := range map[Kind]bool{AnthropicOther: true, OpenAIResponsesOther: false, OpenAIOther: false} {
		if k.AnthropicShaped() != anthropic {
			t.Errorf("%v.AnthropicShaped() = %v", k, !anthropic)
		}
		if k.CountsTokens() {
			t.Errorf("%v counts tokens", k)
		}
	}
	if AnthropicMessages.Other() || Unknown.Other() {
		t.Error("known kinds are not Other")
	}
}

// FuzzClassifyOther: whatever the path, an endpoint tollgate does not know is only ever a
// plain path under /v1/ (no dot or empty segment, no escape) that Classify does not know,
// and its kind is one of the Other kinds.
func FuzzClassifyOther(f *testing.F) {
	for _, s := range []string{"/v1/responses/compact", "/v1/messages/../x", "/v1//a", "/v1/%2e%2e/a", "/v1/", "/v2/x", "/v1/projects/p"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		ep, ok := ClassifyOther(path)
		if !ok {
			if ep != (Endpoint{}) {
				t.Fatalf("%q: not ok but %+v", path, ep)
			}
			return
		}
		if !ep.Kind.Other() || len(path) <= len("/v1/") || path[:4] != "/v1/" || !plainPath(path) || ep.PathModel != "" {
			t.Fatalf("%q: classified %+v", path, ep)
		}
	})
}
