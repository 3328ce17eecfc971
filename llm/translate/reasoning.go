package translate

// Reasoning: Chat's reasoning_effort and Messages' thinking budget map both ways.
//
//	reasoning_effort → thinking                 thinking → reasoning_effort
//	none             → (no thinking)            disabled, absent        → (none sent)
//	minimal          → budget_tokens 1024       budget_tokens < 4096    → low
//	low              → budget_tokens 4096       budget_tokens < 16384   → medium
//	medium           → budget_tokens 8192       budget_tokens ≥ 16384   → high
//	high             → budget_tokens 16384      adaptive                → output_config.effort
//	xhigh            → budget_tokens 24576                                 (low, medium, high;
//	max              → budget_tokens 32768                                 xhigh and max → high),
//	                                                                       else medium
//
// The budget is kept below max_tokens (Messages require it); with max_tokens at or under
// 1024, the smallest budget Messages accept, thinking stays off. Only low, medium and
// high are sent to Chat upstreams: every reasoning model takes them.

// minThinkingBudget is the smallest budget_tokens Messages accept.
const minThinkingBudget = 1024

// thinkingBudget is the thinking budget of a reasoning_effort (0: no thinking).
func thinkingBudget(effort string) int64 {
	switch effort {
	case "minimal":
		return 1024
	case "low":
		return 4096
	case "medium":
		return 8192
	case "high":
		return 16384
	case "xhigh":
		return 24576
	case "max":
		return 32768
	}
	return 0
}

// effortForBudget is the reasoning_effort of a thinking budget.
func effortForBudget(budget int64) string {
	switch {
	case budget < 4096:
		return "low"
	case budget < 16384:
		return "medium"
	}
	return "high"
}

// effortForLevel is the reasoning_effort of an Anthropic output_config.effort level.
func effortForLevel(level string) string {
	switch level {
	case "low", "medium", "high":
		return level
	case "xhigh", "max":
		return "high"
	}
	return "medium"
}
