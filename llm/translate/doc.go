// Package translate translates between the client APIs tollgate serves, for a client
// routed to a provider that speaks another one: OpenAI Chat Completions ↔ Anthropic
// Messages both ways, and OpenAI Responses → Anthropic Messages (Codex on Claude).
// README.md maps every field, says what is lost, and why some requests are refused.
//
// The API, for internal/provider's translated view of a provider:
//
//	out, x, err := translate.Request(pair, body, opts) // the upstream body; err: a 400 (*api.Error)
//	tr := translate.NewResponse(x, framing, sink)     // per response
//	chunk, err := tr.Translate(upstreamChunk, end)    // the client's bytes, chunk by chunk
//	body := translate.ReshapeError(pair, status, body) // an upstream error in the client's shape
//
// Requests are written in one pass: the input is read with gjson (message texts raw,
// never unescaped) and the output appended to one []byte — no maps, no re-marshalling,
// one copy. Responses are translated event by event as they arrive (SSE, Bedrock's AWS
// event stream, or one JSON body), each upstream event handed to the sink (the meter)
// before it is translated, so usage is the upstream's own. A translation error ends the
// client's response with an error event in its API's shape; the sink still gets what
// can be decoded. A Chat or Messages stream chunk allocates nothing once warm.
//
// Files are named <client>_<upstream>_<what>.go: chat_messages_* serve a Chat client
// on a Messages upstream, messages_chat_* the reverse, responses_messages_* a
// Responses client on a Messages upstream.
package translate
