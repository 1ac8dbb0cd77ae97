package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/durablegen/durable/examples/transfer/payments"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// A worker child reports to its parent on stdout, one tab-separated line
// per event:
//
//	ready       <pid>
//	checkpoint  <seq> <kind> <name> <pos>   (kind "end" when the workflow finished)
//	paused      <seq> <name> <pos>          (a step ran; its checkpoint is not committed)
const (
	lineReady      = "ready"
	lineCheckpoint = "checkpoint"
	linePaused     = "paused"
	kindEnd        = "end"
)

// runWorker is the worker child: it runs the workflows of the store at
// -db until its stdin is closed or it is interrupted, and reports every
// committed checkpoint on stdout. With -pause n it stops for good after
// the nth PollStatus step it runs, before committing its checkpoint, and
// waits there to be killed.
func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("transfer "+workerArg, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "workflow database `file`")
	lease := fs.Duration("lease", time.Second, "lease of claimed instances")
	pause := fs.Int("pause", 0, "stop after the `n`th PollStatus step ran, before its checkpoint commits")
	verbose := fs.Bool("v", false, "log at info level instead of warn")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *db == "" {
		fmt.Fprintln(stderr, "transfer worker: -db is required")
		return 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// The parent closes our stdin to stop us, and so does its death.
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if err := work(ctx, *db, *lease, *pause, *verbose, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "transfer worker: %v\n", err)
		return 1
	}
	return 0
}

func work(ctx context.Context, db string, lease time.Duration, pause int, verbose bool, stdout, stderr io.Writer) error {
	store, err := sqlite.Open(db)
	if err != nil {
		return err
	}
	defer store.Close()
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelInfo
	}
	r := &reporter{w: stdout, pause: pause, stopped: ctx.Done()}
	w := runtime.NewWorker(store, runtime.WorkerOptions{
		Concurrency: 1,
		Lease:       lease,
		Logger:      slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
		Hooks:       runtime.Hooks{AfterStep: r.afterStep, AfterCommit: r.afterCommit},
	})
	if err := w.Register(payments.TransferWorkflow); err != nil {
		return err
	}
	r.printf("%s\t%d\n", lineReady, os.Getpid())
	return w.Run(ctx)
}

// reporter implements the worker's hooks: it reports checkpoints to the
// parent and holds the pause.
type reporter struct {
	stopped <-chan struct{} // closed when the parent stops the worker
	pause   int

	mu    sync.Mutex
	w     io.Writer
	polls int
}

func (r *reporter) printf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, format, args...)
}

func (r *reporter) afterCommit(id string, seq int64, s *runtime.Site) error {
	if s == nil {
		r.printf("%s\t%d\t%s\t%s\t%s\n", lineCheckpoint, seq, kindEnd, "", "")
		return nil
	}
	r.printf("%s\t%d\t%s\t%s\t%s\n", lineCheckpoint, seq, s.Kind, s.Name, s.Pos)
	return nil
}

// errPaused stops a run held at the pause when the worker is stopped.
var errPaused = errors.New("run stopped at the pause")

func (r *reporter) afterStep(id string, seq int64, s *runtime.Site) error {
	if s.Name != "PollStatus" || r.pause <= 0 {
		return nil
	}
	r.mu.Lock()
	r.polls++
	hold := r.polls == r.pause
	r.mu.Unlock()
	if !hold {
		return nil
	}
	r.printf("%s\t%d\t%s\t%s\n", linePaused, seq, s.Name, s.Pos)
	<-r.stopped
	return errPaused
}
