package durabletest

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/durablegen/durable"
)

// Log records the external effects of steps, per workflow instance. Steps
// (or the fakes they call) add to it; [Run] compares what the direct call
// and the machine runs did. It is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	entries []logEntry // in the order added
	unkeyed int
}

type logEntry struct{ id, key, effect string }

// of reports whether the entry belongs to instance id or to one of its
// child workflows (whose IDs extend id).
func (e logEntry) of(id string) bool {
	return e.id == id || strings.HasPrefix(e.id, id+"/child-")
}

// Add records effect for the instance and step that ctx belongs to.
func (l *Log) Add(ctx context.Context, effect string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := durable.InstanceID(ctx)
	key := ""
	if s, ok := durable.Step(ctx); ok {
		key = s.Key()
	} else {
		// A step called directly: every call is distinct.
		l.unkeyed++
		key = "direct-" + strconv.Itoa(l.unkeyed)
	}
	l.entries = append(l.entries, logEntry{id, key, effect})
}

// Effects returns the effects of instance id and of its child workflows in
// order, counting the same effect of the same step key once.
func (l *Log) Effects(id string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[logEntry]bool{}
	var out []string
	for _, e := range l.entries {
		if !e.of(id) {
			continue
		}
		e.id = "" // step keys are unique across instances
		if !seen[e] {
			seen[e] = true
			out = append(out, e.effect)
		}
	}
	return out
}

// All returns every effect of instance id and of its child workflows,
// repeats included.
func (l *Log) All(id string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.entries {
		if e.of(id) {
			out = append(out, e.effect)
		}
	}
	return out
}
