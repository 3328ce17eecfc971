package relkit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// AppendToSequence appends the items of a YAML block sequence (items: either a bare sequence
// or a one-key mapping whose value is the sequence, such as `tollgate models -o yaml`'s
// "models:" block) to the block sequence at path (mapping keys from the root) of doc, after
// its last item, as text: every comment, quote and blank line of doc stays as it was. The
// items keep their own comments and are re-indented to the sequence's column, under a
// "# comment" line when comment is not empty.
//
// The result is parsed again and must equal doc with the items appended (the same values in
// the same places), else an error explains what would have been written. It returns the
// number of items appended; with none, doc is returned unchanged.
func AppendToSequence(doc []byte, path []string, items []byte, comment string) ([]byte, int, error) {
	where := strings.Join(path, ".")
	root, err := parseOne(doc)
	if err != nil {
		return nil, 0, err
	}
	target, err := lookup(root, path)
	if err != nil {
		return nil, 0, err
	}
	if target.Kind != yaml.SequenceNode {
		return nil, 0, fmt.Errorf("%s is not a list", where)
	}
	if target.Style&yaml.FlowStyle != 0 {
		return nil, 0, fmt.Errorf("%s is written in flow style ([...]); write it as a block list (one \"- \" item per line) to append to it", where)
	}

	irRoot, err := parseOne(items)
	if err != nil {
		return nil, 0, fmt.Errorf("items: %w", err)
	}
	seq := irRoot
	if seq.Kind == yaml.MappingNode {
		if len(seq.Content) != 2 {
			return nil, 0, errors.New("items: want a list, or a mapping with one key holding the list")
		}
		seq = seq.Content[1]
	}
	if seq.Kind == yaml.ScalarNode && seq.Tag == "!!null" {
		return doc, 0, nil
	}
	if seq.Kind != yaml.SequenceNode {
		return nil, 0, errors.New("items: not a list")
	}
	if len(seq.Content) == 0 {
		return doc, 0, nil
	}
	if seq.Style&yaml.FlowStyle != 0 {
		return nil, 0, errors.New("items: a flow-style list ([...]); want a block list")
	}

	block := reindent(itemLines(items, seq), seq.Column-1, target.Column-1)
	lines := splitLines(doc)
	at := lastItemLine(lines, target) // insert after this 1-based line
	pad := strings.Repeat(" ", target.Column-1)
	var add []string
	if comment != "" {
		for c := range strings.SplitSeq(comment, "\n") {
			add = append(add, strings.TrimRight(pad+"# "+c, " "))
		}
	}
	add = append(add, block...)
	out := append(append(append([]string{}, lines[:at]...), add...), lines[at:]...)
	result := []byte(strings.Join(out, "\n"))
	if len(doc) == 0 || doc[len(doc)-1] == '\n' {
		result = append(result, '\n')
	}
	if err := verifyAppend(doc, result, items, path, len(seq.Content)); err != nil {
		return nil, 0, fmt.Errorf("appending to %s would not give the expected YAML (%v); the file is left as it was", where, err)
	}
	return result, len(seq.Content), nil
}

// parseOne parses a single YAML document and returns its root node.
func parseOne(b []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty YAML")
		}
		return nil, err
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document")
	}
	if len(doc.Content) != 1 {
		return nil, errors.New("empty YAML")
	}
	return doc.Content[0], nil
}

func lookup(n *yaml.Node, path []string) (*yaml.Node, error) {
	for i, key := range path {
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s is not a mapping", strings.Join(path[:i], "."))
		}
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == key {
				next = n.Content[j+1]
			}
		}
		if next == nil {
			return nil, fmt.Errorf("no key %s", strings.Join(path[:i+1], "."))
		}
		n = next
	}
	return n, nil
}

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func indentOf(line string) int { return len(line) - len(strings.TrimLeft(line, " ")) }

func blank(line string) bool { return strings.TrimSpace(line) == "" }

func isComment(line string) bool { return strings.HasPrefix(strings.TrimSpace(line), "#") }

// maxLine is the last line on which a node of the subtree starts.
func maxLine(n *yaml.Node) int {
	m := n.Line
	for _, c := range n.Content {
		m = max(m, maxLine(c))
	}
	return m
}

// lastItemLine returns the 1-based line where the last item of the block sequence seq ends:
// after the line of its last node, every following line indented deeper than the dash
// belongs to it (block scalars, folded plain scalars), up to the first line that is not.
func lastItemLine(lines []string, seq *yaml.Node) int {
	dash := seq.Column - 1
	last := maxLine(seq)
	for i := last; i < len(lines); i++ { // lines[i] is line i+1
		l := lines[i]
		if blank(l) {
			continue
		}
		if indentOf(l) <= dash {
			break
		}
		last = i + 1
	}
	return last
}

// itemLines returns the text lines of a block sequence: from the comments just above its
// first item to its last item's end.
func itemLines(src []byte, seq *yaml.Node) []string {
	lines := splitLines(src)
	first := seq.Line - 1 // 0-based index of the first "- "
	for first > 0 && isComment(lines[first-1]) {
		first--
	}
	return lines[first:lastItemLine(lines, seq)]
}

// reindent moves lines from dash column `from` to column `to`; comments left of `from` go
// to `to`.
func reindent(lines []string, from, to int) []string {
	pad := strings.Repeat(" ", to)
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		switch {
		case blank(l):
			out = append(out, "")
		case indentOf(l) >= from:
			out = append(out, pad+l[from:])
		default:
			out = append(out, pad+strings.TrimLeft(l, " "))
		}
	}
	return out
}

func decodeAny(b []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// verifyAppend checks that result decodes to doc's values with items appended at path.
func verifyAppend(doc, result, items []byte, path []string, n int) error {
	want, err := decodeAny(doc)
	if err != nil {
		return err
	}
	got, err := decodeAny(result)
	if err != nil {
		return err
	}
	iv, err := decodeAny(items)
	if err != nil {
		return err
	}
	if m, ok := iv.(map[string]any); ok {
		for _, v := range m {
			iv = v
		}
	}
	newItems, _ := iv.([]any)
	if len(newItems) != n {
		return fmt.Errorf("%d items, want %d", len(newItems), n)
	}
	// Put the items into want by hand, then compare the whole documents.
	parent := want
	for _, k := range path[:len(path)-1] {
		parent = parent.(map[string]any)[k]
	}
	pm := parent.(map[string]any)
	old, _ := pm[path[len(path)-1]].([]any)
	pm[path[len(path)-1]] = append(append([]any{}, old...), newItems...)
	if !reflect.DeepEqual(got, want) {
		return errors.New("the edited file decodes to other values")
	}
	return nil
}
