package cli

import "github.com/tollgate/tollgate/mock"

func init() {
	register("mock", "a built-in mock Anthropic/OpenAI/Gemini provider for the quickstart and load tests", mock.Main)
}
