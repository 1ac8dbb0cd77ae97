// Command provision provisions a stack of eight cloud resources as a
// durable workflow: it creates them all at once with durable.Go and
// durable.All, polls the ones not ready yet, together, with a durable
// sleep between rounds, and, when a resource fails, deletes every
// resource it created, last first (durable.Compensate). It kills the
// worker with SIGKILL after the eight creates ran at the cloud but before
// their checkpoint committed, and shows that a second worker resumes the
// workflow without creating anything twice.
//
// Usage:
//
//	go run ./examples/provision [-fail name] [-poll d] [-skip=false] [-dir path] [-keep] [-crash=false] [-lease d]
//
// The workflow (infra/provision.go) sleeps -poll (10s) between rounds of
// polls, on the durable clock of the store and the workers
// (sqlite.Config.Now, runtime.WorkerOptions.Now); while the instance
// sleeps, the program moves that clock forward to its timer, which the
// worker then fires at once (-skip=false: the sleeps last for real).
//
// With -fail db (or another resource's name: network, db, cache, queue,
// bucket, vm-1, vm-2, vm-3) that resource fails instead of becoming
// ready, and the compensations delete the whole stack. The cloud is a
// ledger in a second SQLite file that de-duplicates requests by their step
// key and logs every call. The program prints the stack, the history, the
// cloud's log and a PASS or FAIL line per check, and exits with status 1
// if a check fails.
//
// After editing the workflow, regenerate its machine with
//
//	go generate ./examples/provision/...
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/examples/internal/crashdemo"
	"github.com/durablegen/durable/examples/provision/infra"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// workflows are those the worker children run.
var workflows = []durable.Definition{infra.ProvisionWorkflow}

// run runs the program with args and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return crashdemo.Main("provision", workflows, args, stdout, stderr, parseFlags, demo)
}

// stack is the stack the program provisions.
func stack() []infra.Resource {
	return []infra.Resource{
		{Name: "network", Kind: "network"},
		{Name: "db", Kind: "db"},
		{Name: "cache", Kind: "cache"},
		{Name: "queue", Kind: "queue"},
		{Name: "bucket", Kind: "bucket"},
		{Name: "vm-1", Kind: "vm"},
		{Name: "vm-2", Kind: "vm"},
		{Name: "vm-3", Kind: "vm"},
	}
}

// config is what the flags choose.
type config struct {
	fail  string
	poll  time.Duration
	skip  bool
	dir   string
	keep  bool
	crash bool
	lease time.Duration
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("provision", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.fail, "fail", "", "`name` of a resource that fails to provision, so that the compensations delete the stack")
	fs.DurationVar(&cfg.poll, "poll", 10*time.Second, "durable sleep between rounds of status polls")
	fs.BoolVar(&cfg.skip, "skip", true, "skip the durable clock ahead to the instance's timer while it sleeps (false: sleep for real)")
	fs.StringVar(&cfg.dir, "dir", "", "`directory` of the workflow store and the cloud's ledger (default: a new temporary directory)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the databases of an earlier run in -dir, and keep the temporary directory at exit")
	fs.BoolVar(&cfg.crash, "crash", true, "kill the first worker with SIGKILL after the creates ran, before their checkpoint committed")
	fs.DurationVar(&cfg.lease, "lease", 500*time.Millisecond, "worker lease: how long a dead worker's instance stays locked")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: provision [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	names := []string{}
	for _, r := range stack() {
		names = append(names, r.Name)
	}
	if cfg.fail != "" && !slices.Contains(names, cfg.fail) {
		err := fmt.Errorf("-fail %q: want one of %q", cfg.fail, names)
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	if cfg.poll < 0 || cfg.lease <= 0 {
		err := fmt.Errorf("-poll %v, -lease %v: want a non-negative poll and a positive lease", cfg.poll, cfg.lease)
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	return cfg, nil
}
