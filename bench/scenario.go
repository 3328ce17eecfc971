package bench

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Scenario is one kind of request and the response stream that answers it.
type Scenario struct {
	Name string
	// Path is the request's :path; its client key header follows the API (Authorization:
	// Bearer for OpenAI, x-api-key for Anthropic).
	Path string
	// KeyHeader is "authorization" or "x-api-key".
	KeyHeader string
	// Body is the request body, sent whole with end_of_stream (request_body_mode BUFFERED).
	Body []byte
	// ContentType is the response's content type.
	ContentType string
	// Chunks is the response body, one element per STREAMED response_body message.
	Chunks [][]byte
	// Usage is the usage the response carries, normalised.
	Usage Tokens
	// Concurrency is the number of concurrent streams the scenario runs with unless -c
	// says otherwise.
	Concurrency int
	// Pacing is the time between two response chunks, as a model generating tokens
	// spaces them (0: back to back).
	Pacing time.Duration
}

// scenarios builds each named scenario; building is deterministic.
var scenarios = map[string]func() *Scenario{
	"chat-2k": func() *Scenario {
		chunks, u := openAIChatStream("gpt-5.1-2025-11-13", 50, 530, 384)
		return &Scenario{Name: "chat-2k", Path: "/v1/chat/completions", KeyHeader: "authorization",
			Body: openAIChatBody("gpt-5.1", 2<<10), ContentType: "text/event-stream", Chunks: chunks, Usage: u,
			Concurrency: 16}
	},
	// chat-2k-paced is chat-2k with its tokens arriving as a model generates them: 20 ms
	// apart, so a request lasts a second and most streams are idle at any moment — the
	// shape of real traffic, where per-message costs matter and per-byte costs do not.
	"chat-2k-paced": func() *Scenario {
		chunks, u := openAIChatStream("gpt-5.1-2025-11-13", 50, 530, 384)
		return &Scenario{Name: "chat-2k-paced", Path: "/v1/chat/completions", KeyHeader: "authorization",
			Body: openAIChatBody("gpt-5.1", 2<<10), ContentType: "text/event-stream", Chunks: chunks, Usage: u,
			Concurrency: 32, Pacing: 20 * time.Millisecond}
	},
	"claude-200k": func() *Scenario {
		chunks, u := anthropicStream("claude-sonnet-4-5-20250929", 500, 12, 48000, 2048)
		return &Scenario{Name: "claude-200k", Path: "/v1/messages", KeyHeader: "x-api-key",
			Body: claudeCodeBody("claude-sonnet-4-5-20250929", 200<<10), ContentType: "text/event-stream", Chunks: chunks, Usage: u,
			Concurrency: 16}
	},
	"body-5m": func() *Scenario {
		chunks, u := anthropicStream("claude-sonnet-4-5-20250929", 20, 1650, 0, 0)
		return &Scenario{Name: "body-5m", Path: "/v1/messages", KeyHeader: "x-api-key",
			Body: imageBody("claude-sonnet-4-5-20250929", 5<<20), ContentType: "text/event-stream", Chunks: chunks, Usage: u,
			Concurrency: 4}
	},
}

// DefaultScenarios is every scenario: the paced one, then in order of request size.
var DefaultScenarios = []string{"chat-2k-paced", "chat-2k", "claude-200k", "body-5m"}

// ScenarioNames lists the known scenario names, sorted.
func ScenarioNames() []string {
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NewScenario builds the named scenario.
func NewScenario(name string) (*Scenario, error) {
	build, ok := scenarios[name]
	if !ok {
		return nil, fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(ScenarioNames(), ", "))
	}
	return build(), nil
}

// checkScenarios reports the unknown names in names, and an empty list.
func checkScenarios(names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("no scenarios (known: %s)", strings.Join(ScenarioNames(), ", "))
	}
	var bad []string
	for _, n := range names {
		if _, ok := scenarios[n]; !ok {
			bad = append(bad, n)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("unknown scenario %s (known: %s)", strings.Join(bad, ", "), strings.Join(ScenarioNames(), ", "))
	}
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		return fmt.Errorf("scenario listed twice in %s", strings.Join(names, ","))
	}
	return nil
}
