package deploytest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Helpers that read the steps a README shows, so that tests run those very steps.

// markdownSection returns the text under the heading `## title` (any level), up to the next
// heading of the same or a higher level; lines in fenced blocks are never headings.
func markdownSection(t *testing.T, text, title string) string {
	t.Helper()
	lines := strings.Split(text, "\n")
	start, level := -1, 0
	inFence := false
	for i, l := range lines {
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
		}
		if inFence {
			continue // a shell comment is no heading
		}
		hashes := len(l) - len(strings.TrimLeft(l, "#"))
		if hashes == 0 || !strings.HasPrefix(l[hashes:], " ") {
			continue
		}
		if start < 0 {
			if strings.TrimSpace(l[hashes:]) == title {
				start, level = i+1, hashes
			}
			continue
		}
		if hashes <= level {
			return strings.Join(lines[start:i], "\n")
		}
	}
	if start < 0 {
		t.Fatalf("no section %q", title)
	}
	return strings.Join(lines[start:], "\n")
}

// codeBlock is one fenced block of a markdown text.
type codeBlock struct {
	lang, text string
}

var fence = regexp.MustCompile("(?ms)^```([a-z]*)\n(.*?)^```")

// codeBlocks returns the fenced blocks of text in order, with their language tag.
func codeBlocks(text string) []codeBlock {
	var out []codeBlock
	for _, m := range fence.FindAllStringSubmatch(text, -1) {
		out = append(out, codeBlock{lang: m[1], text: m[2]})
	}
	return out
}

// blocksOf returns the blocks with the given language tag.
func blocksOf(blocks []codeBlock, lang string) []string {
	var out []string
	for _, b := range blocks {
		if b.lang == lang {
			out = append(out, b.text)
		}
	}
	return out
}

// shellCommands splits a sh block into commands: lines joined at a trailing backslash,
// comments and blank lines dropped, each command split into words the way sh does for the
// quoting the READMEs use (single and double quotes, no escapes inside them). Unquoted `|` and
// `>` are words of their own.
func shellCommands(t *testing.T, block string) [][]string {
	t.Helper()
	joined := strings.ReplaceAll(block, "\\\n", " ")
	var out [][]string
	for _, line := range strings.Split(joined, "\n") {
		words, err := shellWords(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if len(words) > 0 {
			out = append(out, words)
		}
	}
	return out
}

func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(line[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unterminated %c quote", c)
			}
			cur.WriteString(line[i+1 : i+1+end])
			inWord = true
			i += end + 1
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !inWord:
			flush()
			return words, nil
		case (c == '|' || c == '>') && !inWord:
			words = append(words, string(c))
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words, nil
}

// flagArgs reads a command's flags: `-x v`, `--long v`, `--long=v`, and the boolean flags
// named in bools; the other words are positional arguments.
func flagArgs(words []string, bools ...string) (flags map[string]string, args []string) {
	flags = map[string]string{}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !strings.HasPrefix(w, "-") {
			args = append(args, w)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		switch {
		case hasValue:
		case slices.Contains(bools, name):
			value = "true"
		case i+1 < len(words):
			i++
			value = words[i]
		}
		if prev, ok := flags[name]; ok && strings.HasPrefix(name, "from-") {
			value = prev + "\n" + value // repeated --from-literal / --from-file
		}
		flags[name] = value
	}
	return flags, args
}

// placeholder is a README's `<...>` stand-in for a value the reader fills in.
var placeholder = regexp.MustCompile(`^<[^<>]+>$`)
