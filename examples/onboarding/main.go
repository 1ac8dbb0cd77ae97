// Command onboarding runs a seven-day email drip — a welcome email at
// once, follow-ups on days 1, 3 and 7 — as a durable workflow, on a
// durable clock that skips the days in between, so that the week passes
// in a second. It kills the
// worker running it with SIGKILL just after the day-1 email went out but
// before that send was checkpointed, and shows that a second worker
// resumes the drip where it stopped: the email is not sent twice, and the
// day-3 and day-7 emails keep their dates.
//
// Usage:
//
//	go run ./examples/onboarding [-skip=false] [-dir path] [-keep] [-crash=false] [-lease d]
//
// The workflow (drip/drip.go) sleeps with durable.SleepUntil on the
// durable clock of the store and the workers (sqlite.Config.Now,
// runtime.WorkerOptions.Now). While the instance sleeps, and nothing else
// can happen before its timer, the program moves that clock forward to the
// timer, which the worker then fires at once; with -skip=false it waits
// the seven days for real. The mail
// provider is a ledger in a second SQLite file that de-duplicates sends by
// their step key and logs every call, so what the killed worker did is
// there to inspect. The program prints the emails with their durable
// dates, the history, the provider's log and a PASS or FAIL line per
// check, and exits with status 1 if a check fails.
//
// After editing the workflow, regenerate its machine with
//
//	go generate ./examples/onboarding/...
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/examples/internal/crashdemo"
	"github.com/durablegen/durable/examples/onboarding/drip"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// workflows are those the worker children run.
var workflows = []durable.Definition{drip.OnboardWorkflow}

// run runs the program with args and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return crashdemo.Main("onboarding", workflows, args, stdout, stderr, parseFlags, demo)
}

// config is what the flags choose.
type config struct {
	skip  bool
	dir   string
	keep  bool
	crash bool
	lease time.Duration
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("onboarding", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&cfg.skip, "skip", true, "skip the durable clock ahead to the instance's timer while it sleeps (false: wait the days for real)")
	fs.StringVar(&cfg.dir, "dir", "", "`directory` of the workflow store and the mail provider's ledger (default: a new temporary directory)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the databases of an earlier run in -dir, and keep the temporary directory at exit")
	fs.BoolVar(&cfg.crash, "crash", true, "kill the first worker with SIGKILL after it sent the day-1 email")
	fs.DurationVar(&cfg.lease, "lease", 500*time.Millisecond, "worker lease: how long a dead worker's instance stays locked")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: onboarding [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.lease <= 0 {
		err := fmt.Errorf("-lease %v: want a positive lease", cfg.lease)
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	return cfg, nil
}
