// Package mock is tollgate's one fake LLM provider, shared by `tollgate mock` (the
// docker-compose quickstart and load tests), the end-to-end tests and unit tests.
//
// It answers in two ways, behind the same checks:
//
//   - Generated: [New] returns an http.Handler speaking the provider side of the
//     Anthropic Messages API, the OpenAI Chat Completions and Responses APIs and
//     Gemini's native API (generateContent, streamGenerateContent, countTokens). Every
//     reply is deterministic: the text is [Reply] of Options.Words words and the token
//     usage is [ExpectedUsage] of the request body, so a test can assert exact token
//     sums after the request went through tollgate (see README.md for the formula).
//     Streams are written event by event (optionally split into flushed writes of
//     Options.ChunkBytes bytes) and stop as soon as the request's context ends. Each
//     API's file registers its endpoints (endpoints.go; Gemini's by the method that ends
//     a models/{model}:{method} path).
//   - Recorded: a [Route] replays recorded bodies ([Fixture]), streams in small flushed
//     writes a few milliseconds apart so that chunk boundaries split events.
//
// A [Provider] runs either on 127.0.0.1 for a test: it refuses and lists as a failure
// any request whose checks fail ([Auth]: the provider credential arrived and no client
// key did, in any header or the query) and records every request and every byte it sent
// ([Exchange]). [NewBedrock] (SigV4 recomputed with aws-sdk-go-v2's signer, event-stream
// answers built by [BedrockStream]) and [NewVertex] (bearer tokens issued by a fake
// Google OAuth [TokenServer]; Gemini models too with VertexOptions.Gemini) are Providers with the routes and checks of those clouds.
//
// The package holds no recordings: tests load them from the testdata directories that
// document their provenance.
package mock
