package routing

import (
	"fmt"
	"strings"
)

// A glob is a model pattern in which `*` matches any run of characters (including none)
// and every other character matches itself. Character classes and escapes are not
// supported, so a pattern holding one of `[]{}\?` is rejected as a likely mistake.
type glob struct {
	pattern string
	parts   []string // the literal pieces between stars
}

const globSpecial = `[]{}\?`

// checkGlob reports why a pattern cannot be used, or nil.
func checkGlob(pattern string) error {
	if pattern == "" {
		return fmt.Errorf("empty pattern")
	}
	if i := strings.IndexAny(pattern, globSpecial); i >= 0 {
		return fmt.Errorf("bad glob %q: %q is not supported (only * is)", pattern, pattern[i:i+1])
	}
	if strings.Contains(pattern, "**") {
		return fmt.Errorf("bad glob %q: ** is redundant, use *", pattern)
	}
	return nil
}

func compileGlob(pattern string) glob {
	return glob{pattern: pattern, parts: strings.Split(pattern, "*")}
}

// match reports whether s matches. Linear in len(s) times the number of stars: each
// literal piece is found at its leftmost place after the previous one, which is correct
// for star-only globs.
func (g glob) match(s string) bool {
	parts := g.parts
	if len(parts) == 1 {
		return s == parts[0]
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}
