package cli

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

func init() {
	register("keygen", "make a client key: prints it once, and the keys: entry holding its SHA-256 (NAME TEAM)", runKeygen)
}

// keyPrefix marks tollgate client keys, so that a leaked one is recognisable (and
// secret scanners can be taught the pattern).
const keyPrefix = "tg-"

// runKeygen prints a fresh random key (32 bytes from crypto/rand, hex) and the
// tollgate.yaml `keys:` entry that stores only its SHA-256. The key itself is shown
// once and kept nowhere.
func runKeygen(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keygen", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tollgate keygen NAME TEAM\n\nPrints a new client key once, then the keys: entry for tollgate.yaml that holds only its SHA-256.")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return &ExitError{Code: 2, Err: fmt.Errorf("want NAME and TEAM, got %d arguments", fs.NArg())}
	}
	name, team := fs.Arg(0), fs.Arg(1)
	for _, v := range []string{name, team} {
		if v == "" || strings.ContainsAny(v, "\"\\\n\r\t") || len(v) > 128 {
			return &ExitError{Code: 2, Err: fmt.Errorf("%q: a name or team is 1 to 128 characters without quotes, backslashes or control characters", v)}
		}
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	key := keyPrefix + hex.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(key))
	fmt.Fprintf(stdout, "# The key for %s (shown once; give it to the client, store it in a secret manager):\n", name)
	fmt.Fprintf(stdout, "#   %s\n", key)
	fmt.Fprintf(stdout, "# Add this entry under keys: in tollgate.yaml:\n")
	fmt.Fprintf(stdout, "  - name: %q\n    team: %q\n    key_sha256: %q\n", name, team, hex.EncodeToString(sum[:]))
	return nil
}
