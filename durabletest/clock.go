package durabletest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/durablegen/durable"
)

// epoch is where fake clocks start.
var epoch = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// Clock is a fake clock shared by a store and a direct run.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at a fixed instant.
func NewClock() *Clock { return &Clock{now: epoch} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t if t is later.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

// directRuntime runs a direct call on a fake clock with scripted signals.
type directRuntime struct {
	clock   *Clock
	rng     *rand.Rand
	signals map[string][][]byte
	mu      sync.Mutex
}

func (r *directRuntime) Now() time.Time { return r.clock.Now() }

func (r *directRuntime) Sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		r.clock.Advance(d)
	}
	return ctx.Err()
}

func (r *directRuntime) Random() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rng.Uint64()
}

func (r *directRuntime) Await(ctx context.Context, name string, timeout time.Duration) ([]byte, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.signals[name]
	if len(q) == 0 {
		if timeout > 0 {
			r.clock.Advance(timeout)
			return nil, false, ctx.Err()
		}
		return nil, false, fmt.Errorf("durabletest: the workflow awaits signal %q but no more were scripted; add durabletest.WithSignal(%q, ...)", name, name)
	}
	r.signals[name] = q[1:]
	return q[0], true, nil
}

// DirectContext returns a context for a direct call of a workflow with
// instance ID id, a fake clock and scripted signals (name → JSON payloads
// in order).
func DirectContext(id string, clock *Clock, signals map[string][][]byte) durable.Context {
	copied := map[string][][]byte{}
	for k, v := range signals {
		copied[k] = append([][]byte(nil), v...)
	}
	return durable.NewContext(context.Background(), id, &directRuntime{clock: clock, rng: rand.New(rand.NewPCG(1, 2)), signals: copied})
}
