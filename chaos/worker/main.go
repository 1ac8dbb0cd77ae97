// Command worker runs the workload of the fault harness (package
// chaos/load) from an SQLite or PostgreSQL store until its stdin ends or
// it gets SIGTERM or SIGINT (a graceful stop), or it is killed. It writes
// its trace (chaos/trace events) to stdout, its warnings to stderr, and
// its steps' executions to its own ledger file.
//
// Usage:
//
//	worker -store sqlite:PATH|postgres://... [-schema S] -ledger DIR -owner NAME [-lease D] [-concurrency N] [-poll D] [-shutdown D] [-synchronous MODE]
//
// Each line of stdin is a command from the harness: a fault to arm
// ("kill after-commit", see chaos/trace.ParseFault), or "clock D", which
// moves the SQLite store's clock by D from the wall clock (PostgreSQL
// stores read the database's clock, which the worker cannot move).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/durablegen/durable/chaos/load"
	"github.com/durablegen/durable/chaos/trace"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
	"github.com/durablegen/durable/runtime/sqlite"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type config struct {
	store, schema, ledger, owner string
	synchronous                  string // of an SQLite store
	lease, poll, shutdown        time.Duration
	concurrency                  int
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.store, "store", "", "store: sqlite:`PATH` or a PostgreSQL URL")
	fs.StringVar(&cfg.schema, "schema", "", "schema of a PostgreSQL store")
	fs.StringVar(&cfg.ledger, "ledger", "", "directory of the ledger files")
	fs.StringVar(&cfg.owner, "owner", "", "name of this worker in leases and in the ledger")
	fs.DurationVar(&cfg.lease, "lease", time.Second, "lease of claimed instances")
	fs.DurationVar(&cfg.poll, "poll", 50*time.Millisecond, "poll interval")
	fs.DurationVar(&cfg.shutdown, "shutdown", time.Second, "shutdown timeout")
	fs.IntVar(&cfg.concurrency, "concurrency", 8, "instances run at once")
	fs.StringVar(&cfg.synchronous, "synchronous", "", "synchronous mode of an SQLite store (FULL, the default, or NORMAL)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.store == "" || cfg.ledger == "" || cfg.owner == "" {
		fmt.Fprintln(stderr, "worker: -store, -ledger and -owner are required")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := work(ctx, stop, cfg, stdin, stdout, stderr); err != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "worker: %v\n", err)
		return 1
	}
	return 0
}

func work(ctx context.Context, stop func(), cfg config, stdin io.Reader, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var offset atomic.Int64 // of the SQLite store's clock
	store, closeStore, err := open(ctx, cfg, logger, func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
	if err != nil {
		return err
	}
	defer closeStore()
	traced := trace.Wrap(store, stdout, uint64(os.Getpid()))
	ledger, err := load.OpenLedger(cfg.ledger, cfg.owner, load.Hooks{
		Epoch: traced.Epoch,
		Crash: func() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL) },
	})
	if err != nil {
		return err
	}
	defer ledger.Close()
	go commands(stdin, traced, &offset, stop, logger)

	w := runtime.NewWorker(traced, runtime.WorkerOptions{
		Concurrency:     cfg.concurrency,
		Lease:           cfg.lease,
		PollInterval:    cfg.poll,
		ShutdownTimeout: cfg.shutdown,
		Owner:           cfg.owner,
		Logger:          logger,
	})
	if err := w.Register(load.LedgerRunWorkflow.Bind(ledger)); err != nil {
		return err
	}
	if err := w.Register(load.LedgerLeafWorkflow.Bind(ledger)); err != nil {
		return err
	}
	traced.Start(cfg.owner)
	return w.Run(ctx)
}

// open opens the store that cfg names; now is the SQLite store's clock.
func open(ctx context.Context, cfg config, logger *slog.Logger, now func() time.Time) (runtime.Store, func(), error) {
	if path, ok := strings.CutPrefix(cfg.store, "sqlite:"); ok {
		s, err := sqlite.New(sqlite.Config{Path: path, Now: now, Synchronous: cfg.synchronous})
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	}
	if !strings.HasPrefix(cfg.store, "postgres") {
		return nil, nil, errors.New("-store is neither sqlite:PATH nor a PostgreSQL URL")
	}
	s, err := postgres.New(ctx, postgres.Config{DSN: cfg.store, Schema: cfg.schema, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	return s, s.Close, nil
}

// commands reads the harness's commands until stdin ends, then stops the
// worker.
func commands(stdin io.Reader, s *trace.Store, offset *atomic.Int64, stop func(), logger *slog.Logger) {
	defer stop()
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		line := sc.Text()
		if d, ok := strings.CutPrefix(line, "clock "); ok {
			v, err := time.ParseDuration(d)
			if err != nil {
				logger.Error("bad clock command", "line", line, "error", err)
				continue
			}
			offset.Store(int64(v))
			continue
		}
		f, err := trace.ParseFault(line)
		if err != nil {
			logger.Error("bad command", "error", err)
			continue
		}
		s.Arm(f)
	}
}
