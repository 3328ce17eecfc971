package devstack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/deploy"
)

// countingTransport counts the requests func-e makes through it to host (it also asks
// Envoy's admin interface through it).
type countingTransport struct {
	host string
	n    atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == c.host {
		c.n.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestDownloadsEnvoyOnce: with no Envoy on PATH and no ENVOY_BIN, func-e fetches the
// versions list and the archive of EnvoyVersion for this platform (here from a local
// server, through Options.EnvoyVersionsURL and HTTPTransport), checks its SHA-256,
// unpacks it into the cache and runs it. The next run uses the cached binary and asks
// the network nothing.
func TestDownloadsEnvoyOnce(t *testing.T) {
	bin := fakeEnvoyLink(t, t.TempDir())
	t.Setenv(fakeEnvoyDirEnv, t.TempDir())
	t.Setenv("PATH", t.TempDir())
	t.Setenv("ENVOY_BIN", "")

	// The archive: envoy-<version>-<platform>/bin/envoy, a script that runs the fake.
	archive := envoyArchive(t, "#!/bin/sh\nexec '"+bin+"' \"$@\"\n")
	sum := sha256.Sum256(archive)
	tarball := "envoy-" + EnvoyVersion + "-" + runtime.GOOS + "-" + runtime.GOARCH + ".tar.gz"
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/envoy-versions.json":
			json.NewEncoder(w).Encode(map[string]any{
				"latestVersion": EnvoyVersion,
				"versions": map[string]any{EnvoyVersion: map[string]any{
					"releaseDate": "2025-11-20",
					"tarballs":    map[string]string{runtime.GOOS + "/" + runtime.GOARCH: srv.URL + "/" + tarball},
				}},
				"sha256sums": map[string]string{tarball: hex.EncodeToString(sum[:])},
			})
		case "/" + tarball:
			w.Write(archive)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	cache := t.TempDir()
	transport := &countingTransport{host: strings.TrimPrefix(srv.URL, "http://")}
	o := Options{Listen: freeAddr(t), Admin: "127.0.0.1:0", EnvoyAdmin: "127.0.0.1:0", CacheDir: cache,
		EnvoyVersionsURL: srv.URL + "/envoy-versions.json", HTTPTransport: transport}
	installed := filepath.Join(cache, "envoy-versions", EnvoyVersion, "bin", "envoy")

	s := startStack(t, o)
	if s.info.Envoy != installed || s.info.EnvoyVersion != EnvoyVersion {
		t.Errorf("Envoy %q %q, want func-e's install %q of %s", s.info.Envoy, s.info.EnvoyVersion, installed, EnvoyVersion)
	}
	if banner := "tollgate dev is up: Envoy " + EnvoyVersion + " (" + installed + ", downloaded by func-e)"; !strings.Contains(s.stdout.String(), banner) {
		t.Errorf("no %q in\n%s", banner, s.stdout)
	}
	if status, _ := quickstartMessage(t, s.info.URL, deploy.DemoKey); status != http.StatusOK {
		t.Errorf("through the downloaded Envoy: %d", status)
	}
	const note = "downloading Envoy " + EnvoyVersion + " once into"
	if !strings.Contains(s.stderr.String(), note) {
		t.Errorf("no %q in stderr:\n%s", note, s.stderr)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if n := transport.n.Load(); n != 2 {
		t.Errorf("func-e made %d requests, want 2 (versions list, archive)", n)
	}
	if _, err := os.Stat(installed); err != nil {
		t.Fatal(err)
	}

	// Again: the cached Envoy, nothing downloaded (the server is gone).
	srv.Close()
	s = startStack(t, o)
	if s.info.Envoy != installed {
		t.Errorf("second run: Envoy %q", s.info.Envoy)
	}
	if n := transport.n.Load(); n != 2 {
		t.Errorf("second run: func-e made %d requests in all, want still 2", n)
	}
	if strings.Contains(s.stderr.String(), note) {
		t.Errorf("second run says %q", note)
	}
}

// envoyArchive is a tar.gz holding envoy-<version>/bin/envoy with the given script.
func envoyArchive(t *testing.T, script string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	dir := "envoy-" + EnvoyVersion + "/"
	for _, h := range []*tar.Header{
		{Name: dir, Mode: 0o755, Typeflag: tar.TypeDir},
		{Name: dir + "bin/", Mode: 0o755, Typeflag: tar.TypeDir},
		{Name: dir + "bin/envoy", Mode: 0o755, Typeflag: tar.TypeReg, Size: int64(len(script))},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tw.Write([]byte(script)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestInterruptedDownload: Ctrl-C while func-e is still fetching Envoy stops tollgate dev
// at once and cleanly (no error).
func TestInterruptedDownload(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("ENVOY_BIN", "")
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Listen: freeAddr(t), Admin: "127.0.0.1:0", EnvoyAdmin: "127.0.0.1:0",
			CacheDir: t.TempDir(), EnvoyVersionsURL: srv.URL + "/envoy-versions.json"})
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after Ctrl-C: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return 20s after its context ended")
	}
}
