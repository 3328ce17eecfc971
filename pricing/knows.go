package pricing

// maxKnownName bounds the names Knows looks up: no table key is this long.
const maxKnownName = 256

// Knows reports whether name is a model the table knows for some provider: a key as
// written ("jp.anthropic.claude-sonnet-4-5-20250929-v1:0"), a key without its provider
// prefix ("gpt-5.1" of "azure/gpt-5.1", "claude-opus-4-1@20250805" of
// "vertex_ai/claude-opus-4-1@20250805"), or the normal form of a key
// ("claude-sonnet-4-5-20250929" of a Bedrock id; see the package doc).
//
// Unlike Resolve it does not normalise name itself: normalising drops suffixes such as
// "@anything" and "-v9:9", and a trailing date, so every invented variant of a known
// model would be known too. Knows is true only for a finite set of names fixed by the
// table, which makes it fit to decide whether a client's name may become a metric label.
// It allocates nothing.
func (t *Table) Knows(name string) bool {
	if name == "" || len(name) > maxKnownName {
		return false
	}
	if _, ok := t.exact[name]; ok {
		return true
	}
	for _, byRest := range t.prefixed {
		if _, ok := byRest[name]; ok {
			return true
		}
	}
	_, ok := t.normal[name]
	return ok
}
