// Package awstest helps tests play AWS: VerifySigV4 checks a request's Signature
// Version 4 the way AWS does, by signing a copy with aws-sdk-go-v2's own signer.
package awstest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const amzDateFormat = "20060102T150405Z"

// MaxClockSkew is how far x-amz-date may be from now; AWS refuses more than 15 minutes.
const MaxClockSkew = 15 * time.Minute

// VerifySigV4 recomputes the signature of r as received (method, escaped path, query,
// Host, the headers its SignedHeaders names, the body's SHA-256 and its x-amz-date) for
// service and region with creds, and compares the Authorization header. With a session
// token, x-amz-security-token must carry it.
func VerifySigV4(r *http.Request, body []byte, creds aws.Credentials, service, region string) error {
	got := r.Header.Get("Authorization")
	signed, err := SignedHeaders(got)
	if err != nil {
		return err
	}
	date, err := time.Parse(amzDateFormat, r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("x-amz-date: %v", err)
	}
	if skew := time.Since(date); skew > MaxClockSkew || skew < -MaxClockSkew {
		return fmt.Errorf("x-amz-date %s is %s from now", date, skew)
	}
	if tok := creds.SessionToken; tok != "" && r.Header.Get("X-Amz-Security-Token") != tok {
		return fmt.Errorf("x-amz-security-token is not the session token")
	}
	// The path exactly as it arrived: the signature covers the escaped bytes.
	path, _, _ := strings.Cut(r.RequestURI, "?")
	re := &http.Request{
		Method:        r.Method,
		URL:           &url.URL{Scheme: "https", Host: r.Host, Opaque: "//" + r.Host + path, RawQuery: r.URL.RawQuery},
		Host:          r.Host,
		Header:        http.Header{},
		ContentLength: r.ContentLength,
	}
	for _, h := range signed {
		if h == "host" || h == "content-length" {
			continue
		}
		vs := r.Header.Values(h)
		if len(vs) == 0 {
			return fmt.Errorf("signed header %s is missing", h)
		}
		re.Header[http.CanonicalHeaderKey(h)] = vs
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, re, hex.EncodeToString(sum[:]), service, region, date); err != nil {
		return err
	}
	if want := re.Header.Get("Authorization"); got != want {
		return fmt.Errorf("signature mismatch:\n got  %s\n want %s", got, want)
	}
	return nil
}

// SignedHeaders reads the SignedHeaders list of an AWS4-HMAC-SHA256 Authorization header.
func SignedHeaders(auth string) ([]string, error) {
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return nil, fmt.Errorf("authorization is not AWS4-HMAC-SHA256")
	}
	for part := range strings.SplitSeq(rest, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "SignedHeaders="); ok {
			return strings.Split(v, ";"), nil
		}
	}
	return nil, fmt.Errorf("authorization has no SignedHeaders")
}
