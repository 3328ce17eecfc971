package clients

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readmeExports returns, per Claude Code guide of the README's "Client guides" (keyed by the
// guide's bold title), the variables its sh block exports and their values.
func readmeExports(t *testing.T) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## Client guides\n")
	if start < 0 {
		t.Fatal("README.md has no Client guides")
	}
	text = text[start:]
	if end := strings.Index(text[1:], "\n## "); end > 0 {
		text = text[:end+1]
	}
	export := regexp.MustCompile(`^export ([A-Z_][A-Z0-9_]*)=("[^"]*"|\S*)`)
	out := map[string]map[string]string{}
	title, inSh := "", false
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(l, "**"):
			title = l
		case l == "```sh":
			inSh = true
		case strings.HasPrefix(l, "```"):
			inSh = false
		case inSh && strings.Contains(title, "Claude Code"):
			if m := export.FindStringSubmatch(l); m != nil {
				if out[title] == nil {
					out[title] = map[string]string{}
				}
				out[title][m[1]] = strings.Trim(m[2], `"`)
			}
		}
	}
	return out
}

// TestModesFollowREADME: the Claude Code modes TestRealClients runs are the README's guides,
// variable for variable and model for model, so that a guide's claim is what CI ran. Only the
// gateway address and the key differ (the stack's, for the README's placeholders).
func TestModesFollowREADME(t *testing.T) {
	guides := readmeExports(t)
	for mode, title := range map[string]string{
		"anthropic": "Claude Code, Anthropic-API mode",
		"bedrock":   "Claude Code, Bedrock-native mode",
		"vertex":    "Claude Code, Vertex-native mode",
	} {
		var guide map[string]string
		for k, v := range guides {
			if strings.Contains(k, title) {
				guide = v
			}
		}
		if guide == nil {
			t.Errorf("README has no %q guide", title)
			continue
		}
		var m *claudeMode
		for i := range claudeModes {
			if claudeModes[i].name == mode {
				m = &claudeModes[i]
			}
		}
		if m == nil {
			t.Fatalf("no Claude Code mode %q", mode)
		}
		const gw = "http://gateway:10000"
		env := map[string]string{}
		for _, kv := range m.env(gw) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = strings.ReplaceAll(v, clientKey, "<tollgate key>")
		}
		for k, want := range guide {
			got, ok := env[k]
			switch {
			case !ok:
				t.Errorf("%s: the README sets %s=%s, the test's mode does not", mode, k, want)
			case got != want && !strings.Contains(want, "<"):
				t.Errorf("%s: %s is %q in the README, %q in the test", mode, k, want, got)
			}
		}
		for k := range env {
			if _, ok := guide[k]; !ok {
				t.Errorf("%s: the test sets %s, which the README's guide does not", mode, k)
			}
		}
	}
}
