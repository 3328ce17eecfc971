// Package mock is a fake LLM provider: an http.Handler that speaks the provider side of
// the Anthropic Messages API and the OpenAI Chat Completions and Responses APIs, so the
// docker-compose quickstart, the end-to-end tests and load tests need no cloud account.
//
// Every reply is deterministic. The text is [Reply] of Options.Words words and the token
// usage is [ExpectedUsage] of the request body, so a test can assert exact token sums
// after the request went through tollgate (see README.md for the formula). Streams are
// written event by event (optionally split into writes of Options.ChunkBytes bytes, each
// flushed, to exercise parsers at chunk boundaries) and stop as soon as the request's
// context ends.
package mock
