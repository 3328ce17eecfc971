package check

import (
	"go/build"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestCheckTouchesNoCredentialSource: checking a config with Bedrock and Vertex providers
// neither reads the AWS configuration nor asks any credential endpoint. The environment
// names an AWS profile that does not exist (the AWS chain fails as soon as it is built),
// and every credential source it offers is a server that counts its hits.
func TestCheckTouchesNoCredentialSource(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer srv.Close()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_PROFILE":                            "tollgate-check-no-such-profile",
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "aws-credentials"),
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     srv.URL + "/ecs",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT":      srv.URL,
		"GOOGLE_APPLICATION_CREDENTIALS":         filepath.Join(dir, "adc.json"),
		"GCE_METADATA_HOST":                      srv.Listener.Addr().String(),
		"AWS_CONTAINER_AUTHORIZATION_TOKEN":      "t",
		"AWS_EC2_METADATA_DISABLED":              "false",
		"AWS_ACCESS_KEY_ID":                      "",
		"AWS_SECRET_ACCESS_KEY":                  "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
	} {
		t.Setenv(k, v)
	}
	r := Run(Options{Config: "testdata/cloud.yaml", Lookup: env(nil)})
	if !r.OK {
		t.Errorf("errors = %q", r.Errors)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("credential endpoints were asked %d times", n)
	}
}

// TestCheckBuildsNoProvider: by construction, nothing `check` imports (directly or
// through other tollgate packages) can build a provider or a credential source.
func TestCheckBuildsNoProvider(t *testing.T) {
	const module = "github.com/tollgate/tollgate/"
	forbidden := []string{module + "internal/provider", module + "internal/credentials",
		module + "internal/assembly", "github.com/aws/", "golang.org/x/oauth2"}
	seen := map[string]bool{}
	var walk func(dir, from string)
	walk = func(dir, from string) {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range pkg.Imports {
			for _, f := range forbidden {
				if strings.HasPrefix(imp, f) {
					t.Errorf("%s imports %s", from, imp)
				}
			}
			if rel, ok := strings.CutPrefix(imp, module); ok && !seen[rel] {
				seen[rel] = true
				walk(filepath.Join("..", filepath.FromSlash(rel)), imp)
			}
		}
	}
	walk(".", module+"check")
	if !seen["internal/config"] {
		t.Fatal("the walk did not reach internal/config")
	}
}
