package deploytest

import (
	"os"
	"path/filepath"
	"testing"
)

// repoRoot is the module root, relative to this package's directory (where go test runs).
const repoRoot = "../.."

// repoPath joins a slash-separated path below the module root.
func repoPath(rel string) string {
	return filepath.Join(repoRoot, filepath.FromSlash(rel))
}

// readRepoFile reads a file below the module root or fails the test.
func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(repoPath(rel))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return b
}
