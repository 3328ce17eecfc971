//go:build race

package cli

// raceEnabled: the race detector's goroutine limit and slowdown make the 1,000-stream
// soak meaningless under -race; CI runs it without (.ci/run).
const raceEnabled = true
