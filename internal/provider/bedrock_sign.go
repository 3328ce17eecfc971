package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// bedrockSigningName is the SigV4 service name of bedrock-runtime.
const bedrockSigningName = "bedrock"

// bedrockEscapeID escapes a model id (or ARN) for the path as the AWS SDK does: every
// byte outside A–Z a–z 0–9 - . _ ~ becomes %XX, so ":" is %3A and "/" is %2F.
func bedrockEscapeID(id string) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(id); i++ {
		if !bedrockUnreserved(id[i]) {
			n++
		}
	}
	if n == 0 {
		return id
	}
	b := make([]byte, 0, len(id)+2*n)
	for i := 0; i < len(id); i++ {
		c := id[i]
		if bedrockUnreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(b)
}

func bedrockUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// bedrockSignature signs a POST of body to https://host/path (path as sent on the wire)
// and returns the headers to set: authorization, x-amz-date and, with temporary
// credentials, x-amz-security-token. The signed headers are content-length, host,
// x-amz-date and x-amz-security-token.
func bedrockSignature(ctx context.Context, s *v4.Signer, creds aws.Credentials, host, region, path string,
	body []byte, now time.Time) ([]HeaderValue, error) {
	req := &http.Request{
		Method: http.MethodPost,
		// Opaque makes the signer use the path exactly as it goes on the wire.
		URL:           &url.URL{Scheme: "https", Host: host, Opaque: "//" + host + path},
		Host:          host,
		Header:        http.Header{},
		ContentLength: int64(len(body)),
	}
	sum := sha256.Sum256(body)
	if err := s.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), bedrockSigningName, region, now); err != nil {
		return nil, err
	}
	out := []HeaderValue{
		{Key: "authorization", Value: req.Header.Get("Authorization")},
		{Key: "x-amz-date", Value: req.Header.Get("X-Amz-Date")},
	}
	if tok := req.Header.Get("X-Amz-Security-Token"); tok != "" {
		out = append(out, HeaderValue{Key: "x-amz-security-token", Value: tok})
	}
	return out, nil
}
