package keys

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
)

func digest(k string) string { d := sha256.Sum256([]byte(k)); return hex.EncodeToString(d[:]) }

func TestAuthenticate(t *testing.T) {
	s, err := New([]Key{{Name: "alice", Team: "platform", SHA256Hex: digest("alice-key")}, {Name: "bob", Team: "ml", SHA256Hex: digest("bob-key")}})
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := s.Authenticate("bob-key"); !ok || id.Name != "bob" || id.Team != "ml" {
		t.Errorf("bob: %+v %v", id, ok)
	}
	for _, bad := range []string{"", "alice-key ", "ALICE-KEY", digest("alice-key")} {
		if _, ok := s.Authenticate(bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
	if s.Open() {
		t.Error("a set with keys is not open")
	}
	var open *Set
	if _, ok := open.Authenticate(""); !ok || !open.Open() {
		t.Error("no keys must accept every request")
	}
	if _, err := New([]Key{{Name: "x", SHA256Hex: "zz"}}); err == nil {
		t.Error("bad digest accepted")
	}
}

func TestFromHeaders(t *testing.T) {
	for _, tc := range []struct {
		h    http.Header
		want string
	}{
		{http.Header{"x-api-key": {"k1"}}, "k1"},
		{http.Header{"authorization": {"Bearer k2"}}, "k2"},
		{http.Header{"authorization": {"bearer  k3 "}}, "k3"},
		{http.Header{"authorization": {"Basic abc"}}, ""},
		{http.Header{"api-key": {"k4"}}, "k4"},
		{http.Header{"x-goog-api-key": {"k5"}}, "k5"},
		{http.Header{"x-api-key": {"k6"}, "authorization": {"Bearer other"}}, "k6"},
		{http.Header{}, ""},
	} {
		if got := FromHeaders(tc.h); got != tc.want {
			t.Errorf("FromHeaders(%v) = %q, want %q", tc.h, got, tc.want)
		}
	}
}
