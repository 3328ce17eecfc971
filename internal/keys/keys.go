// Package keys authenticates clients by their API key. Keys are held only as SHA-256
// digests and compared in constant time.
package keys

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// Identity is who a request belongs to.
type Identity struct {
	Name string
	Team string
}

type entry struct {
	digest [sha256.Size]byte
	id     Identity
}

// Set is an immutable set of client keys. A nil or empty Set accepts every request
// (the gateway is open).
type Set struct{ entries []entry }

// Key is one declared key.
type Key struct{ Name, Team, SHA256Hex string }

// New builds a Set; every digest must be 64 hex digits.
func New(keys []Key) (*Set, error) {
	s := &Set{}
	for _, k := range keys {
		b, err := hex.DecodeString(k.SHA256Hex)
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("key %q: key_sha256 must be 64 hex digits", k.Name)
		}
		var e entry
		copy(e.digest[:], b)
		e.id = Identity{Name: k.Name, Team: k.Team}
		s.entries = append(s.entries, e)
	}
	return s, nil
}

// Open reports whether the set accepts every request.
func (s *Set) Open() bool { return s == nil || len(s.entries) == 0 }

// Teams lists the configured teams (the only values the `team` metric label takes).
func (s *Set) Teams() []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range s.entries {
		if !seen[e.id.Team] {
			seen[e.id.Team] = true
			out = append(out, e.id.Team)
		}
	}
	return out
}

// Authenticate checks a presented key. Every configured digest is compared, in
// constant time, so timing does not reveal which key came close.
func (s *Set) Authenticate(presented string) (Identity, bool) {
	if s.Open() {
		return Identity{}, true
	}
	if presented == "" {
		return Identity{}, false
	}
	d := sha256.Sum256([]byte(presented))
	var found Identity
	ok := 0
	for i := range s.entries {
		if subtle.ConstantTimeCompare(d[:], s.entries[i].digest[:]) == 1 {
			found, ok = s.entries[i].id, 1
		}
	}
	return found, ok == 1
}

// CredentialHeaders are the request headers that can carry a client's key; tollgate
// removes them all before a request goes upstream.
var CredentialHeaders = []string{"authorization", "x-api-key", "api-key", "x-goog-api-key"}

// ClientOnlyHeaders are request headers meant for the gateway hop alone: a proxy's
// credentials and the client's cookies. tollgate removes them before a request goes
// upstream too.
var ClientOnlyHeaders = []string{"proxy-authorization", "cookie"}

// FromHeaders returns the key a client presented: x-api-key, Authorization: Bearer,
// api-key (Azure clients) or x-goog-api-key, in that order.
func FromHeaders(h http.Header) string {
	if v := first(h, "x-api-key"); v != "" {
		return v
	}
	if v := first(h, "authorization"); v != "" {
		if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
			return strings.TrimSpace(v[7:])
		}
		return ""
	}
	if v := first(h, "api-key"); v != "" {
		return v
	}
	return first(h, "x-goog-api-key")
}

func first(h http.Header, k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}
