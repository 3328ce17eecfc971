package awstest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestVerifySigV4: a request signed with the right credentials verifies as it arrives
// at a server; a wrong secret or a changed body does not.
func TestVerifySigV4(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", SessionToken: "session"}
	var verr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		verr = VerifySigV4(r, body, creds, "bedrock", "us-west-2")
	}))
	defer srv.Close()
	send := func(signWith aws.Credentials, query, body, sentBody string) error {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/model/a%3Ab/invoke?"+query, strings.NewReader(body))
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), signWith, req, hex.EncodeToString(sum[:]), "bedrock", "us-west-2", time.Now()); err != nil {
			t.Fatal(err)
		}
		req.Body, req.ContentLength = io.NopCloser(strings.NewReader(sentBody)), int64(len(sentBody))
		if _, err := http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
		return verr
	}
	if err := send(creds, "maxResults=5", "{}", "{}"); err != nil {
		t.Errorf("a good signature: %v", err)
	}
	bad := creds
	bad.SecretAccessKey = "other"
	if err := send(bad, "maxResults=5", "{}", "{}"); err == nil {
		t.Error("a wrong secret verified")
	}
	if err := send(creds, "maxResults=5", "{}", "[]"); err == nil {
		t.Error("a changed body verified")
	}
}
