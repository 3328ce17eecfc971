package mock

import (
	"fmt"
	"net/http"

	"github.com/tollgate/tollgate/internal/awstest"
)

const (
	bedrockSigningName = "bedrock"
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

// verifySignature checks that the request came to the host it must be signed for, then
// recomputes its signature with the known credentials (awstest.VerifySigV4: the AWS
// SDK's signer over the request as received).
func (b *Bedrock) verifySignature(r *http.Request, body []byte) error {
	if r.Host != b.opts.Host {
		return fmt.Errorf("Host %q, want %q (the host the signature must cover)", r.Host, b.opts.Host)
	}
	return awstest.VerifySigV4(r, body, b.opts.Credentials, bedrockSigningName, b.opts.Region)
}
