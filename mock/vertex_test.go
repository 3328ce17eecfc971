package mock

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tidwall/sjson"
	"golang.org/x/oauth2/google"
)

const vertexBase = "/v1/projects/p1/locations/global/publishers/anthropic/models/"

func newKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// token fetches an access token with golang.org/x/oauth2/google from a service-account
// file, as tollgate's application default credentials do.
func token(t *testing.T, saJSON []byte, scope string) (string, error) {
	t.Helper()
	creds, err := google.CredentialsFromJSON(context.Background(), saJSON, scope)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := creds.TokenSource.Token()
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// TestTokenServer: the service-account JWT flow of x/oauth2 gets a token; an assertion
// signed with another key, or without the cloud-platform scope, is refused.
func TestTokenServer(t *testing.T) {
	key := newKey(t)
	ts := NewTokenServer(key, "p1")
	defer ts.Close()
	good, err := ts.ServiceAccountJSON()
	if err != nil {
		t.Fatal(err)
	}
	other := NewTokenServer(newKey(t), "p1")
	defer other.Close()
	forged, err := other.ServiceAccountJSON()
	if err != nil {
		t.Fatal(err)
	}
	forged, _ = sjson.SetBytes(forged, "token_uri", ts.TokenURL()) // another key, same account
	tests := []struct {
		name   string
		json   []byte
		scope  string
		issued bool
	}{
		{"service account", good, cloudPlatform, true},
		{"other key", forged, cloudPlatform, false},
		{"wrong scope", good, "https://www.googleapis.com/auth/devstorage.read_only", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(ts.Failures())
			tok, err := token(t, tc.json, tc.scope)
			if tc.issued != (err == nil) || ts.Issued(tok) != tc.issued {
				t.Fatalf("token %q, err %v", tok, err)
			}
			if refused := len(ts.Failures()) - before; refused != map[bool]int{true: 0, false: 1}[tc.issued] {
				t.Errorf("failures %v", ts.Failures())
			}
		})
	}
	if ts.Issued("") || ts.Issued("ya29.made-up") {
		t.Error("a token that was never issued is accepted")
	}
}

func TestVertexChecks(t *testing.T) {
	ts := NewTokenServer(newKey(t), "p1")
	defer ts.Close()
	sa, err := ts.ServiceAccountJSON()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := token(t, sa, cloudPlatform)
	if err != nil {
		t.Fatal(err)
	}
	const (
		model = "claude-opus-4-1@20250805"
		body  = `{"max_tokens":5,"messages":[],"anthropic_version":"vertex-2023-10-16"}`
		sbody = `{"stream":true,"max_tokens":5,"messages":[],"anthropic_version":"vertex-2023-10-16"}`
		host  = "aiplatform.googleapis.com"
		gbody = `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`

		googleBase = "/v1/projects/p1/locations/global/publishers/google/models/"
	)
	tests := []struct {
		name, host, path, auth, body string
		status                       int
	}{
		{"rawPredict", host, vertexBase + model + ":rawPredict", tok, body, 200},
		{"streamRawPredict", host, vertexBase + model + ":streamRawPredict", tok, sbody, 200},
		{"count-tokens", host, vertexBase + "count-tokens:rawPredict", tok, `{"model":"` + model + `",` + body[1:], 200},
		{"token not issued", host, vertexBase + model + ":rawPredict", "ya29.other", body, 401},
		{"wrong host", "us-east5-aiplatform.googleapis.com", vertexBase + model + ":rawPredict", tok, body, 401},
		{"model in body", host, vertexBase + model + ":rawPredict", tok, `{"model":"x",` + body[1:], 401},
		{"bedrock version", host, vertexBase + model + ":rawPredict", tok, strings.Replace(body, "vertex-2023-10-16", "bedrock-2023-05-31", 1), 401},
		{"stream without stream", host, vertexBase + model + ":streamRawPredict", tok, body, 401},
		{"count-tokens, other model", host, vertexBase + "count-tokens:rawPredict", tok, `{"model":"claude-x",` + body[1:], 401},
		{"other project", host, "/v1/projects/p2/locations/global/publishers/anthropic/models/" + model + ":rawPredict", tok, body, 404},
		{"gemini", host, googleBase + "gemini-2.5-pro:streamGenerateContent?alt=sse", tok, gbody, 200},
		{"gemini countTokens", host, googleBase + "gemini-2.5-pro:countTokens", tok, gbody, 200},
		{"gemini with a ?key=", host, googleBase + "gemini-2.5-pro:generateContent?key=k", tok, gbody, 401},
		{"gemini with anthropic_version", host, googleBase + "gemini-2.5-pro:generateContent", tok, body, 401},
		{"gemini token not issued", host, googleBase + "gemini-2.5-pro:generateContent", "ya29.other", gbody, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := NewVertex(VertexOptions{Name: "vertex", Host: host, Project: "p1", Region: "global",
				Models: []string{model}, Tokens: ts, Chunk: 5,
				RawPredict:       &Fixture{ContentType: "application/json", Body: []byte(`{"id":"msg"}`)},
				StreamRawPredict: &Fixture{ContentType: "text/event-stream", Body: []byte("event: ping\ndata: {}\n\n")},
				CountTokens:      &Fixture{ContentType: "application/json", Body: []byte(`{"input_tokens":3}`)},
				Gemini:           &Options{Words: 2},
			})
			defer v.Close()
			req, err := http.NewRequest(http.MethodPost, v.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tc.host
			req.Header.Set("Authorization", "Bearer "+tc.auth)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("got %d %q", resp.StatusCode, got)
			}
			if fails := v.Failures(); (tc.status == 200) != (len(fails) == 0) {
				t.Errorf("failures %v", fails)
			}
		})
	}
}
