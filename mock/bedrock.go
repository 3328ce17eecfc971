package mock

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"
)

// Bedrock's wire constants.
const (
	BedrockAnthropicVersion = "bedrock-2023-05-31"
	BedrockEventStreamType  = "application/vnd.amazon.eventstream"
)

// BedrockOptions configure a fake Amazon Bedrock runtime (InvokeModel API).
type BedrockOptions struct {
	Name string
	// Host is the Host every request must carry and be signed for
	// (bedrock-runtime.{Region}.amazonaws.com); Region the signing region.
	Host, Region string
	// Credentials are what the gateway signs with; the fake recomputes each signature
	// with them.
	Credentials aws.Credentials
	// Models are the model ids served, as Bedrock names them (the path unescaped).
	Models []string
	// Invoke answers /model/{id}/invoke, Stream /model/{id}/invoke-with-response-stream
	// (an AWS event stream, see BedrockStream), CountTokens /model/{id}/count-tokens.
	Invoke, Stream, CountTokens *Fixture
	// Betas refuse the body's anthropic_beta flags and beta fields Bedrock would.
	Betas BetaRules
	// ClientKeys, Chunk, Pace and Logger are as in ProviderOptions.
	ClientKeys []string
	Chunk      int
	Pace       time.Duration
	Logger     *slog.Logger
}

// Bedrock is a running fake Bedrock runtime. Before anything else it verifies each
// request's SigV4 signature with aws-sdk-go-v2's signer (bedrock_sigv4.go): a request
// whose signature does not match gets 403 and a recorded failure. It then checks that no
// client key or Anthropic header arrived and the InvokeModel body (anthropic_version, no
// model, no stream), and replays the fixture of the operation.
type Bedrock struct {
	*Provider
	opts     BedrockOptions
	verified atomic.Int64
}

// NewBedrock starts a fake Bedrock runtime on 127.0.0.1.
func NewBedrock(o BedrockOptions) *Bedrock {
	b := &Bedrock{opts: o}
	routes := map[string]Route{}
	for _, m := range o.Models {
		routes["/model/"+m+"/invoke"] = Route{JSON: o.Invoke}
		routes["/model/"+m+"/invoke-with-response-stream"] = Route{Stream: o.Stream, AlwaysStream: true}
		routes["/model/"+m+"/count-tokens"] = Route{JSON: o.CountTokens}
	}
	// The client keys are checked after the signature (so a verified request with a
	// client key in an unsigned header counts as verified), not by the Provider first.
	b.Provider = NewProvider(ProviderOptions{Name: o.Name, Auth: All(b.verify, NoClientKeys(o.ClientKeys...), b.checkRequest),
		Routes: routes, Chunk: o.Chunk, Pace: o.Pace, Logger: o.Logger})
	return b
}

// Verified is the number of requests whose signature was verified.
func (b *Bedrock) Verified() int { return int(b.verified.Load()) }

// checkRequest checks the request is one Bedrock accepts.
func (b *Bedrock) checkRequest(r *http.Request, body []byte) error {
	for _, h := range []string{"x-api-key", "api-key", "anthropic-version", "anthropic-beta", "x-tollgate-provider"} {
		if r.Header.Get(h) != "" {
			return fmt.Errorf("header %s must not reach Bedrock", h)
		}
	}
	if r.Method != http.MethodPost {
		return fmt.Errorf("method %s", r.Method)
	}
	if strings.HasSuffix(r.URL.Path, "/count-tokens") {
		inner := gjson.GetBytes(body, "input.invokeModel.body")
		if inner.Type != gjson.String {
			return fmt.Errorf("count-tokens body has no input.invokeModel.body: %s", body)
		}
		raw, err := base64.StdEncoding.DecodeString(inner.Str)
		if err != nil {
			return fmt.Errorf("count-tokens input.invokeModel.body is not base64: %v", err)
		}
		body = raw
	}
	if err := checkInvokeBody(body); err != nil {
		return err
	}
	return b.opts.Betas.check(bodyBetas(body), body)
}

// checkInvokeBody checks an InvokeModel body for an Anthropic model.
func checkInvokeBody(body []byte) error {
	if !jsonlimit.Valid(body) {
		return fmt.Errorf("body is not JSON")
	}
	if v := gjson.GetBytes(body, "anthropic_version").Str; v != BedrockAnthropicVersion {
		return fmt.Errorf("anthropic_version %q, want %q", v, BedrockAnthropicVersion)
	}
	for _, f := range []string{"model", "stream"} {
		if gjson.GetBytes(body, f).Exists() {
			return fmt.Errorf("body has %q (the path carries it; Bedrock refuses it)", f)
		}
	}
	if !gjson.GetBytes(body, "max_tokens").Exists() || !gjson.GetBytes(body, "messages").IsArray() {
		return fmt.Errorf("body lacks max_tokens or messages")
	}
	return nil
}
