package translate

import (
	"net/http"

	"github.com/tollgate/tollgate/internal/jsonlimit"
	"github.com/tollgate/tollgate/llm/api"
)

// Pair is one direction of translation: the API the client speaks and the API the
// upstream speaks.
type Pair struct{ Client, Upstream api.Kind }

// Pairs tollgate translates.
var (
	ChatToMessages = Pair{Client: api.OpenAIChat, Upstream: api.AnthropicMessages}
	MessagesToChat = Pair{Client: api.AnthropicMessages, Upstream: api.OpenAIChat}
	// ResponsesToMessages is Codex on Claude (README.md says what does not cross).
	ResponsesToMessages = Pair{Client: api.OpenAIResponses, Upstream: api.AnthropicMessages}
)

// Supported reports whether tollgate translates requests of p.Client into p.Upstream.
func Supported(p Pair) bool {
	return p == ChatToMessages || p == MessagesToChat || p == ResponsesToMessages
}

// Options describe the upstream a request is translated for.
type Options struct {
	// Model is the upstream model the translated body names.
	Model string
	// Target names the upstream in error messages ("Claude on Bedrock"); empty: "the
	// upstream".
	Target string
	// ImageURLs: the upstream fetches images given by URL. Anthropic's API does;
	// Claude on Bedrock and Vertex AI take base64 images only, so an image URL is refused.
	ImageURLs bool
	// MaxTokensField is the Chat field a Messages max_tokens becomes:
	// "max_completion_tokens" (OpenAI, Azure; the default) or "max_tokens".
	MaxTokensField string
	// Dropped is told of every field of the client's request that has no equivalent
	// upstream and is left out; nil ignores them.
	Dropped DropFunc

	seen []string // the fields dropped so far, each reported once
}

// Exchange is what the response translation needs to know of its request.
type Exchange struct {
	Pair Pair
	// ClientModel is the model the client asked for, which the translated response names.
	ClientModel string
	// Stream: the client asked for a stream.
	Stream bool
	// IncludeUsage: a Chat client asked for the final usage chunk of a stream
	// (stream_options.include_usage).
	IncludeUsage bool
	// tools are a Responses request's custom and local_shell tools, whose calls go back
	// as their own item types.
	tools toolKinds
}

// Request translates the body of a client's request into the upstream API of p. The
// result is a new body, built in one pass (its one copy of the input); the input is not
// changed. An error is an *api.Error (400) naming what cannot be translated; fields
// without an equivalent are not errors: they are dropped and reported to o.Dropped.
// body must be valid JSON (extproc checks it, and its nesting depth, before routing);
// the depth is checked again here, the validity is not.
func Request(p Pair, body []byte, o Options) ([]byte, Exchange, error) {
	x := Exchange{Pair: p}
	if err := jsonlimit.CheckDepth(body, jsonlimit.MaxDepth); err != nil {
		return nil, x, api.Errorf(http.StatusBadRequest, "request body is not acceptable: %v", err)
	}
	root := parse(body)
	if !root.IsObject() {
		return nil, x, api.Errorf(http.StatusBadRequest, "request body must be a JSON object")
	}
	x.ClientModel = root.Get("model").Str
	x.Stream = root.Get("stream").Bool()
	if o.Dropped == nil {
		o.Dropped = func(string, string) {}
	}
	switch p {
	case ChatToMessages:
		x.IncludeUsage = x.Stream && root.Get("stream_options.include_usage").Bool()
		out, err := chatToMessages(root, len(body), o)
		return out, x, err
	case MessagesToChat:
		out, err := messagesToChat(root, len(body), o)
		return out, x, err
	case ResponsesToMessages:
		out, tools, err := responsesToMessages(root, len(body), o)
		x.tools = tools
		return out, x, err
	}
	return nil, x, api.Errorf(http.StatusBadRequest, "tollgate does not translate %s requests into %s", p.Client, p.Upstream)
}

// badRequest is a request that cannot be translated.
func badRequest(format string, args ...any) error {
	return api.Errorf(http.StatusBadRequest, format, args...)
}
