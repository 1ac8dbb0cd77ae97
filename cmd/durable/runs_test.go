package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// seedRuns creates a store at path on a fixed clock with instances of a
// workflow that continues as new, run until none is runnable:
//
//	renew-3   completed in run 4 (continued as new 3 times)
//	renew-0   completed in its first run
//	renew-9   ready: started after the run, in its first run
func seedRuns(ctx context.Context, path string) error {
	clk := &clock{t: seedStart}
	store, err := sqlite.New(sqlite.Config{Path: path, Now: clk.now, Synchronous: "NORMAL"})
	if err != nil {
		return err
	}
	defer store.Close()
	wf := renewFlow()
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: slog.New(slog.DiscardHandler), Owner: "worker-1", Now: clk.now})
	if err := w.Register(wf); err != nil {
		return err
	}
	c := runtime.NewClient(store)
	for _, n := range []int{3, 0} {
		if err := start(ctx, c, wf, "renew-"+string(rune('0'+n)), n); err != nil {
			return err
		}
	}
	for {
		n, err := w.Drain(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		clk.advance(time.Minute)
	}
	return start(ctx, c, wf, "renew-9", 9)
}

var siteTick = runtime.Site{ID: 1, Kind: "step", Name: "Tick", Pos: "ops.go:12:9"}

// renewFlow is a workflow that runs a step, then continues as new with
// its input minus one until it is 0, and returns 0.
func renewFlow() *durable.Workflow[int, int] {
	return durable.NewWorkflow[int, int]("example.com/ops.Renew", "v1", func() any { return &renewFrame{} })
}

type renewFrame struct {
	pc, n int
	err   error
}

func (f *renewFrame) SetInput(n int) { f.n = n }

func (f *renewFrame) MarshalFrame(e *runtime.Encoder) {
	e.Int("pc", int64(f.pc))
	e.Int("n", int64(f.n))
	e.Error("err", f.err)
}

func (f *renewFrame) UnmarshalFrame(d *runtime.Decoder) error {
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

func (f *renewFrame) Run(x *runtime.Exec) error {
	for {
		switch f.pc {
		case 0:
			f.err = runtime.CallErr(x, &siteTick, func(ctx context.Context) error { return nil })
			if err := x.Commit(&f.pc, 1); err != nil {
				return err
			}
		case 1:
			if f.err != nil || f.n == 0 {
				return runtime.Return(x, f.n, f.err)
			}
			return runtime.Return(x, -1, durable.ContinueAsNew(x.Context(), f.n-1))
		default:
			return runtime.BadState(f.pc)
		}
	}
}
