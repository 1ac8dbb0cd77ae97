package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/equiv"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"durable":  func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		"seed":     func() { os.Exit(mainHelper(seed)) },
		"work":     func() { os.Exit(mainHelper(work)) },
		"seedruns": func() { os.Exit(mainHelper(seedRuns)) },
	})
}

// TestScripts runs the commands against SQLite stores filled by real
// workers: testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}

// mainHelper runs fn on the store named by the one argument.
func mainHelper(fn func(ctx context.Context, path string) error) int {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: seed|work DB")
		return 2
	}
	if err := fn(context.Background(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// seedStart is the store clock of seed: instance i is created i seconds
// after it.
var seedStart = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is a store clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// seed creates a store at path on a fixed clock, starts instances of
// the equiv workflows and of a buggy one, and runs them until none is
// runnable:
//
//	seq-1          completed
//	approve-big    waiting for signal "approval"
//	approve-small  completed
//	poll-1         sleeping until seedStart+3s+30m
//	errors-2       failed: its workflow returned an error
//	buggy-1        failed: its workflow panicked after checkpoint 1
//	cancel-me      waiting for signal "approval"
//	later-1        ready (started after the run)
func seed(ctx context.Context, path string) error {
	clk := &clock{t: seedStart}
	store, err := sqlite.New(sqlite.Config{Path: path, Now: clk.now, Synchronous: "NORMAL"})
	if err != nil {
		return err
	}
	defer store.Close()
	w, err := newWorker(store, true)
	if err != nil {
		return err
	}
	c := runtime.NewClient(store)
	starts := []func() error{
		func() error { return start(ctx, c, equiv.SequenceWorkflow, "seq-1", 1) },
		func() error { return start(ctx, c, equiv.ApprovalWorkflow, "approve-big", 20_000_00) },
		func() error { return start(ctx, c, equiv.ApprovalWorkflow, "approve-small", 5) },
		func() error { return start(ctx, c, equiv.ForeverBreakWorkflow, "poll-1", 1) },
		func() error { return start(ctx, c, equiv.ErrorsWorkflow, "errors-2", 2) },
		func() error { return start(ctx, c, buggyFlow(true), "buggy-1", 4) },
		func() error { return start(ctx, c, equiv.ApprovalWorkflow, "cancel-me", 30_000_00) },
	}
	for _, s := range starts {
		if err := s(); err != nil {
			return err
		}
		clk.advance(time.Second)
	}
	if _, err := w.Drain(ctx); err != nil {
		return err
	}
	// Started by a client whose observer records a trace context.
	traced := runtime.NewClient(store, runtime.WithObserver(seedTrace{}))
	return start(ctx, traced, equiv.SequenceWorkflow, "later-1", 2)
}

// seedTrace is an observer that gives the instances it starts a fixed
// trace context.
type seedTrace struct{}

func (seedTrace) RunStart(ctx context.Context, _ runtime.RunInfo) context.Context { return ctx }
func (seedTrace) RunEnd(context.Context, runtime.RunInfo, runtime.RunEnd)         {}
func (seedTrace) TraceContext(context.Context) string {
	return "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
}

// work runs every runnable instance of the store at path on the real
// clock, with the bug of the buggy workflow fixed.
func work(ctx context.Context, path string) error {
	store, err := sqlite.Open(path)
	if err != nil {
		return err
	}
	defer store.Close()
	w, err := newWorker(store, false)
	if err != nil {
		return err
	}
	n, err := w.Drain(ctx)
	fmt.Printf("ran %d\n", n)
	return err
}

func newWorker(store runtime.Store, bug bool) (*runtime.Worker, error) {
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: slog.New(slog.DiscardHandler), Owner: "worker-1"})
	for _, d := range []durable.Definition{equiv.SequenceWorkflow, equiv.ApprovalWorkflow, equiv.ForeverBreakWorkflow,
		equiv.ErrorsWorkflow, buggyFlow(bug)} {
		if err := w.Register(d); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func start[In, Out any](ctx context.Context, c *runtime.Client, wf *durable.Workflow[In, Out], id string, in In) error {
	_, err := runtime.Start(ctx, c, wf, id, in)
	return err
}

var siteDouble = runtime.Site{ID: 1, Kind: "step", Name: "Double", Pos: "ops.go:7:9"}

// buggyFlow is a workflow that doubles its input in a step and then, in
// the build with the bug, panics before returning.
func buggyFlow(bug bool) *durable.Workflow[int, int] {
	return durable.NewWorkflow[int, int]("example.com/ops.Buggy", "v1", func() any {
		return &buggyFrame{bug: bug}
	})
}

type buggyFrame struct {
	bug bool
	pc  int
	n   int
	err error
}

func (f *buggyFrame) SetInput(n int) { f.n = n }

func (f *buggyFrame) MarshalFrame(e *runtime.Encoder) {
	e.Int("pc", int64(f.pc))
	e.Int("n", int64(f.n))
	e.Error("err", f.err)
}

func (f *buggyFrame) UnmarshalFrame(d *runtime.Decoder) error {
	for d.Next() {
		switch d.Key() {
		case "pc":
			f.pc = int(d.Int())
		case "n":
			f.n = int(d.Int())
		case "err":
			f.err = d.Error()
		}
	}
	return d.Err()
}

func (f *buggyFrame) Run(x *runtime.Exec) error {
	for {
		switch f.pc {
		case 0:
			f.n, f.err = runtime.Call(x, &siteDouble, func(ctx context.Context) (int, error) { return 2 * f.n, nil })
			if err := x.Commit(&f.pc, 1); err != nil {
				return err
			}
		case 1:
			if f.bug {
				var m map[string]int
				m["n"] = f.n // the bug: a nil map
			}
			return runtime.Return(x, f.n+1, f.err)
		default:
			return runtime.BadState(f.pc)
		}
	}
}
