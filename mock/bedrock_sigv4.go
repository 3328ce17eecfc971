package mock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	bedrockSigningName = "bedrock"
	amzDateFormat      = "20060102T150405Z"
	// maxClockSkew is how far x-amz-date may be from now; AWS refuses more than 15 min.
	maxClockSkew = 15 * time.Minute
	// invalidSignature is the body AWS answers a signature mismatch with.
	invalidSignature = `{"message":"The request signature we calculated does not match the signature you provided."}`
)

// verify is the first check of a Bedrock: it recomputes the SigV4 signature and on a
// mismatch refuses the request with 403, as AWS does.
func (b *Bedrock) verify(r *http.Request, body []byte) error {
	if err := b.verifySignature(r, body); err != nil {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("x-amzn-ErrorType", "InvalidSignatureException")
		return &Refusal{Err: fmt.Errorf("SigV4: %w", err), Status: http.StatusForbidden, Header: h,
			Body: []byte(invalidSignature)}
	}
	b.verified.Add(1)
	return nil
}

// verifySignature signs a copy of the request as received (method, raw escaped path,
// Host, the headers named in SignedHeaders, content-length, the body's SHA-256, the
// x-amz-date instant) with the known credentials and compares the Authorization header.
func (b *Bedrock) verifySignature(r *http.Request, body []byte) error {
	if r.Host != b.opts.Host {
		return fmt.Errorf("Host %q, want %q (the host the signature must cover)", r.Host, b.opts.Host)
	}
	got := r.Header.Get("Authorization")
	signed, err := signedHeaders(got)
	if err != nil {
		return err
	}
	date, err := time.Parse(amzDateFormat, r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("x-amz-date: %v", err)
	}
	if skew := time.Since(date); skew > maxClockSkew || skew < -maxClockSkew {
		return fmt.Errorf("x-amz-date %s is %s from now", date, skew)
	}
	if tok := b.opts.Credentials.SessionToken; tok != "" && r.Header.Get("X-Amz-Security-Token") != tok {
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
	if err := b.signer.SignHTTP(context.Background(), b.opts.Credentials, re, hex.EncodeToString(sum[:]),
		bedrockSigningName, b.opts.Region, date); err != nil {
		return err
	}
	if want := re.Header.Get("Authorization"); got != want {
		return fmt.Errorf("signature mismatch:\n got  %s\n want %s", got, want)
	}
	return nil
}

// signedHeaders reads the SignedHeaders list of an AWS4-HMAC-SHA256 Authorization header.
func signedHeaders(auth string) ([]string, error) {
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return nil, fmt.Errorf("authorization is not AWS4-HMAC-SHA256 (%q)", redact(auth))
	}
	for part := range strings.SplitSeq(rest, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "SignedHeaders="); ok {
			return strings.Split(v, ";"), nil
		}
	}
	return nil, fmt.Errorf("authorization has no SignedHeaders")
}
