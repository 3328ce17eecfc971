package deploytest

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// splitHostPort splits "host:port" (host may be empty, as in ":9464") into host and port.
func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q: bad port", addr)
	}
	return host, port, nil
}

// fakeEnvValue is a stand-in for the value of environment variable name when a rendered
// tollgate.yaml is loaded: a 64-hex-digit SHA-256 for a client key hash (*_SHA256, from a
// Secret), a placeholder otherwise.
func fakeEnvValue(name string) string {
	if strings.HasSuffix(name, "_SHA256") {
		return strings.Repeat("ab", 32)
	}
	return "value-of-" + name
}
