package api

import "testing"

func TestStripCredentialParams(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/v1/messages", "/v1/messages"},
		{"/v1/messages?beta=true", "/v1/messages?beta=true"},
		{"/v1beta/models/g:streamGenerateContent?alt=sse&key=AIza-client", "/v1beta/models/g:streamGenerateContent?alt=sse"},
		{"/v1/chat/completions?key=a&api_key=b&API-KEY=c", "/v1/chat/completions"},
		{"/v1/x?a=1&%6Bey=secret&b=2", "/v1/x?a=1&b=2"},
		{"/v1/x?keyring=1&monkey=2", "/v1/x?keyring=1&monkey=2"},
	} {
		got, changed := StripCredentialParams(tc.in)
		if got != tc.want || changed != (tc.in != tc.want) {
			t.Errorf("%s: %s %v, want %s", tc.in, got, changed, tc.want)
		}
	}
}
