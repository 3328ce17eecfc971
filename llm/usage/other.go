package usage

import (
	"strings"

	"github.com/tidwall/gjson"
)

// anyKnown reads the usage of a response from an endpoint tollgate does not know
// (api.Kind.Other) in whichever known shape the response is: Anthropic Messages events or
// body, Responses events (response.completed and the other terminal events) or body, or
// a Chat Completions usage object. Each event goes to the extractor of the API its type
// belongs to; a whole body is read by the one whose shape it has. The first extractor
// that sees usage is the answer.
type anyKnown struct {
	a    anthropic
	r    openAIResponses
	c    openAIChat
	seen Extractor // the extractor that saw usage first; nil while none has
	// counted is set by a token-counting answer: free, so not unmetered either.
	counted bool
	content bool
}

func (e *anyKnown) Event(name string, data []byte) bool {
	typ := eventType(name, data)
	var ex Extractor
	var first bool
	switch {
	case knownTypes[typ] != "":
		ex, first = &e.a, e.a.event(typ, data)
	case strings.HasPrefix(typ, "response."):
		ex, first = &e.r, e.r.Event(typ, data)
	default:
		ex, first = &e.c, e.c.Event(name, data)
	}
	if e.seen == nil && ex.Seen() {
		e.seen = ex
	}
	if first && !e.content { // one first-content report per response, whichever shape
		e.content = true
		return true
	}
	return false
}

// Body reads a whole body by its shape: Anthropic's (type "message"), Responses'
// (object "response…"), Chat's (prompt_tokens); a usage object of no clearer shape is
// read as Responses' when it has total_tokens (Anthropic's never has), else as
// Anthropic's. A Responses token count (object "response.input_tokens") is free.
func (e *anyKnown) Body(body []byte) {
	object := gjson.GetBytes(body, "object").Str
	u := gjson.GetBytes(body, "usage")
	if !u.IsObject() {
		e.counted = object == "response.input_tokens"
		return
	}
	var ex Extractor
	switch {
	case gjson.GetBytes(body, "type").Str == "message":
		ex = &e.a
	case strings.HasPrefix(object, "response"):
		ex = &e.r
	case u.Get("prompt_tokens").Exists():
		ex = &e.c
	case u.Get("total_tokens").Exists():
		ex = &e.r
	default:
		ex = &e.a
	}
	ex.Body(body)
	if ex.Seen() {
		e.seen = ex
	}
}

func (e *anyKnown) Usage() Usage {
	if e.seen == nil {
		return Usage{}
	}
	return e.seen.Usage()
}

// Seen reports whether usage was found, or the body was a token count (which is free:
// it has no usage to find).
func (e *anyKnown) Seen() bool { return e.seen != nil || e.counted }
