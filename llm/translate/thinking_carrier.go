package translate

import (
	"encoding/base64"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"
)

// Claude's thinking across the turns of a Responses client. Codex keeps every reasoning
// item of a conversation and sends it back (store: false, include
// reasoning.encrypted_content); Messages need the thinking block of the last assistant
// turn back, signature and all, to keep thinking on in a tool loop. So the reasoning
// item made of a thinking block carries the block itself in encrypted_content.

// thinkingCarrier prefixes the encrypted_content tollgate gives a reasoning item made of
// Claude's thinking: the block itself, base64. The signature inside it is Anthropic's
// own (Anthropic checks it); the prefix keeps OpenAI's encrypted reasoning apart.
const thinkingCarrier = "tollgate.claude-thinking.v1:"

// carryThinking is the encrypted_content of a reasoning item for a thinking (or
// redacted_thinking) block, appended to b as a JSON string.
func carryThinking(b []byte, block []byte) []byte {
	b = append(b, '"')
	b = append(b, thinkingCarrier...)
	b = base64.StdEncoding.AppendEncode(b, block)
	return append(b, '"')
}

// carriedThinking decodes what carryThinking made; ok is false for anything else.
func carriedThinking(enc string) ([]byte, bool) {
	rest, ok := strings.CutPrefix(enc, thinkingCarrier)
	if !ok {
		return nil, false
	}
	blk, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || !jsonlimit.Valid(blk) {
		return nil, false
	}
	switch t := get(blk, "type").Str; t {
	case "thinking", "redacted_thinking":
		if get(blk, "signature").Type == gjson.String || t == "redacted_thinking" {
			return blk, parse(blk).IsObject()
		}
	}
	return nil, false
}
