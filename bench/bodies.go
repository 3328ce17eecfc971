package bench

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Request bodies of the scenarios. They are written field by field (not marshalled from
// maps) so that the field order is the one clients send: model first.

// openAIChatBody is an OpenAI Chat Completions streaming request of about size bytes: a
// system prompt and alternating turns.
func openAIChatBody(model string, size int) []byte {
	g := newTextGen(1)
	var b strings.Builder
	b.WriteString(`{"model":` + jsonString(model) + `,"stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":4096,"messages":[`)
	b.WriteString(`{"role":"system","content":` + jsonString("You are a helpful coding assistant. "+g.text(300)) + `}`)
	const lastTurn = `,{"role":"user","content":""}]}`
	roles := [2]string{"user", "assistant"}
	for i := 0; ; i++ {
		turn := `,{"role":"` + roles[i%2] + `","content":` + jsonString(g.text(200)) + `}`
		if b.Len()+len(turn)+len(lastTurn)+16 > size {
			break
		}
		b.WriteString(turn)
	}
	// The last user turn fills the body up to size.
	last := g.text(size - b.Len() - len(lastTurn))[:size-b.Len()-len(lastTurn)]
	b.WriteString(`,{"role":"user","content":` + jsonString(last) + `}]}`)
	return []byte(b.String())
}

// claudeCodeBody is an Anthropic Messages streaming request of about size bytes shaped like
// Claude Code's: a long cached system prompt, a set of tools with JSON schemas, and a long
// conversation of text, tool_use and tool_result blocks.
func claudeCodeBody(model string, size int) []byte {
	g := newTextGen(2)
	var b strings.Builder
	b.Grow(size + 4096)
	b.WriteString(`{"model":` + jsonString(model) + `,"max_tokens":32000,"stream":true,`)
	b.WriteString(`"metadata":{"user_id":"user_bench_account_0000_session_0000"},`)
	b.WriteString(`"system":[{"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude."},`)
	b.WriteString(`{"type":"text","text":` + jsonString(g.text(12<<10)) + `,"cache_control":{"type":"ephemeral"}}],`)
	b.WriteString(`"tools":[`)
	for i, name := range []string{"Bash", "Read", "Edit", "Write", "Glob", "Grep", "WebFetch", "TodoWrite", "Task", "NotebookEdit", "MultiEdit", "LS"} {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":%q,"description":%s,"input_schema":{"type":"object","properties":{"path":{"type":"string","description":%s},"command":{"type":"string"},"timeout":{"type":"number"}},"required":["path"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}}`,
			name, jsonString(g.text(1500)), jsonString(g.text(120)))
	}
	b.WriteString(`],"messages":[`)
	tail := `{"role":"user","content":[{"type":"text","text":"continue","cache_control":{"type":"ephemeral"}}]}]}`
	for i := 0; ; i++ {
		var turn string
		id := fmt.Sprintf("toolu_bench%06d", i)
		switch i % 3 {
		case 0:
			turn = `{"role":"user","content":[{"type":"text","text":` + jsonString(g.text(600)) + `}]},`
		case 1:
			turn = `{"role":"assistant","content":[{"type":"text","text":` + jsonString(g.text(200)) + `},{"type":"tool_use","id":"` + id + `","name":"Read","input":{"path":"/src/pkg/file.go"}}]},`
		default:
			turn = `{"role":"user","content":[{"type":"tool_result","tool_use_id":"` + fmt.Sprintf("toolu_bench%06d", i-1) + `","content":` + jsonString(g.text(2500)) + `}]},`
		}
		// Keep the conversation well formed: stop only after a user turn.
		if b.Len()+len(turn)+len(tail) > size && i%3 != 1 {
			break
		}
		b.WriteString(turn)
	}
	b.WriteString(tail)
	return []byte(b.String())
}

// imageBody is an Anthropic Messages streaming request of about size bytes, almost all of
// it one base64 image (a pasted screenshot).
func imageBody(model string, size int) []byte {
	head := `{"model":` + jsonString(model) + `,"max_tokens":8192,"stream":true,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"`
	tail := `"}},{"type":"text","text":"What is wrong with the layout in this screenshot?"}]}]}`
	n := (size - len(head) - len(tail)) / 4 * 3
	raw := make([]byte, max(n, 8))
	r := rand.New(rand.NewPCG(3, 3))
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	copy(raw, "\x89PNG\r\n\x1a\n")
	var b strings.Builder
	b.Grow(size + 16)
	b.WriteString(head)
	b.WriteString(base64.StdEncoding.EncodeToString(raw))
	b.WriteString(tail)
	return []byte(b.String())
}
