// Package jsonlimit bounds JSON from outside before a recursive parser sees it.
//
// gjson.ValidBytes (and any other recursive-descent JSON parser) uses one stack frame per
// nesting level, so a body of ten million '[' overflows the goroutine stack — a fatal
// error no recover() catches, which takes every request in the process down with it.
// CheckDepth walks the bytes once, iteratively, in constant memory, and refuses a
// document nested deeper than the limit; only then is the body handed to a parser.
package jsonlimit

import (
	"bytes"
	"fmt"
)

// MaxDepth is the nesting limit for request bodies: encoding/json's own limit, far above
// anything an LLM request needs (tool schemas nest a few dozen levels at most).
const MaxDepth = 10000

// DepthError reports a document nested deeper than allowed.
type DepthError struct {
	Max    int
	Offset int // byte offset of the opening bracket that went over
}

func (e *DepthError) Error() string {
	return fmt.Sprintf("JSON nested deeper than %d levels (at byte %d)", e.Max, e.Offset)
}

// CheckDepth reports a *DepthError when b nests objects and arrays deeper than max.
// It looks only at brackets outside strings: it does not validate the document (a
// parser still must), but after it returns nil no valid document in b is deeper than
// max, so a recursive parser's stack is bounded. It never allocates, and it skips string contents at memchr speed.
func CheckDepth(b []byte, max int) error {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			end := stringEnd(b, i)
			if end < 0 {
				return nil // an unterminated string: the parser that runs next says so
			}
			i = end
		case '{', '[':
			depth++
			if depth > max {
				return &DepthError{Max: max, Offset: i}
			}
		case '}', ']':
			// An unbalanced closer is invalid JSON; the parser that runs next says so.
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// stringEnd returns the index of the quote closing the string opened at b[open], or -1.
// It jumps from quote to quote (bytes.IndexByte), and a quote preceded by an odd run of
// backslashes is escaped. Each backslash is looked at at most once more, so the scan
// stays linear.
func stringEnd(b []byte, open int) int {
	from := open + 1
	for {
		k := bytes.IndexByte(b[from:], '"')
		if k < 0 {
			return -1
		}
		q := from + k
		n := 0
		for p := q - 1; p > open && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q
		}
		from = q + 1
	}
}
