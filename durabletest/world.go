package durabletest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
	"github.com/durablegen/durable/runtime/sqlite"
)

// lease is the lease of the workers of machine runs: a crashed run's
// instance is taken over once the clock has passed it.
const lease = time.Minute

// world is one machine run of the workflow: a store on a fake clock, a
// client, and the hooks that count crash points, check that no committed
// step runs again, and crash once where asked.
type world[In, Out any] struct {
	r      *runner[In, Out]
	clock  *Clock
	store  runtime.Store
	mem    *memstore.Store // store, if it is in memory: it can be snapshotted
	close  func()
	client *runtime.Client
	handle *runtime.Handle[Out]

	counts  [len(phases)]int // hook calls by phase
	commits commits
	crash   point // where to crash; k == 0 for nowhere
	where   string
	// onHook, if set, is told of every hook call, after the checks.
	onHook func(w *world[In, Out], at point, id string, seq int64, s *runtime.Site)
}

// point is a crash point: the k-th call of a phase's hook in a run.
type point struct{ phase, k int }

// compare orders points by phase, then k: the order in which Run crashes.
func (p point) compare(q point) int {
	if p.phase != q.phase {
		return p.phase - q.phase
	}
	return p.k - q.k
}

// cpKey names a committed checkpoint.
type cpKey struct {
	id  string
	seq int64
}

// commits is the set of checkpoints a run committed, to report a step
// that runs again after its checkpoint committed. A run resumed from a
// snapshot counts those its uncrashed run had committed by then.
type commits struct {
	order map[cpKey]int  // the uncrashed run's, in the order committed
	upTo  int            // how many of order this run had committed
	mine  map[cpKey]bool // committed by a resumed run itself
}

func (c *commits) has(k cpKey) bool {
	if i, ok := c.order[k]; ok && i < c.upTo {
		return true
	}
	return c.mine[k]
}

func (c *commits) add(k cpKey) {
	if c.mine == nil {
		c.order[k] = len(c.order)
		c.upTo = len(c.order)
		return
	}
	c.mine[k] = true
}

// newWorld starts a new instance of the workflow on a new store, in
// memory (which can be snapshotted) or in SQLite.
func (r *runner[In, Out]) newWorld(inMemory bool) *world[In, Out] {
	t := r.t
	t.Helper()
	w := &world[In, Out]{r: r, clock: NewClock(), commits: commits{order: map[cpKey]int{}}}
	if inMemory {
		w.mem = memstore.NewWithClock(w.clock.Now)
		w.store, w.close = w.mem, func() {}
	} else {
		store, err := sqlite.New(sqlite.Config{Path: filepath.Join(t.TempDir(), "durabletest.db"), Synchronous: "NORMAL", Now: w.clock.Now})
		if err != nil {
			t.Fatalf("durabletest: open store: %v", err)
		}
		w.store, w.close = store, func() { store.Close() }
	}
	r.cfg.log.reset(InstanceID)
	if r.cfg.reset != nil {
		r.cfg.reset()
	}
	w.connect()
	// Sent up front, in order: Await consumes the oldest of a name first.
	for _, sig := range r.cfg.sends {
		if err := w.client.Signal(r.ctx, InstanceID, sig.name, json.RawMessage(sig.payload)); err != nil {
			t.Fatalf("durabletest: signal %s: %v", sig.name, err)
		}
	}
	return w
}

// connect makes the world's client and the handle of its instance,
// starting the instance unless the store has it already.
func (w *world[In, Out]) connect() {
	r := w.r
	r.t.Helper()
	w.client = runtime.NewClient(w.store, runtime.WithErrors(r.cfg.known...), runtime.WithErrorTypes(r.cfg.types...))
	h, err := runtime.Start(r.ctx, w.client, r.wf, InstanceID, r.fresh())
	if err != nil {
		r.t.Fatalf("durabletest: start %s: %v", r.wf.Name(), err)
	}
	w.handle = h
}

func (w *world[In, Out]) hook(phase int) func(string, int64, *runtime.Site) error {
	return func(id string, seq int64, s *runtime.Site) error {
		w.counts[phase]++
		at := point{phase, w.counts[phase]}
		switch k := (cpKey{id, seq}); phase {
		case beforeStep:
			if w.commits.has(k) {
				w.r.t.Errorf("%s: the step at %s runs again although its checkpoint %d committed", w.r.wf.Name(), sitePos(s), seq)
			}
		case afterCommit:
			w.commits.add(k)
		}
		if w.onHook != nil {
			w.onHook(w, at, id, seq, s)
		}
		if at == w.crash {
			w.where = where(id, seq, s)
			return errCrash
		}
		return nil
	}
}

func where(id string, seq int64, s *runtime.Site) string {
	return fmt.Sprintf("checkpoint %d of %s (%s)", seq, id, sitePos(s))
}

func (w *world[In, Out]) newWorker() *runtime.Worker {
	r := w.r
	hooks := runtime.Hooks{
		BeforeStep:  w.hook(beforeStep),
		AfterStep:   w.hook(afterStep),
		AfterCommit: w.hook(afterCommit),
		// Retries in memory take no time: the clock is fake.
		Wait: func(ctx context.Context, _ time.Duration) bool { return ctx.Err() == nil },
	}
	wk := runtime.NewWorker(w.store, runtime.WorkerOptions{Lease: lease, Hooks: hooks, Errors: r.cfg.known, ErrorTypes: r.cfg.types,
		Logger: slog.New(slog.DiscardHandler), Now: w.clock.Now})
	for _, def := range append([]durable.Definition{r.wf}, r.cfg.children...) {
		if err := wk.Register(def); err != nil {
			r.t.Fatalf("durabletest: register: %v", err)
		}
	}
	return wk
}

// drive runs the instance and its children to the end: it drains the
// worker, then moves the clock to the next wake-up, or, after a crash,
// past the lease, where a new worker takes the instance over with nothing
// kept in memory.
func (w *world[In, Out]) drive() {
	r := w.r
	t, ctx := r.t, r.ctx
	t.Helper()
	wk := w.newWorker()
	for run := range r.cfg.maxRuns {
		if _, err := wk.Drain(ctx); err != nil && !errors.Is(err, errCrash) {
			t.Fatalf("durabletest: %s: %v", r.wf.Name(), err)
		}
		inst, err := w.client.Get(ctx, InstanceID)
		if err != nil {
			t.Fatalf("durabletest: %v", err)
		}
		if inst.Status.Terminal() {
			return
		}
		crashed, wake := w.next()
		switch {
		case crashed:
			// The process "died" holding the lease: a new worker takes the
			// instance over once it expires.
			w.clock.Advance(lease + time.Second)
			wk = w.newWorker()
		default:
			w.clock.Set(wake)
		}
		if run == r.cfg.maxRuns-1 {
			t.Fatalf("durabletest: %s did not finish after %d runs of its worker", r.wf.Name(), r.cfg.maxRuns)
		}
	}
}

// next looks at the instance and its child workflows, none of which the
// worker could run: it reports whether one crashed holding its lease, or
// else when the earliest of them wakes up.
func (w *world[In, Out]) next() (crashed bool, wake time.Time) {
	r := w.r
	t := r.t
	t.Helper()
	insts, err := w.client.List(r.ctx, runtime.ListOptions{IDPrefix: InstanceID})
	if err != nil {
		t.Fatalf("durabletest: %v", err)
	}
	var childWake time.Time
	for _, in := range insts {
		switch in.Status {
		case runtime.StatusReady:
			t.Fatalf("durabletest: %s: instance %s of workflow %s is never run: register it with durabletest.WithChildren(...)", r.wf.Name(), in.ID, in.Workflow)
		case runtime.StatusSleeping, runtime.StatusWaiting:
			if in.WakeAt.IsZero() {
				t.Fatalf("durabletest: %s waits for signal %q, which was not scripted; add durabletest.WithSignal(%q, ...)", r.wf.Name(), in.AwaitName, in.AwaitName)
			}
			if strings.HasPrefix(in.AwaitName, "$child:") {
				// A parent's check on its child, in case the child's
				// signal was lost: it will come; the child's own
				// wake-ups are what moves time.
				if childWake.IsZero() || in.WakeAt.Before(childWake) {
					childWake = in.WakeAt
				}
				continue
			}
			if wake.IsZero() || in.WakeAt.Before(wake) {
				wake = in.WakeAt
			}
		case runtime.StatusRunning:
			crashed = true
		}
	}
	if wake.IsZero() {
		wake = childWake
	}
	return crashed, wake
}

// outcome returns the instance's result and the effects of the run.
func (w *world[In, Out]) outcome() outcome {
	res, err := w.handle.Result(w.r.ctx)
	o := outcome{out: res, rawErr: err, effects: w.r.cfg.log.Effects(InstanceID)}
	if err != nil {
		o.err = panicCount.ReplaceAllString(err.Error(), "$1")
	}
	if w.r.cfg.unordered {
		slices.Sort(o.effects)
	}
	return o
}
