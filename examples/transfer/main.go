// Command transfer runs a durable payment workflow, kills the worker
// running it with SIGKILL in the middle, and shows that a new worker
// resumes it at its last committed checkpoint, with no step that had
// committed running twice.
//
// The workflow (payments/transfer.go) charges an account at a bank, polls the
// charge until it settles with a durable sleep between polls, waits for
// an approval signal when the amount is over $10,000, and credits the
// other account. The "bank" is a ledger in a second SQLite file that
// de-duplicates requests like a real payment API and logs every call, so
// the effects of the killed worker are there to inspect.
//
// Usage:
//
//	go run ./examples/transfer [-amount cents] [-poll d] [-db path] [-keep] [-crash=false]
//
// The program starts the instance, runs the worker in a child process
// (the same executable), stops that child for good with SIGKILL after a
// PollStatus step ran at the bank but before its checkpoint committed,
// starts a second child that takes the instance over once the dead
// worker's lease expires, and then prints where the run resumed, the
// receipt, the history, the bank's log and a PASS or FAIL line per check.
// It exits with status 1 if a check fails.
//
// After editing the workflow, regenerate its machine with
//
//	go generate ./examples/transfer/...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/durablegen/durable/examples/transfer/payments"
)

// workerArg, as the first argument, makes the program a worker child.
const workerArg = "-worker"

// workerEnv is set in the environment of worker children, for a test
// binary standing in for the program (see main_test.go).
const workerEnv = "DURABLE_TRANSFER_WORKER"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the program with args and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(args) > 0 && args[0] == workerArg {
		return runWorker(ctx, args[1:], stdout, stderr)
	}
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	ok, err := demo(ctx, cfg, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "transfer: %v\n", err)
		return 1
	}
	if !ok {
		return 1
	}
	return 0
}

// config is what the flags choose.
type config struct {
	amount int64
	poll   time.Duration
	db     string
	keep   bool
	crash  bool
	lease  time.Duration
	reject bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("transfer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Int64Var(&cfg.amount, "amount", 250_00, "amount in cents; over 1000000 ($10,000) the transfer waits for an approval, which this program sends")
	fs.DurationVar(&cfg.poll, "poll", 300*time.Millisecond, "durable sleep between status polls of the charge")
	fs.StringVar(&cfg.db, "db", "", "workflow database `file` (default: durable.db in a new temporary directory); the bank's ledger goes next to it")
	fs.BoolVar(&cfg.keep, "keep", false, "keep existing databases at -db, and keep the temporary directory at exit")
	fs.BoolVar(&cfg.crash, "crash", true, "kill the first worker with SIGKILL in the middle of the workflow")
	fs.DurationVar(&cfg.lease, "lease", time.Second, "worker lease: how long a dead worker's instance stays locked")
	fs.BoolVar(&cfg.reject, "reject", false, "with an -amount over 1000000: refuse the approval, so that the transfer fails and its compensation refunds the charge")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: transfer [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case cfg.reject && cfg.amount <= payments.ApprovalThreshold:
		err := fmt.Errorf("-reject refuses the approval that only an -amount over %d waits for", int64(payments.ApprovalThreshold))
		fs.Usage()
		return cfg, err
	case cfg.amount <= 0:
		err := fmt.Errorf("-amount %d: want a positive number of cents", cfg.amount)
		fmt.Fprintln(stderr, err)
		return cfg, err
	case cfg.poll < 0 || cfg.lease <= 0:
		err := fmt.Errorf("-poll %v, -lease %v: want a non-negative poll and a positive lease", cfg.poll, cfg.lease)
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	return cfg, nil
}
