package mock

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestChecksAndReplay(t *testing.T) {
	body := strings.Repeat("data: {\"x\":1}\n\n", 20)
	tests := []struct {
		name     string
		headers  map[string]string
		reqBody  string
		status   int
		failures int
		want     string
	}{
		{"provider key, stream", map[string]string{"x-api-key": "prov"}, `{"stream":true}`, 200, 0, body},
		{"provider key, json", map[string]string{"x-api-key": "prov"}, `{}`, 200, 0, `{"ok":true}`},
		{"wrong key", map[string]string{"x-api-key": "other"}, `{}`, 401, 1, ""},
		{"client key leaked", map[string]string{"x-api-key": "prov", "x-extra": "Bearer client-key"}, `{}`, 401, 1, ""},
		{"extra credential header", map[string]string{"x-api-key": "prov", "authorization": "Bearer x"}, `{}`, 401, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProvider(ProviderOptions{Name: "t", Auth: AnthropicAuth("prov"), ClientKeys: []string{"client-key"}, Chunk: 7,
				Routes: map[string]Route{"/v1/messages": {
					JSON:   &Fixture{ContentType: "application/json", Body: []byte(`{"ok":true}`)},
					Stream: &Fixture{ContentType: "text/event-stream", Body: []byte(body)},
				}}})
			defer p.Close()
			req, _ := http.NewRequest("POST", p.URL+"/v1/messages", strings.NewReader(tc.reqBody))
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || string(got) != tc.want {
				t.Fatalf("got %d %q", resp.StatusCode, got)
			}
			if n := len(p.Failures()); n != tc.failures {
				t.Errorf("failures %v", p.Failures())
			}
			ex := p.Exchanges()
			if len(ex) != 1 || string(ex[0].Body) != tc.reqBody || string(ex[0].Sent) != tc.want {
				t.Errorf("recorded %+v", ex)
			}
		})
	}
}
