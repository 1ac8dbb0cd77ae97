// Command approval runs a purchase approval as a durable workflow: the
// approver gets two days to decide, a decision arrives as a signal, and
// when none comes in time the request is escalated to a manager, who
// gets two days too; when nobody decides the request expires. It kills
// the worker with SIGKILL just after it notified the person who will
// decide, before that notification was checkpointed, and shows that a
// second worker resumes the workflow without notifying anyone twice.
//
// Usage:
//
//	go run ./examples/approval [-approver answer] [-manager answer] [-skip=false] [-dir path] [-keep] [-crash=false] [-lease d]
//
// An answer is approve, reject or silent (no answer: the wait times out).
// By default the approver is silent and the manager approves, so the
// request is escalated once. The workflow (review/review.go) waits with
// durable.AwaitTimeout on the durable clock of the store and the workers
// (sqlite.Config.Now, runtime.WorkerOptions.Now): while the instance waits
// for someone who does not answer, the program moves that clock forward to
// the wait's deadline, which the worker then honours at once; with
// -skip=false each silent wait lasts its two days for real. The program
// plays the approver and the manager: it sends the decision signal when
// the workflow waits for the one whose answer is not silent. Notifications
// go to a ledger in a second SQLite file that de-duplicates them by step
// key and logs every call. The program prints the outcome, the history,
// the notifications and a PASS or FAIL line per check, and exits with
// status 1 if a check fails.
//
// After editing the workflow, regenerate its machine with
//
//	go generate ./examples/approval/...
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/examples/approval/review"
	"github.com/durablegen/durable/examples/internal/crashdemo"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// workflows are those the worker children run.
var workflows = []durable.Definition{review.ReviewWorkflow}

// run runs the program with args and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return crashdemo.Main("approval", workflows, args, stdout, stderr, parseFlags, demo)
}

// Answers a person can give.
const (
	approve = "approve"
	reject  = "reject"
	silent  = "silent"
)

// config is what the flags choose.
type config struct {
	answers []string // of the approver and the manager
	skip    bool
	dir     string
	keep    bool
	crash   bool
	lease   time.Duration
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("approval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	approver := fs.String("approver", silent, "the approver's `answer`: approve, reject or silent (the two-day wait times out and the request is escalated)")
	manager := fs.String("manager", approve, "the manager's `answer` after an escalation: approve, reject or silent (the request expires)")
	fs.BoolVar(&cfg.skip, "skip", true, "skip the durable clock ahead to the deadline of a wait nobody answers (false: wait the two days for real)")
	fs.StringVar(&cfg.dir, "dir", "", "`directory` of the workflow store and the notification ledger (default: a new temporary directory)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the databases of an earlier run in -dir, and keep the temporary directory at exit")
	fs.BoolVar(&cfg.crash, "crash", true, "kill the first worker with SIGKILL after it notified the person who decides")
	fs.DurationVar(&cfg.lease, "lease", 500*time.Millisecond, "worker lease: how long a dead worker's instance stays locked")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: approval [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, a := range []string{*approver, *manager} {
		if a != approve && a != reject && a != silent {
			err := fmt.Errorf("answer %q: want approve, reject or silent", a)
			fmt.Fprintln(stderr, err)
			return cfg, err
		}
	}
	cfg.answers = []string{*approver, *manager}
	if cfg.lease <= 0 {
		err := fmt.Errorf("-lease %v: want a positive lease", cfg.lease)
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	return cfg, nil
}
