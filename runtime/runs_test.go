package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
	"github.com/durablegen/durable/runtime/sqlite"
)

var (
	siteCountTick = runtime.Site{ID: 1, Kind: "step", Name: "tick", Pos: "countdown.go:5:3"}
	siteCountTock = runtime.Site{ID: 2, Kind: "step", Name: "tock", Pos: "countdown.go:6:3"}
)

// countdownWorkflow runs two steps, then continues as new with its input
// minus one, until it is 0; it returns the number of step keys it saw,
// all distinct. next, if not nil, replaces the input it continues with.
func countdownWorkflow(keys map[string]bool, next func(n int) any) *durable.Workflow[int, int] {
	step := func(ctx context.Context) (int, error) {
		k := durable.StepKey(ctx)
		if keys[k] {
			return 0, durable.Permanent(fmt.Errorf("step key %s used twice", k))
		}
		keys[k] = true
		return len(keys), nil
	}
	return durable.NewWorkflow[int, int]("example.com/countdown.Countdown", "v1", func() any {
		return &countdownFrame{run: func(x *runtime.Exec, f *countdownFrame) error {
			for {
				switch f.pc {
				case 0:
					f.seen, f.err = runtime.Call(x, &siteCountTick, step)
					if err := x.Commit(&f.pc, 1); err != nil {
						return err
					}
				case 1:
					if f.err != nil {
						return runtime.Return(x, 0, f.err)
					}
					f.seen, f.err = runtime.Call(x, &siteCountTock, step)
					if err := x.Commit(&f.pc, 2); err != nil {
						return err
					}
				case 2:
					if f.err != nil {
						return runtime.Return(x, 0, f.err)
					}
					if f.n == 0 {
						return runtime.Return(x, f.seen, nil)
					}
					var in any = f.n - 1
					if next != nil {
						in = next(f.n)
					}
					return runtime.Return(x, -1, durable.ContinueAsNew(x.Context(), in))
				default:
					return runtime.BadState(f.pc)
				}
			}
		}}
	})
}

type countdownFrame struct {
	run func(x *runtime.Exec, f *countdownFrame) error

	pc, n, seen int
	err         error
}

func (f *countdownFrame) SetInput(n int)            { f.n = n }
func (f *countdownFrame) Run(x *runtime.Exec) error { return f.run(x, f) }

func (f *countdownFrame) MarshalFrame(e *runtime.Encoder) {
	e.Int("pc", int64(f.pc))
	e.Int("n", int64(f.n))
	e.Int("seen", int64(f.seen))
	e.Error("err", f.err)
}

func (f *countdownFrame) UnmarshalFrame(d *runtime.Decoder) error {
	for d.Next() {
		switch d.Key() {
		case "pc":
			f.pc = int(d.Int())
		case "n":
			f.n = int(d.Int())
		case "seen":
			f.seen = int(d.Int())
		case "err":
			f.err = d.Error()
		}
	}
	return d.Err()
}

func runsStores(t *testing.T) map[string]runtime.Store {
	t.Helper()
	sq, err := sqlite.New(sqlite.Config{Path: filepath.Join(t.TempDir(), "runs.db"), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	return map[string]runtime.Store{"memstore": memstore.New(), "sqlite": sq}
}

// TestContinueAsNewConstantHistory continues a workflow as new n times
// for several n: it ends with the result of its last run, in run n+1,
// with a history of that run alone, the same length whatever n, and the
// summaries of at most runtime.KeptRuns earlier runs; every step of every
// run had a key of its own.
func TestContinueAsNewConstantHistory(t *testing.T) {
	for name, store := range runsStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c := runtime.NewClient(store)
			for _, n := range []int{0, 1, 10, runtime.KeptRuns + 5} {
				keys := map[string]bool{}
				wf := countdownWorkflow(keys, nil)
				w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet()})
				register(t, w, wf)
				id := fmt.Sprintf("countdown-%d", n)
				h, err := runtime.Start(ctx, c, wf, id, n)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.Drain(ctx); err != nil {
					t.Fatal(err)
				}
				got, err := h.Result(ctx)
				if want := 2 * (n + 1); err != nil || got != want {
					t.Fatalf("countdown(%d) = %d, %v; want %d distinct step keys", n, got, err, want)
				}
				inst, err := c.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if inst.Run != n+1 || inst.Seq != int64(3*n+3) {
					t.Errorf("countdown(%d): run %d seq %d, want run %d seq %d", n, inst.Run, inst.Seq, n+1, 3*n+3)
				}
				evs, err := c.History(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				want := []string{"continue", "step", "step", "complete"}
				if n == 0 {
					want = want[1:]
				}
				if got := kindsOf(evs); strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("countdown(%d) history = %v, want %v", n, got, want)
				}
				runs, err := c.Runs(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if len(runs) != min(n, runtime.KeptRuns) {
					t.Fatalf("countdown(%d) kept %d earlier runs, want %d", n, len(runs), min(n, runtime.KeptRuns))
				}
				for i, r := range runs {
					run := n - len(runs) + 1 + i
					if r.Run != run || r.Seq != int64(3*run-1) || string(r.Output) != fmt.Sprint(n-run) {
						t.Errorf("countdown(%d) run %d = %+v, want run %d ending at seq %d with output %d", n, i, r, run, 3*run-1, n-run)
					}
				}
			}
		})
	}
}

func kindsOf(evs []runtime.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Kind
	}
	return out
}

// TestContinueAsNewRefused: an input that is not the workflow's, and a
// store that keeps no runs, fail the instance with an error that says
// so; a ContinueAsNew error kept in the frame across a checkpoint fails
// it too.
func TestContinueAsNewRefused(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		store runtime.Store
		next  func(n int) any
		want  string
	}{
		{"wrong input type", memstore.New(), func(int) any { return "three" }, "input string is not the workflow's input type int"},
		{"store keeps no runs", onlyStore{memstore.New()}, nil, "does not keep runs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wf := countdownWorkflow(map[string]bool{}, tc.next)
			w := runtime.NewWorker(tc.store, runtime.WorkerOptions{Logger: quiet()})
			register(t, w, wf)
			h, err := runtime.Start(ctx, runtime.NewClient(tc.store), wf, "c", 2)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := h.Result(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Result() error = %v, want one saying %q", err, tc.want)
			}
		})
	}
	t.Run("kept in the frame", func(t *testing.T) {
		var e runtime.Encoder
		e.Reset(nil)
		e.Error("err", durable.ContinueAsNew(nil, 1))
		if _, err := e.Bytes(); err == nil || !strings.Contains(err.Error(), "cannot be kept across a checkpoint") {
			t.Errorf("encoding a frame holding a ContinueAsNew error: error = %v, want one saying it cannot be kept", err)
		}
	})
}

// onlyStore hides the optional capabilities of its store.
type onlyStore struct{ runtime.Store }

// TestWorkerRetention: a worker with Retention deletes the instances that
// finished longer ago than it, and keeps those in progress and those
// that finished since.
func TestWorkerRetention(t *testing.T) {
	clock := durabletest.NewClock()
	store := memstore.NewWithClock(clock.Now)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := runtime.NewClient(store)
	nap, hello := napWorkflow(0), helloWorkflow()
	drainer := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet(), Now: clock.Now})
	register(t, drainer, nap, hello)
	for i := range 3 {
		if _, err := runtime.Start(ctx, c, nap, fmt.Sprint("old-", i), i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := runtime.Start(ctx, c, hello, "waiting", ""); err != nil {
		t.Fatal(err)
	}
	mustDrain(t, drainer, 4)
	clock.Advance(2 * time.Hour)
	if _, err := runtime.Start(ctx, c, nap, "recent", 9); err != nil {
		t.Fatal(err)
	}
	mustDrain(t, drainer, 1)

	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet(), Now: clock.Now, Retention: time.Hour, RetentionInterval: time.Millisecond})
	register(t, w, nap, hello)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; i < 3; {
		if _, err := c.Get(ctx, fmt.Sprint("old-", i)); errors.Is(err, runtime.ErrNotFound) {
			i++
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("old-%d still there 5s after the worker started", i)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, id := range []string{"waiting", "recent"} {
		if _, err := c.Get(ctx, id); err != nil {
			t.Errorf("Get(%s) after retention = %v, want it kept", id, err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run() = %v, want nil", err)
	}
	// A store that cannot purge is refused up front.
	w = runtime.NewWorker(onlyStore{store}, runtime.WorkerOptions{Logger: quiet(), Retention: time.Hour})
	register(t, w, nap)
	if err := w.Run(context.Background()); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Run() with Retention on a store that cannot purge = %v, want errors.ErrUnsupported", err)
	}
}

// TestContinueAsNewCrash kills the run of a workflow that continues as
// new right after each of its continuations (and its completion)
// commits, and loses the
// answer to the first continuation's commit: a new worker takes over
// each time, the instance ends with the result of its last run, and
// every run ended once (one summary each, no step run twice).
func TestContinueAsNewCrash(t *testing.T) {
	for name, store := range runsStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			keys := map[string]bool{}
			wf := countdownWorkflow(keys, nil)
			lossy := &lostAnswer{Store: store}
			crashes := 0
			hooks := runtime.Hooks{AfterCommit: func(id string, seq int64, s *runtime.Site) error {
				if s == nil { // a continuation or the completion
					crashes++
					return errCrash
				}
				return nil
			}}
			h, err := runtime.Start(ctx, runtime.NewClient(store), wf, "crashy", 4)
			if err != nil {
				t.Fatal(err)
			}
			for run := 0; ; run++ {
				w := runtime.NewWorker(lossy, runtime.WorkerOptions{Logger: quiet(), Hooks: hooks})
				register(t, w, wf)
				if _, err := w.Drain(ctx); err != nil && !errors.Is(err, errCrash) {
					t.Fatal(err)
				}
				inst, err := store.Get(ctx, "crashy")
				if err != nil {
					t.Fatal(err)
				}
				if inst.Status.Terminal() {
					break
				}
				if run > 20 {
					t.Fatalf("instance still %s after %d workers", inst.Status, run)
				}
			}
			got, err := h.Result(ctx)
			if err != nil || got != 10 {
				t.Errorf("Result() = %d, %v; want 10 distinct step keys", got, err)
			}
			runs, err := runtime.NewClient(store).Runs(ctx, "crashy")
			if err != nil || len(runs) != 4 || crashes != 5 || !lossy.lost {
				t.Errorf("Runs() = %d runs, %v after %d crashes (answer lost: %v); want 4 runs after 5 (4 continuations, 1 completion)", len(runs), err, crashes, lossy.lost)
			}
		})
	}
}

// lostAnswer is a store that commits the first continuation it is given
// and answers with a transient error, as a connection lost after the
// commit would.
type lostAnswer struct {
	runtime.Store
	lost bool
}

func (s *lostAnswer) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	err := s.Store.Checkpoint(ctx, cp)
	if err == nil && cp.Continue != nil && !s.lost {
		s.lost = true
		return transientErr{}
	}
	return err
}

func (s *lostAnswer) Runs(ctx context.Context, id string) ([]runtime.Run, error) {
	return s.Store.(runtime.Continuer).Runs(ctx, id)
}

type transientErr struct{}

func (transientErr) Error() string   { return "connection reset after the commit" }
func (transientErr) Transient() bool { return true }
