package jsonlimit

import "unsafe"

// Valid reports whether b is one valid JSON document nested at most MaxDepth levels
// deep: encoding/json.Valid's answer, without recursion (Scan). It is what to call
// instead of gjson.Valid or gjson.ValidBytes on bytes from outside — a request body, a
// JSON document carried in a string (tool call arguments, a base64 block), an upstream
// event — since those recurse once per level and a stack overflow is fatal to the
// process. A document that passes is safe for gjson.
func Valid(b []byte) bool { return Scan(b, MaxDepth, nil) == nil }

// ValidString is Valid of a string, without copying it.
func ValidString(s string) bool { return Valid(stringBytes(s)) }

// stringBytes views s as bytes; Scan only reads them.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
