// Command chaos is the fault harness of durablegen: it runs worker
// processes of a mixed workload (package chaos/load) on SQLite or
// PostgreSQL while a nemesis kills, stops and terminates them, restarts
// the database or moves a worker's clock, and then checks from the
// store's tables, the steps' ledger and the workers' traces that nothing
// was lost, committed twice or run again after it committed.
//
// Usage:
//
//	go run ./chaos -scenario NAME [-duration D] [-long] [-seed N] [-keep] [-v]
//
// NAME is a scenario ("sigkill/sqlite"), its first part ("sigkill": both
// stores), or "all"; -list lists them. The default is the short profile
// that go test ./chaos runs; -long runs the long one, and -duration sets
// how long each nemesis runs. PostgreSQL scenarios need
// DURABLE_POSTGRES_DSN; those that restart the database create a cluster
// of their own with initdb and pg_ctl. docs/reliability.md has the
// guarantees and the figures.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("scenario", "", "scenario to run: a name, its first part, or all")
	list := fs.Bool("list", false, "list the scenarios")
	var cfg runConfig
	fs.DurationVar(&cfg.duration, "duration", 0, "how long each nemesis runs (default: the profile's)")
	fs.BoolVar(&cfg.long, "long", false, "run the long profile")
	fs.Uint64Var(&cfg.seed, "seed", uint64(time.Now().UnixNano()), "seed of the nemesis and the workload")
	fs.BoolVar(&cfg.keep, "keep", false, "keep each run's directory (stores, ledgers) and print it")
	fs.StringVar(&cfg.synchronous, "synchronous", "", "synchronous mode of the SQLite workers (NORMAL: commits not synced, which the power-cut scenario must catch)")
	verbose := fs.Bool("v", false, "print the workers' stderr of failed scenarios")
	fs.StringVar(&cfg.tmpfs, "tmpfs", "", "set by the harness when it runs itself in a mount namespace: the directory mounted there")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *list {
		for _, sc := range scenarios() {
			fmt.Fprintf(stdout, "%-18s %s\n", sc.name, sc.about)
		}
		return 0
	}
	chosen := selectScenarios(*name)
	if len(chosen) == 0 {
		fmt.Fprintf(stderr, "chaos: no scenario %q (-list lists them)\n", *name)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "chaos-")
	if err != nil {
		fmt.Fprintf(stderr, "chaos: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	cfg.dir = dir
	if cfg.keep {
		cfg.dir = os.TempDir()
	}
	if cfg.self, err = os.Executable(); err != nil {
		fmt.Fprintf(stderr, "chaos: %v\n", err)
		return 1
	}
	if cfg.worker, err = buildWorker(dir); err != nil {
		fmt.Fprintf(stderr, "chaos: %v\n", err)
		return 1
	}
	if cfg.tmpfs == "" {
		fmt.Fprintf(stdout, "seed %d\n", cfg.seed)
		printKnown(stdout)
	}
	failed := 0
	for _, sc := range chosen {
		r := runScenario(ctx, cfg, sc)
		r.print(stdout, *verbose)
		if r.failed() {
			failed++
		}
		if ctx.Err() != nil {
			break
		}
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "%d of %d scenarios failed\n", failed, len(chosen))
		return 1
	}
	return 0
}
