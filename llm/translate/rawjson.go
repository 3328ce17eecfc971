package translate

import (
	"github.com/tidwall/gjson"
)

// rget returns the member key of the object obj, as gjson's Get does, but never
// unescapes a string: gjson copies every string value it returns that holds an escape,
// and message texts (code, tool output) hold many, so reading them with Get would copy
// most of a request body a second time. The result's Raw is always set; a string's Str
// is its text only when it holds no escape (else empty: use Raw, or call Get for the
// text). Keys are compared as written (the keys read here are plain ASCII).
func rget(obj gjson.Result, key string) gjson.Result {
	s := obj.Raw
	i := skipWS(s, 0)
	if i >= len(s) || s[i] != '{' {
		return gjson.Result{}
	}
	i++
	for {
		i = skipWS(s, i)
		if i >= len(s) || s[i] != '"' {
			return gjson.Result{}
		}
		kEnd := stringEnd(s, i)
		if kEnd < 0 {
			return gjson.Result{}
		}
		match := s[i+1:kEnd-1] == key
		i = skipWS(s, kEnd)
		if i >= len(s) || s[i] != ':' {
			return gjson.Result{}
		}
		i = skipWS(s, i+1)
		vEnd := valueEnd(s, i)
		if vEnd < 0 {
			return gjson.Result{}
		}
		if match {
			return rawResult(s[i:vEnd])
		}
		i = skipWS(s, vEnd)
		if i >= len(s) || s[i] != ',' {
			return gjson.Result{}
		}
		i++
	}
}

// rawResult is the Result of one raw JSON value, without unescaping a string.
func rawResult(raw string) gjson.Result {
	if raw == "" {
		return gjson.Result{}
	}
	if raw[0] != '"' {
		return gjson.Parse(raw) // numbers, literals, objects and arrays are not copied
	}
	r := gjson.Result{Type: gjson.String, Raw: raw}
	if !containsByte(raw, '\\') {
		r.Str = raw[1 : len(raw)-1]
	}
	return r
}

// appendText appends r, which must be a string (else a 400 naming what).
func appendText(b []byte, r gjson.Result, what string) ([]byte, error) {
	if r.Type != gjson.String {
		return nil, badRequest("%s must be a string", what)
	}
	return append(b, r.Raw...), nil
}

// isEmptyString reports whether r is the empty string.
func isEmptyString(r gjson.Result) bool { return r.Type == gjson.String && r.Raw == `""` }

// isText reports whether r is a non-empty string.
func isText(r gjson.Result) bool { return r.Type == gjson.String && r.Raw != `""` }

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func skipWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the string opening at s[i], or -1.
func stringEnd(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index after the value starting at s[i], or -1.
func valueEnd(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	switch s[i] {
	case '"':
		return stringEnd(s, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '"':
				end := stringEnd(s, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(s) && s[j] != ',' && s[j] != '}' && s[j] != ']' && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' {
		j++
	}
	return j
}
