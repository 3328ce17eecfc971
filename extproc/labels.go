package extproc

import "sync"

// Bounds on the model names a glob rule can turn into `model` label values.
const (
	maxGlobModels     = 1000
	maxModelLabelSize = 128
)

// modelLabels bounds the values of the `model` metric label. A name an exact rule
// matched is always its own value. A name a glob rule matched (a day-one model) is its
// own value too, up to maxGlobModels distinct names per process; past that, or for a
// name longer than maxModelLabelSize, the value is the rule's pattern (`claude-*`), so a
// client inventing model names cannot grow the metrics without bound. Safe for
// concurrent use.
type modelLabels struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

func (l *modelLabels) label(model, pattern string) string {
	if pattern == "" {
		return model
	}
	if len(model) > maxModelLabelSize {
		return pattern
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen[model]; ok {
		return model
	}
	if len(l.seen) >= maxGlobModels {
		return pattern
	}
	if l.seen == nil {
		l.seen = make(map[string]struct{})
	}
	l.seen[model] = struct{}{}
	return model
}
