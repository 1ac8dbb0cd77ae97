// Command worker runs the workflow of package flow from a PostgreSQL store
// until it is interrupted, its stdin is closed, or it is killed, which is
// what the tests of package pgmulti do to it. It writes its trace (see
// pgmulti.Event) to stdout and its warnings to stderr.
//
// Usage:
//
//	worker -dsn url -schema name -ledger name -owner name [-lease d] [-concurrency n]
//
// The steps write their ledger through a pool of their own, whose
// application_name is that of the DSN with "-ledger" appended, so that
// the tests can terminate the worker's store sessions and leave the
// ledger, their instrument, alone.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/durablegen/durable/internal/pgmulti"
	"github.com/durablegen/durable/internal/pgmulti/flow"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	dsn, schema, ledger, owner string
	lease                      time.Duration
	concurrency                int
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.dsn, "dsn", "", "PostgreSQL `url`")
	fs.StringVar(&cfg.schema, "schema", "", "schema of the store")
	fs.StringVar(&cfg.ledger, "ledger", "", "schema of the steps' ledger")
	fs.StringVar(&cfg.owner, "owner", "", "name of this worker in leases")
	fs.DurationVar(&cfg.lease, "lease", time.Second, "lease of claimed instances")
	fs.IntVar(&cfg.concurrency, "concurrency", 8, "instances run at once")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.dsn == "" || cfg.schema == "" || cfg.ledger == "" || cfg.owner == "" {
		fmt.Fprintln(stderr, "worker: -dsn, -schema, -ledger and -owner are required")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// Closing our stdin stops us too, and so does the test's death.
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	if err := work(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "worker: %v\n", err)
		return 1
	}
	return 0
}

func work(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := postgres.New(ctx, postgres.Config{DSN: cfg.dsn, Schema: cfg.schema, Logger: logger})
	if err != nil {
		return err
	}
	defer store.Close()
	ledger, err := openLedger(ctx, cfg)
	if err != nil {
		return err
	}
	defer ledger.Close()
	w := runtime.NewWorker(pgmulti.NewTracer(store, stdout), runtime.WorkerOptions{
		Concurrency:  cfg.concurrency,
		Lease:        cfg.lease,
		PollInterval: 50 * time.Millisecond,
		Owner:        cfg.owner,
		Logger:       logger,
	})
	if err := w.Register(flow.LedgerRunWorkflow.Bind(flow.NewLedger(ledger, cfg.ledger, cfg.owner))); err != nil {
		return err
	}
	return w.Run(ctx)
}

// openLedger opens the pool of the steps' ledger, named after the DSN's
// application_name with "-ledger" appended.
func openLedger(ctx context.Context, cfg config) (*pgxpool.Pool, error) {
	pcfg, err := pgxpool.ParseConfig(cfg.dsn)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	app := pcfg.ConnConfig.RuntimeParams["application_name"]
	if app == "" {
		return nil, errors.New("open ledger: the DSN sets no application_name")
	}
	pcfg.ConnConfig.RuntimeParams["application_name"] = app + "-ledger"
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	return pool, nil
}
