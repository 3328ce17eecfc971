package mock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awses "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/tidwall/gjson"
)

// Bedrock's wire constants.
const (
	BedrockAnthropicVersion = "bedrock-2023-05-31"
	BedrockEventStreamType  = "application/vnd.amazon.eventstream"
	bedrockSigningName      = "bedrock"
	amzDateFormat           = "20060102T150405Z"
	// maxClockSkew is how far x-amz-date may be from now; AWS refuses more than 15 min.
	maxClockSkew = 15 * time.Minute
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
	// ClientKeys, Chunk, Pace and Logger are as in ProviderOptions.
	ClientKeys []string
	Chunk      int
	Pace       time.Duration
	Logger     *slog.Logger
}

// Bedrock is a running fake Bedrock runtime. Before anything else it verifies each
// request's SigV4 signature with aws-sdk-go-v2's signer: a request whose signature does
// not match gets 403 and a recorded failure. It then checks the InvokeModel body
// (anthropic_version, no model, no stream) and that no client key or Anthropic header
// arrived, and replays the fixture of the operation.
type Bedrock struct {
	*Provider
	opts     BedrockOptions
	signer   *v4.Signer
	verified atomic.Int64
}

// NewBedrock starts a fake Bedrock runtime on 127.0.0.1.
func NewBedrock(o BedrockOptions) *Bedrock {
	b := &Bedrock{opts: o, signer: v4.NewSigner()}
	routes := map[string]Route{}
	for _, m := range o.Models {
		routes["/model/"+m+"/invoke"] = Route{JSON: o.Invoke}
		routes["/model/"+m+"/invoke-with-response-stream"] = Route{Stream: o.Stream, AlwaysStream: true}
		routes["/model/"+m+"/count-tokens"] = Route{JSON: o.CountTokens}
	}
	b.Provider = start(ProviderOptions{Name: o.Name, Auth: b.checkRequest, ClientKeys: o.ClientKeys,
		Routes: routes, Chunk: o.Chunk, Pace: o.Pace, Logger: o.Logger}, b.verify)
	return b
}

// Verified is the number of requests whose signature was verified.
func (b *Bedrock) Verified() int { return int(b.verified.Load()) }

// start is New with a check that runs before the Provider's own (guard answers the
// request itself when it returns false).
func start(opts ProviderOptions, guard func(p *Provider, w http.ResponseWriter, r *http.Request, body []byte) bool) *Provider {
	if opts.Chunk == 0 {
		opts.Chunk = 48
	}
	if opts.Pace == 0 {
		opts.Pace = time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Provider{opts: opts}
	p.idle = sync.NewCond(&p.mu)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			p.fail("reading the body: %v", err)
			return
		}
		if !guard(p, w, r, body) {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		p.serve(w, r)
	}))
	return p
}

// record keeps an exchange answered before serve.
func (p *Provider) record(ex Exchange) {
	p.mu.Lock()
	p.exchanges = append(p.exchanges, ex)
	p.mu.Unlock()
}

// verify recomputes the SigV4 signature; on a mismatch it answers 403 as AWS does.
func (b *Bedrock) verify(p *Provider, w http.ResponseWriter, r *http.Request, body []byte) bool {
	err := b.verifySignature(r, body)
	if err == nil {
		b.verified.Add(1)
		return true
	}
	p.fail("%s %s: SigV4: %v", r.Method, r.URL.EscapedPath(), err)
	msg := `{"message":"The request signature we calculated does not match the signature you provided."}`
	p.record(Exchange{Method: r.Method, Host: r.Host, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, Status: http.StatusForbidden, Sent: []byte(msg)})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", "InvalidSignatureException")
	w.WriteHeader(http.StatusForbidden)
	_, _ = io.WriteString(w, msg)
	return false
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

// checkRequest is the Auth of the Provider: the request is what Bedrock accepts.
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
		return checkInvokeBody(raw)
	}
	return checkInvokeBody(body)
}

// checkInvokeBody checks an InvokeModel body for an Anthropic model.
func checkInvokeBody(body []byte) error {
	if !gjson.ValidBytes(body) {
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

// BedrockStream encodes Anthropic events as the frames of an
// InvokeModelWithResponseStream answer, with aws-sdk-go-v2's event-stream Encoder: one
// "chunk" event per Anthropic event, its JSON base64 in "bytes", padded with "p" as
// Bedrock pads its chunks.
func BedrockStream(events [][]byte) ([]byte, error) {
	const pad = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
	var buf bytes.Buffer
	enc := awses.NewEncoder()
	for _, ev := range events {
		payload, err := json.Marshal(map[string]string{
			"bytes": base64.StdEncoding.EncodeToString(ev),
			"p":     pad[:len(ev)%len(pad)],
		})
		if err != nil {
			return nil, err
		}
		var hs awses.Headers
		hs.Set(":event-type", awses.StringValue("chunk"))
		hs.Set(":content-type", awses.StringValue("application/json"))
		hs.Set(":message-type", awses.StringValue("event"))
		if err := enc.Encode(&buf, awses.Message{Headers: hs, Payload: payload}); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}
