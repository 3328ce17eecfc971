package provider

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

var bedrockVertexUpdate = flag.Bool("update-cloud-golden", false, "rewrite the bedrock/vertex golden files")

// bedrockGolden compares got with testdata/<path>, rewriting it under -update-cloud-golden.
func bedrockGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	path = filepath.Join("testdata", path)
	if *bedrockVertexUpdate {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs:\n got %s\nwant %s", path, got, want)
	}
}

func bedrockReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bedrockIsolateAWS empties every AWS credential source of the environment, so a test
// sees only the source it sets up.
func bedrockIsolateAWS(t *testing.T) {
	t.Helper()
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_DEFAULT_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		"AWS_REGION", "AWS_DEFAULT_REGION",
	} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// bedrockHandSigV4 is an independent SigV4 computation (not the SDK's), following the
// published algorithm: the canonical URI is the wire path escaped once more, so %3A
// becomes %253A. headers are the signed headers other than host, lower-case.
func bedrockHandSigV4(method, host, wirePath string, headers map[string]string, body []byte,
	akid, secret, region string, now time.Time) string {
	var uri strings.Builder
	for i := 0; i < len(wirePath); i++ {
		c := wirePath[i]
		if c == '/' || bedrockUnreserved(c) {
			uri.WriteByte(c)
		} else {
			uri.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	all := map[string]string{"host": host}
	for k, v := range headers {
		all[k] = v
	}
	names := make([]string, 0, len(all))
	for k := range all {
		names = append(names, k)
	}
	sort.Strings(names)
	var canonHeaders strings.Builder
	for _, k := range names {
		canonHeaders.WriteString(k + ":" + strings.TrimSpace(all[k]) + "\n")
	}
	signed := strings.Join(names, ";")
	sum := sha256.Sum256(body)
	canon := strings.Join([]string{method, uri.String(), "", canonHeaders.String(), signed, hex.EncodeToString(sum[:])}, "\n")
	day := now.UTC().Format("20060102")
	scope := day + "/" + region + "/bedrock/aws4_request"
	canonSum := sha256.Sum256([]byte(canon))
	toSign := "AWS4-HMAC-SHA256\n" + now.UTC().Format("20060102T150405Z") + "\n" + scope + "\n" + hex.EncodeToString(canonSum[:])
	mac := func(key []byte, s string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	key := mac(mac(mac(mac([]byte("AWS4"+secret), day), region), "bedrock"), "aws4_request")
	return "AWS4-HMAC-SHA256 Credential=" + akid + "/" + scope + ", SignedHeaders=" + signed +
		", Signature=" + hex.EncodeToString(mac(key, toSign))
}

// bedrockHeader returns the value a mutation sets for key ("" when none).
func bedrockHeader(m Mutation, key string) string {
	for _, h := range m.SetHeaders {
		if h.Key == key {
			return h.Value
		}
	}
	return ""
}

func bedrockSHA256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
