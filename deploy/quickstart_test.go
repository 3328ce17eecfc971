package deploy

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestDemoKeyIsTheConfigsKey: the key that `tollgate dev` and the README print is the one
// whose hash the quickstart config holds.
func TestDemoKeyIsTheConfigsKey(t *testing.T) {
	sum := sha256.Sum256([]byte(DemoKey))
	if !strings.Contains(string(QuickstartConfig()), `key_sha256: "`+hex.EncodeToString(sum[:])+`"`) {
		t.Errorf("tollgate.yaml has no key_sha256 of %q", DemoKey)
	}
}
