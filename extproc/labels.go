package extproc

import "sync"

// Bounds on the model names a glob rule can turn into `model` label values.
const (
	maxGlobModels     = 1000 // per team
	maxModelLabelSize = 128
)

// modelLabels bounds the values of the `model` metric label. A name an exact rule
// matched is always its own value. A name a glob rule matched (a day-one model) is its
// own value too, up to maxGlobModels distinct names per team (teams come from the
// config, so the total is bounded too); past that, or for a name longer than
// maxModelLabelSize, the value is the rule's pattern (`claude-*`), so a client inventing
// model names cannot grow the metrics without bound — nor use up the label budget of
// the other teams. Safe for concurrent use.
type modelLabels struct {
	mu     sync.Mutex
	byTeam map[string]map[string]struct{}
}

func (l *modelLabels) label(team, model, pattern string) string {
	if pattern == "" {
		return model
	}
	if len(model) > maxModelLabelSize {
		return pattern
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := l.byTeam[team]
	if _, ok := seen[model]; ok {
		return model
	}
	if len(seen) >= maxGlobModels {
		return pattern
	}
	if seen == nil {
		if l.byTeam == nil {
			l.byTeam = make(map[string]map[string]struct{})
		}
		seen = make(map[string]struct{})
		l.byTeam[team] = seen
	}
	seen[model] = struct{}{}
	return model
}
