package extproc

import (
	"fmt"
	"strings"
	"testing"
)

func TestModelLabelsAreBounded(t *testing.T) {
	var l modelLabels
	if got := l.label("platform", "claude-sonnet-4-5", ""); got != "claude-sonnet-4-5" {
		t.Errorf("exact rule: %q", got)
	}
	for i := 0; i < maxGlobModels; i++ {
		m := fmt.Sprintf("claude-new-%d", i)
		if got := l.label("platform", m, "claude-*"); got != m {
			t.Fatalf("glob model %d: %q", i, got)
		}
	}
	if got := l.label("platform", "claude-one-too-many", "claude-*"); got != "claude-*" {
		t.Errorf("past the bound: %q", got)
	}
	if got := l.label("platform", "claude-new-7", "claude-*"); got != "claude-new-7" {
		t.Errorf("a name already seen keeps its label: %q", got)
	}
	if got := l.label("platform", "claude-"+strings.Repeat("x", maxModelLabelSize), "claude-*"); got != "claude-*" {
		t.Errorf("long name: %q", got)
	}
	if got := l.label("platform", "gpt-5.1", ""); got != "gpt-5.1" {
		t.Errorf("exact rules are never bounded: %q", got)
	}
}

// TestModelLabelsArePerTeam: one team inventing names uses up only its own budget.
func TestModelLabelsArePerTeam(t *testing.T) {
	var l modelLabels
	for i := 0; i < maxGlobModels+10; i++ {
		l.label("noisy", fmt.Sprintf("claude-junk-%d", i), "claude-*")
	}
	if got := l.label("noisy", "claude-real", "claude-*"); got != "claude-*" {
		t.Errorf("the noisy team past its bound: %q", got)
	}
	if got := l.label("platform", "claude-real", "claude-*"); got != "claude-real" {
		t.Errorf("another team lost its label budget: %q", got)
	}
}
