package durabletest

import (
	"context"
	"strconv"
	"sync"

	"github.com/durablegen/durable"
)

// Log records the external effects of steps, per workflow instance. Steps
// (or the fakes they call) add to it; [Run] compares what the direct call
// and the machine runs did. It is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	entries map[string][]logEntry
	unkeyed int
}

type logEntry struct{ key, effect string }

// Add records effect for the instance and step that ctx belongs to.
func (l *Log) Add(ctx context.Context, effect string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		l.entries = map[string][]logEntry{}
	}
	id := durable.InstanceID(ctx)
	key := ""
	if s, ok := durable.Step(ctx); ok {
		key = s.Key()
	} else {
		// A step called directly: every call is distinct.
		l.unkeyed++
		key = "direct-" + strconv.Itoa(l.unkeyed)
	}
	l.entries[id] = append(l.entries[id], logEntry{key, effect})
}

// Effects returns the effects of instance id in order, counting the same
// effect of the same step key once.
func (l *Log) Effects(id string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[logEntry]bool{}
	var out []string
	for _, e := range l.entries[id] {
		if !seen[e] {
			seen[e] = true
			out = append(out, e.effect)
		}
	}
	return out
}

// All returns every effect of instance id, repeats included.
func (l *Log) All(id string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, len(l.entries[id]))
	for i, e := range l.entries[id] {
		out[i] = e.effect
	}
	return out
}
