package api

import "encoding/json"

// appendJSONString appends s as a JSON string literal (escaping as encoding/json does;
// invalid UTF-8 becomes U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
