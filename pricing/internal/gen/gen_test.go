package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestCommittedTableIsFresh fails when builtin.yaml differs from what the generator
// makes of the committed price file: run `go generate ./pricing`.
func TestCommittedTableIsFresh(t *testing.T) {
	data, err := os.ReadFile("../../testdata/model_prices_and_context_window.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := generate(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../builtin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("pricing/builtin.yaml is stale: run go generate ./pricing")
	}
}

func TestSelection(t *testing.T) {
	const file = `{
	  "last_updated": "2026-07-24T18:23:43.215560+00:00",
	  "claude-sonnet-4-5": {"mode": "chat", "litellm_provider": "anthropic", "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05},
	  "claude-3-opus-20240229": {"mode": "chat", "litellm_provider": "anthropic", "input_cost_per_token": 1.5e-05, "output_cost_per_token": 7.5e-05, "deprecation_date": "2026-05-01"},
	  "claude-opus-4-1": {"mode": "chat", "litellm_provider": "anthropic", "input_cost_per_token": 1.5e-05, "output_cost_per_token": 7.5e-05, "deprecation_date": "2026-08-05"},
	  "apac.anthropic.claude-haiku-4-5-20251001-v1:0": {"mode": "chat", "litellm_provider": "bedrock_converse", "input_cost_per_token": 1.1e-06, "output_cost_per_token": 5.5e-06},
	  "us.meta.llama3-3-70b-instruct-v1:0": {"mode": "chat", "litellm_provider": "bedrock_converse", "input_cost_per_token": 7.2e-07, "output_cost_per_token": 7.2e-07},
	  "gpt-4o-audio-preview": {"mode": "chat", "litellm_provider": "openai", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05},
	  "azure/eu/gpt-5.1": {"mode": "chat", "litellm_provider": "azure", "input_cost_per_token": 1.375e-06, "output_cost_per_token": 1.1e-05},
	  "openrouter/openai/gpt-5.1": {"mode": "chat", "litellm_provider": "openrouter", "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05},
	  "gemini/gemini-2.5-pro": {"mode": "chat", "litellm_provider": "gemini", "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
	    "input_cost_per_token_above_200k_tokens": 2.5e-06}
	}`
	out, err := generate([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`source: "LiteLLM model_prices_and_context_window.json (MIT, github.com/BerriAI/litellm), last_updated 2026-07-24T18:23:43.215560+00:00"`,
		`  "claude-sonnet-4-5": {provider: anthropic, input: 3, output: 15}` + "\n",
		`  "claude-opus-4-1": {provider: anthropic, input: 15, output: 75}` + "\n",
		`  "apac.anthropic.claude-haiku-4-5-20251001-v1:0": {provider: bedrock, input: 1.1, output: 5.5}` + "\n",
		`  "azure/eu/gpt-5.1": {provider: azure_openai, input: 1.375, output: 11}` + "\n",
		`  "gemini/gemini-2.5-pro": {provider: gemini, input: 1.25, output: 10, tiers: [{above_input_tokens: 200000, input: 2.5}]}` + "\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	for _, left := range []string{"claude-3-opus", "llama", "audio", "openrouter"} {
		if strings.Contains(s, left) {
			t.Errorf("output holds %s:\n%s", left, s)
		}
	}
}
