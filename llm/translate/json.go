package translate

import (
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/tollgate/tollgate/internal/jsonlimit"
)

// The translators write JSON by appending to one []byte, reading their input with gjson.
// A value copied from the input is copied as its raw JSON text (gjson.Result.Raw), never
// decoded and re-encoded, so strings keep their escapes and numbers their spelling.

// parse reads b without copying it (gjson.ParseBytes copies); the results point into b,
// which must not change while they are used.
func parse(b []byte) gjson.Result {
	if len(b) == 0 {
		return gjson.Result{}
	}
	return gjson.Parse(unsafe.String(&b[0], len(b)))
}

// parseValid is parse of JSON from outside (an upstream body or event): ok is false when b
// is not one valid document nested at most jsonlimit.MaxDepth deep. The check does not
// recurse, so no depth can overflow the stack, and what passes is safe for gjson.
func parseValid(b []byte) (gjson.Result, bool) {
	if !jsonlimit.Valid(b) {
		return gjson.Result{}, false
	}
	return parse(b), true
}

// get is gjson.GetBytes without its copy of the result's Raw: the result points into b.
func get(b []byte, path string) gjson.Result {
	if len(b) == 0 {
		return gjson.Result{}
	}
	return gjson.Get(unsafe.String(&b[0], len(b)), path)
}

// appendString appends s as a JSON string literal. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hex = "0123456789abcdef"

// appendInt appends n as a JSON number.
func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// appendKey appends `"key":`, after a comma unless it opens an object. key is a literal
// of this package: it needs no escaping.
func appendKey(b []byte, key string) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' && b[n-1] != '[' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendComma appends a comma unless b ends an opening bracket or a key.
func appendComma(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' && b[n-1] != '[' && b[n-1] != ':' {
		b = append(b, ',')
	}
	return b
}
