package durabletest

import (
	"context"
	"slices"
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
	added   int // entries ever added: the last one's n
}

type logEntry struct {
	id, key, effect string
	n               int // 1 + the entries added before it
}

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
	l.added++
	l.entries = append(l.entries, logEntry{id, key, effect, l.added})
}

// mark returns a mark of what the log holds now, for restore.
func (l *Log) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.added
}

// entriesOf returns the entries of instance id and its children.
func (l *Log) entriesOf(id string) []logEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logEntry
	for _, e := range l.entries {
		if e.of(id) {
			out = append(out, e)
		}
	}
	return out
}

// reset removes the entries of instance id and its children.
func (l *Log) reset(id string) { l.restore(id, nil, 0) }

// restore makes the entries of instance id and its children those of
// run that the log held at mark (none if run is nil): what a run resumed
// from a snapshot taken at mark starts with.
func (l *Log) restore(id string, run []logEntry, mark int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = slices.DeleteFunc(l.entries, func(e logEntry) bool { return e.of(id) })
	for _, e := range run {
		if e.n > mark {
			break
		}
		l.entries = append(l.entries, e)
	}
}

// Effects returns the effects of instance id and of its child workflows in
// order, counting the same effect of the same step key once.
func (l *Log) Effects(id string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	type effect struct{ key, effect string } // step keys are unique across instances
	seen := map[effect]bool{}
	var out []string
	for _, e := range l.entries {
		if !e.of(id) {
			continue
		}
		if k := (effect{e.key, e.effect}); !seen[k] {
			seen[k] = true
			out = append(out, e.effect)
		}
	}
	return out
}

// All returns every effect of instance id and of its child workflows,
// repeats included.
func (l *Log) All(id string) []string {
	var out []string
	for _, e := range l.entriesOf(id) {
		out = append(out, e.effect)
	}
	return out
}
