// Command worker runs the workflows of the kill test (package shop) from
// an SQLite store until it is interrupted, its stdin is closed, or it is
// killed, which is what the test does to it.
//
// Usage:
//
//	worker -db file [-lease d] [-concurrency n]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/durablegen/durable/internal/killtest/shop"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "workflow database `file`")
	lease := fs.Duration("lease", 500*time.Millisecond, "lease of claimed instances")
	concurrency := fs.Int("concurrency", 8, "instances run at once")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *db == "" {
		fmt.Fprintln(stderr, "worker: -db is required")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// Closing our stdin stops us too, and so does the test's death.
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	if err := work(ctx, *db, *lease, *concurrency, stderr); err != nil {
		fmt.Fprintf(stderr, "worker: %v\n", err)
		return 1
	}
	return 0
}

func work(ctx context.Context, db string, lease time.Duration, concurrency int, stderr io.Writer) error {
	store, err := sqlite.Open(db)
	if err != nil {
		return err
	}
	defer store.Close()
	w := runtime.NewWorker(store, runtime.WorkerOptions{
		Concurrency:  concurrency,
		Lease:        lease,
		PollInterval: 20 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err := w.Register(shop.OrderWorkflow); err != nil {
		return err
	}
	err = w.Run(ctx)
	st := store.Stats()
	fmt.Fprintf(stderr, "store: %d writes in %d transactions\n", st.Writes, st.Batches)
	return err
}
