package jsonlimit

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// SyntaxError reports a document that is not valid JSON.
type SyntaxError struct {
	Offset int // byte offset where the document stopped being valid
	msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.msg)
}

// Scan validates b as one JSON document and bounds its nesting, in one pass: iteratively
// (no stack frame per level, so no depth can overflow a goroutine's stack), without
// allocating (for max ≤ MaxDepth), and with string contents — most of a request body's
// bytes — read eight at a time. It accepts exactly the documents encoding/json.Valid
// accepts (its fuzz test holds it to that), those nested deeper than max excepted: it
// returns a *DepthError for them, and a *SyntaxError for any other invalid document.
//
// It replaces CheckDepth followed by a validating parser (gjson.ValidBytes) where the
// caller also wants the document's top-level members: when the document is an object,
// member (if not nil) is called with each of its top-level members in order, key as it
// is in b (quotes included, escapes not undone) and value the value's bytes. Both alias
// b. Members are reported as they are scanned, so a document found invalid after some
// of them were reported still has them reported: use them only when Scan returns nil.
func Scan(b []byte, max int, member func(key, value []byte)) error {
	// kinds holds one bit per open container: 1 for an object, 0 for an array.
	var fixed [(MaxDepth + 63) / 64]uint64
	kinds := fixed[:]
	if max > MaxDepth {
		kinds = make([]uint64, (max+63)/64)
	}
	depth := 0
	inObject := func() bool { return kinds[(depth-1)>>6]>>((depth-1)&63)&1 == 1 }
	var key []byte // the top-level member being read, and where its value starts
	valueAt := 0
	// readKey reads `"key" :` at i, and returns where the value starts.
	readKey := func(i int) (int, error) {
		if i >= len(b) || b[i] != '"' {
			return i, syntaxError(b, i, "object key")
		}
		end, err := scanString(b, i)
		if err != nil {
			return end, err
		}
		k := b[i:end]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return i, syntaxError(b, i, "':' after object key")
		}
		i = skipSpace(b, i+1)
		if depth == 1 {
			key, valueAt = k, i
		}
		return i, nil
	}

	i := skipSpace(b, 0)
	for {
		// A value starts at i.
		if i >= len(b) {
			return syntaxError(b, i, "value")
		}
		var err error
		switch c := b[i]; c {
		case '{', '[':
			if depth >= max {
				return &DepthError{Max: max, Offset: i}
			}
			w, bit := depth>>6, uint64(1)<<(depth&63)
			if c == '{' {
				kinds[w] |= bit
			} else {
				kinds[w] &^= bit
			}
			depth++
			i = skipSpace(b, i+1)
			if i < len(b) && (b[i] == '}' && c == '{' || b[i] == ']' && c == '[') {
				i++ // empty: a whole value
				depth--
				break
			}
			if c == '{' {
				if i, err = readKey(i); err != nil {
					return err
				}
			}
			continue // the first element or member value
		case '"':
			i, err = scanString(b, i)
		case 't':
			i, err = literal(b, i, "true")
		case 'f':
			i, err = literal(b, i, "false")
		case 'n':
			i, err = literal(b, i, "null")
		default:
			i, err = number(b, i)
		}
		if err != nil {
			return err
		}

		// After a value: the end of the document, the next element or member, or the
		// end of the container (itself a value ended).
	after:
		for {
			if depth == 1 && member != nil && inObject() {
				member(key, b[valueAt:i])
			}
			i = skipSpace(b, i)
			if depth == 0 {
				if i != len(b) {
					return syntaxError(b, i, "end of document")
				}
				return nil
			}
			if i >= len(b) {
				return syntaxError(b, i, "',' or the end of the container")
			}
			obj := inObject()
			switch c := b[i]; {
			case c == ',':
				i = skipSpace(b, i+1)
				if obj {
					if i, err = readKey(i); err != nil {
						return err
					}
				}
				break after
			case c == '}' && obj, c == ']' && !obj:
				i++
				depth--
			default:
				return syntaxError(b, i, "',' or the end of the container")
			}
		}
	}
}

func syntaxError(b []byte, i int, want string) error {
	if i >= len(b) {
		return &SyntaxError{Offset: i, msg: "unexpected end, want " + want}
	}
	return &SyntaxError{Offset: i, msg: fmt.Sprintf("unexpected %q, want %s", b[i], want)}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func literal(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, syntaxError(b, i, lit)
	}
	return i + len(lit), nil
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at i; what follows it is
// the caller's to check.
func number(b []byte, i int) (int, error) {
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i+1)
	default:
		if i == start {
			return i, syntaxError(b, i, "value")
		}
		return i, syntaxError(b, i, "digit")
	}
	if i < len(b) && b[i] == '.' {
		if j := digits(b, i+1); j > i+1 {
			i = j
		} else {
			return j, syntaxError(b, j, "digit after '.'")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if j := digits(b, i); j > i {
			i = j
		} else {
			return j, syntaxError(b, j, "digit in exponent")
		}
	}
	return i, nil
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// SWAR constants: a byte's high bit, and 0x01 in every byte.
const (
	highBits = 0x8080808080808080
	lowBits  = 0x0101010101010101
)

// special returns a word whose lowest set bit is the high bit of the first byte of w (in
// memory order) that ends a run of plain string bytes — '"', '\\' or a control byte
// (< 0x20) — or 0 when there is none. The classic "has a byte less than n" and "has a
// zero byte" tricks: a borrow can only start at a byte that matches, so the lowest
// flagged byte is always a true match (bytes above it may be false matches, and are
// never looked at).
func special(w uint64) uint64 {
	return ((w - 0x20*lowBits) | ((w ^ '"'*lowBits) - lowBits) | ((w ^ '\\'*lowBits) - lowBits)) &^ w & highBits
}

// scanString reads the string whose opening quote is at b[i] and returns the index after
// its closing quote: no control byte inside, only JSON's escapes. Like encoding/json, it
// does not check that the bytes are UTF-8.
func scanString(b []byte, i int) (int, error) {
	i++
	for {
		for ; i+8 <= len(b); i += 8 {
			if s := special(binary.LittleEndian.Uint64(b[i:])); s != 0 {
				i += bits.TrailingZeros64(s) >> 3
				break
			}
		}
		for i < len(b) && b[i] >= 0x20 && b[i] != '"' && b[i] != '\\' {
			i++
		}
		if i >= len(b) {
			return i, syntaxError(b, i, "'\"' closing the string")
		}
		switch b[i] {
		case '"':
			return i + 1, nil
		case '\\':
			if i+1 >= len(b) {
				return i + 1, syntaxError(b, i+1, "escape")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= len(b) || !isHex(b[k]) {
						return k, syntaxError(b, k, "hex digit in \\u escape")
					}
				}
				i += 6
			default:
				return i + 1, syntaxError(b, i+1, "escape")
			}
		default:
			return i, syntaxError(b, i, "string byte (a control byte must be escaped)")
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
