package deploytest

import (
	"bufio"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/config"
)

// codexDefaultModel is the model Codex 0.171.0 asks for without a `model` line: its built-in
// default, found by running it (e2e/clients, README "What is tested").
const codexDefaultModel = "gpt-6.2-sol"

// guideBlock is a code block of the README's "Client guides" with the bold title of the
// paragraph it belongs to (the nearest line above it that starts with `**`).
type guideBlock struct {
	title, lang, text string
}

func clientGuides(t *testing.T) (section string, blocks []guideBlock) {
	t.Helper()
	section = markdownSection(t, string(readRepoFile(t, "README.md")), "Client guides")
	title := ""
	lines := strings.Split(section, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "**") {
			title = l
		}
		if lang, ok := strings.CutPrefix(l, "```"); ok && lang != "" {
			end := i + 1
			for end < len(lines) && lines[end] != "```" {
				end++
			}
			blocks = append(blocks, guideBlock{title: title, lang: lang, text: strings.Join(lines[i+1:end], "\n")})
			i = end
		}
	}
	return section, blocks
}

// claudeCodeNames reads testdata/claude-code-names.txt: kind → names Claude Code documents.
func claudeCodeNames(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(readRepoFile(t, "deploy/deploytest/testdata/claude-code-names.txt"))))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 3 {
			t.Fatalf("claude-code-names.txt: %q: want kind name page", sc.Text())
		}
		if out[f[0]] == nil {
			out[f[0]] = map[string]bool{}
		}
		out[f[0]][f[1]] = true
	}
	return out
}

var exportLine = regexp.MustCompile(`(?m)^export ([A-Z_][A-Z0-9_]*)=("[^"]*"|\S*)`)

// exports returns the variables a sh block exports, in order, with their values.
func exports(text string) [][2]string {
	var out [][2]string
	for _, m := range exportLine.FindAllStringSubmatch(text, -1) {
		out = append(out, [2]string{m[1], strings.Trim(m[2], `"`)})
	}
	return out
}

// settingsNames returns the setting keys, and the environment variable names, a Claude Code
// settings JSON block sets: top-level keys, the keys of "env", and the names of VS Code's
// "claudeCode.environmentVariables" entries.
func settingsNames(t *testing.T, text string) (settings, env []string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("settings JSON in the Client guides: %v\n%s", err, text)
	}
	for k, raw := range m {
		settings = append(settings, k)
		switch k {
		case "env":
			var e map[string]string
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatalf("env: %v", err)
			}
			env = append(env, sortedKeys(e)...)
		case "claudeCode.environmentVariables":
			var vs []struct{ Name, Value string }
			if err := json.Unmarshal(raw, &vs); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			for _, v := range vs {
				env = append(env, v.Name)
			}
		}
	}
	return settings, env
}

var (
	claudeVarMention  = regexp.MustCompile(`\b(?:ANTHROPIC|CLAUDE_CODE)_[A-Z0-9_]*[A-Z0-9]\b`)
	vscodeSettingName = regexp.MustCompile(`\bclaudeCode\.[a-zA-Z]+\b`)
)

// TestClientGuides: every Claude Code environment variable and setting the README's client
// guides use or name is one Claude Code documents (testdata/claude-code-names.txt, read from its
// docs: Claude Code is not open source), so a misspelt or invented variable fails here.
func TestClientGuides(t *testing.T) {
	names := claudeCodeNames(t)
	section, blocks := clientGuides(t)
	checked := 0
	for _, b := range blocks {
		claude := strings.Contains(b.title, "Claude Code")
		switch {
		case b.lang == "sh" && claude:
			for _, e := range exports(b.text) {
				checked++
				if !names["env"][e[0]] {
					t.Errorf("%s: exports %s, which Claude Code's docs do not name", b.title, e[0])
				}
			}
		case b.lang == "json" && (claude || strings.HasPrefix(b.title, "**VS Code")):
			settings, env := settingsNames(t, b.text)
			for _, s := range settings {
				checked++
				if !names["setting"][s] && !names["vscode"][s] {
					t.Errorf("%s: setting %q is not one Claude Code or its VS Code extension documents", b.title, s)
				}
			}
			for _, e := range env {
				checked++
				if !names["env"][e] {
					t.Errorf("%s: sets %s, which Claude Code's docs do not name", b.title, e)
				}
			}
		}
	}
	// Variables and extension settings named in the prose too.
	for _, v := range claudeVarMention.FindAllString(section, -1) {
		checked++
		if !names["env"][v] {
			t.Errorf("the Client guides name %s, which Claude Code's docs do not", v)
		}
	}
	for _, v := range vscodeSettingName.FindAllString(section, -1) {
		if !names["vscode"][v] {
			t.Errorf("the Client guides name %s, which the VS Code extension's docs do not", v)
		}
	}
	if checked < 20 {
		t.Errorf("only %d names checked: the guides' blocks were not found", checked)
	}
}

// guideModels returns, per Claude Code mode (anthropic, bedrock, vertex) and for Codex, the
// models the README's client guides set.
func guideModels(t *testing.T) map[string][]string {
	t.Helper()
	_, blocks := clientGuides(t)
	out := map[string][]string{}
	for _, b := range blocks {
		var mode string
		switch {
		case strings.Contains(b.title, "Claude Code, Anthropic-API"):
			mode = "anthropic"
		case strings.Contains(b.title, "Claude Code, Bedrock"):
			mode = "bedrock"
		case strings.Contains(b.title, "Claude Code, Vertex"):
			mode = "vertex"
		case strings.HasPrefix(b.title, "**Codex") && b.lang == "toml":
			if m := tomlKeys(b.text)[""]["model"]; m != "" {
				out["codex"] = append(out["codex"], m)
			}
			continue
		default:
			continue
		}
		if b.lang != "sh" {
			continue
		}
		for _, e := range exports(b.text) {
			if strings.HasSuffix(e[0], "_MODEL") && !slices.Contains(out[mode], e[1]) {
				out[mode] = append(out[mode], e[1])
			}
		}
	}
	for _, mode := range []string{"anthropic", "bedrock", "vertex", "codex"} {
		if len(out[mode]) == 0 {
			t.Fatalf("the Client guides set no model for %s", mode)
		}
	}
	out["codex"] = append(out["codex"], codexDefaultModel)
	return out
}

// modeTypes are the provider types that serve each mode's requests.
var modeTypes = map[string][]string{
	"anthropic": {"anthropic", "bedrock", "vertex"}, // Anthropic Messages
	"bedrock":   {"bedrock"},                        // Bedrock-native paths
	"vertex":    {"vertex"},                         // Vertex-native paths
	"codex":     {"openai", "azure_openai"},         // OpenAI Responses
}

func loadExampleConfig(t *testing.T, path string) *config.Loaded {
	t.Helper()
	anyValue := func(string) (string, bool) { return strings.Repeat("ab", 32), true }
	l, err := config.Parse(path, readRepoFile(t, path), anyValue)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return l
}

// TestSampleConfigsServeTheGuides: every model the client guides set, and Codex's built-in
// default, is routed by examples/tollgate.yaml to a provider of a type that serves that client
// mode (a Bedrock-native request to a bedrock provider, and so on); the compose config serves
// the Anthropic-API mode and Codex. Resolved with internal/config's own Router.
func TestSampleConfigsServeTheGuides(t *testing.T) {
	models := guideModels(t)
	for _, c := range []struct {
		path  string
		modes []string
	}{
		{"examples/tollgate.yaml", []string{"anthropic", "bedrock", "vertex", "codex"}},
		{"deploy/tollgate.yaml", []string{"anthropic", "codex"}},
	} {
		l := loadExampleConfig(t, c.path)
		router, err := l.Router()
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range c.modes {
			for _, m := range models[mode] {
				route, ok := router.Resolve(m)
				if !ok {
					t.Errorf("%s: no rule routes %s (%s mode of the Client guides)", c.path, m, mode)
					continue
				}
				if typ := l.ProviderType(route.Provider); !slices.Contains(modeTypes[mode], typ) {
					t.Errorf("%s: %s (%s mode) goes to %s, a %s provider; want one of %v", c.path, m, mode, route.Provider, typ, modeTypes[mode])
				}
			}
		}
	}
}

// TestGuideBedrockRules: the rules the Bedrock guide shows route its main and Haiku models to
// the Tokyo profiles it names, and any other Bedrock id to the same provider.
func TestGuideBedrockRules(t *testing.T) {
	_, blocks := clientGuides(t)
	var rules string
	for _, b := range blocks {
		if strings.Contains(b.title, "Claude Code, Bedrock") && b.lang == "yaml" {
			rules = b.text
		}
	}
	if rules == "" {
		t.Fatal("the Bedrock guide shows no models rules")
	}
	cfg := "providers:\n  - {name: bedrock-tokyo, type: bedrock, region: ap-northeast-1}\n" + rules
	l, err := config.Parse("bedrock guide", []byte(cfg), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("the Bedrock guide's rules: %v", err)
	}
	router, err := l.Router()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(guideModels(t)["bedrock"], "us.anthropic.claude-opus-4-1-20250805-v1:0") {
		route, ok := router.Resolve(m)
		if !ok || route.Provider != "bedrock-tokyo" {
			t.Errorf("%s: routed %v to %q", m, ok, route.Provider)
			continue
		}
		if strings.Contains(m, "sonnet-4-5") || strings.Contains(m, "haiku-4-5") {
			if !strings.HasPrefix(route.UpstreamModel, "jp.") || route.UpstreamModel[strings.Index(route.UpstreamModel, "."):] != m[strings.Index(m, "."):] {
				t.Errorf("%s goes upstream as %s, want its jp. profile", m, route.UpstreamModel)
			}
		}
	}
}

// TestNotesAgreeWithGuides: the chart's install notes point Claude Code and Codex at the
// gateway the way the README's guides do: the notes export only variables the Anthropic-API
// guide exports (its base URL and key among them), and their Codex provider uses the guide's
// provider name, keys and values (base_url the gateway's /v1, env_key the guide's variable).
func TestNotesAgreeWithGuides(t *testing.T) {
	_, blocks := clientGuides(t)
	var guideExports []string
	var codex map[string]map[string]string
	for _, b := range blocks {
		if strings.Contains(b.title, "Claude Code, Anthropic-API") && b.lang == "sh" {
			for _, e := range exports(b.text) {
				guideExports = append(guideExports, e[0])
			}
		}
		if strings.HasPrefix(b.title, "**Codex") && b.lang == "toml" && codex == nil {
			codex = tomlKeys(b.text)
		}
	}
	if len(guideExports) == 0 || codex == nil {
		t.Fatal("no Claude Code Anthropic-API or Codex guide found")
	}

	r := decodeRender(t, "tollgate", "llm", nil)
	notes := r.files["tollgate/templates/NOTES.txt"]
	var notesExports [][2]string
	for _, line := range strings.Split(notes, "\n") {
		notesExports = append(notesExports, exports(strings.TrimSpace(line))...)
	}
	got := map[string]bool{}
	for _, e := range notesExports {
		got[e[0]] = true
		if !slices.Contains(guideExports, e[0]) {
			t.Errorf("NOTES export %s, which the README's Claude Code guide does not", e[0])
		}
	}
	for _, want := range []string{"ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"} {
		if !got[want] || !slices.Contains(guideExports, want) {
			t.Errorf("NOTES and the README guide must both set %s (NOTES %v)", want, sortedKeys(got))
		}
	}

	start := strings.Index(notes, "model_provider =")
	if start < 0 {
		t.Fatalf("NOTES have no Codex provider:\n%s", notes)
	}
	end := strings.Index(notes[start:], "\nOpenAI SDKs")
	if end < 0 {
		t.Fatalf("NOTES: the Codex provider is not followed by the SDKs line:\n%s", notes)
	}
	var toml strings.Builder
	for _, l := range strings.Split(notes[start:start+end], "\n") {
		toml.WriteString(strings.TrimSpace(l) + "\n")
	}
	nc := tomlKeys(toml.String())
	provider := nc[""]["model_provider"]
	if provider == "" || provider != codex[""]["model_provider"] {
		t.Fatalf("NOTES model_provider %q, README %q", provider, codex[""]["model_provider"])
	}
	table := "model_providers." + provider
	np, gp := nc[table], codex[table]
	for k, v := range np {
		gv, ok := gp[k]
		switch {
		case !ok:
			t.Errorf("NOTES set %s.%s, which the README's Codex guide does not", table, k)
		case k == "base_url":
			if !strings.HasSuffix(v, "/v1") || !strings.HasSuffix(gv, "/v1") {
				t.Errorf("base_url: NOTES %q, README %q: both want the gateway's /v1", v, gv)
			}
		case v != gv:
			t.Errorf("%s.%s: NOTES %q, README %q", table, k, v, gv)
		}
	}
	for _, k := range []string{"name", "base_url", "env_key", "wire_api"} {
		if _, ok := np[k]; !ok {
			t.Errorf("NOTES' Codex provider lacks %s", k)
		}
	}
	if key := np["env_key"]; !strings.Contains(notes, "export "+key+"=") {
		t.Errorf("NOTES do not say to export %s", key)
	}
}

// tomlKeys reads the flat TOML of the guides: [table] headers and `key = "string"` (or bare)
// values, comments dropped; table "" is the top level.
func tomlKeys(text string) map[string]map[string]string {
	out := map[string]map[string]string{"": {}}
	table := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			table = strings.Trim(line, "[]")
			out[table] = map[string]string{}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if strings.HasPrefix(v, `"`) {
			v = v[1 : 1+strings.Index(v[1:], `"`)]
		} else if i := strings.Index(v, "#"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		out[table][strings.TrimSpace(k)] = v
	}
	return out
}
