package crashdemo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// workerArg, as the first argument, makes a program a worker child.
const workerArg = "-worker"

// WorkerEnv is set in the environment of worker children, so that a test
// binary standing in for the program knows to call [WorkerMain]:
//
//	func TestMain(m *testing.M) {
//		if os.Getenv(crashdemo.WorkerEnv) == "1" {
//			os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
//		}
//		os.Exit(m.Run())
//	}
const WorkerEnv = "DURABLE_EXAMPLE_WORKER"

// A worker child reports to its parent on stdout, one tab-separated line
// per event:
//
//	ready       <pid>
//	ran         <seq> <kind> <name> <pos>   (a step, or the steps of a durable.All, ran: its checkpoint commits next)
//	checkpoint  <seq> <kind> <name> <pos>   (kind "end" when the workflow ended)
//	paused      <seq> <kind> <name> <pos>   (a step ran; its checkpoint is not committed, and the worker stops)
const (
	lineReady      = "ready"
	lineRan        = "ran"
	lineCheckpoint = "checkpoint"
	linePaused     = "paused"
	kindEnd        = "end"
)

// IsWorker reports whether args, a program's arguments, start a worker
// child.
func IsWorker(args []string) bool {
	return len(args) > 0 && args[0] == workerArg
}

// Open opens the SQLite store at path on clock c (nil: the real clock).
func Open(path string, c *Clock) (*sqlite.Store, error) {
	cfg := sqlite.Config{Path: path}
	if c.Skips() {
		cfg.Now = c.Now
	}
	return sqlite.New(cfg)
}

// WorkerMain is a worker child: it runs the instances of workflows in the
// store its arguments name until its stdin is closed or ctx is done, and
// reports every committed checkpoint on stdout. It returns the exit
// status.
func WorkerMain(ctx context.Context, args []string, workflows []durable.Definition, stdout, stderr io.Writer) int {
	name := "worker"
	if len(args) > 0 && args[0] == workerArg {
		args = args[1:]
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "workflow database `file`")
	lease := fs.Duration("lease", time.Second, "lease of claimed instances")
	var p Pause
	fs.StringVar(&p.Kind, "pause-kind", "", "kind of the checkpoint to pause at")
	fs.StringVar(&p.Name, "pause-name", "", "name of the checkpoint to pause at (empty: any)")
	fs.IntVar(&p.N, "pause-n", 0, "stop after the `n`th matching step ran, before its checkpoint commits")
	c := new(Clock)
	fs.StringVar(&c.Path, "clock", "", "`file` of the skipping clock's offset (empty: the real clock)")
	verbose := fs.Bool("v", false, "log at info level instead of warn")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *db == "" {
		fmt.Fprintln(stderr, "worker: -db is required")
		return 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// The parent closes our stdin to stop us, and so does its death.
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := work(ctx, *db, c, *lease, p, workflows, logger, stdout); err != nil {
		fmt.Fprintf(stderr, "worker: %v\n", err)
		return 1
	}
	return 0
}

func work(ctx context.Context, db string, c *Clock, lease time.Duration, p Pause, workflows []durable.Definition, logger *slog.Logger, stdout io.Writer) error {
	store, err := Open(db, c)
	if err != nil {
		return err
	}
	defer store.Close()
	r := &reporter{w: stdout, pause: p, stopped: ctx.Done()}
	opts := runtime.WorkerOptions{
		Concurrency: 1,
		Lease:       lease,
		Logger:      logger,
		Hooks:       runtime.Hooks{AfterStep: r.afterStep, AfterCommit: r.afterCommit},
	}
	if c.Skips() {
		opts.Now = c.Now
	}
	w := runtime.NewWorker(store, opts)
	for _, wf := range workflows {
		if err := w.Register(wf); err != nil {
			return err
		}
	}
	r.printf("%s\t%d\n", lineReady, os.Getpid())
	return w.Run(ctx)
}

// Pause is where the first worker stops for good: after the Nth step (or
// durable.All batch) of kind Kind and name Name ran, before its
// checkpoint commits. An empty Name matches any; N 0 never pauses.
type Pause struct {
	Kind, Name string
	N          int
}

func (p Pause) matches(s *runtime.Site) bool {
	return p.N > 0 && s != nil && s.Kind == p.Kind && (p.Name == "" || s.Name == p.Name)
}

func (p Pause) args() []string {
	if p.N <= 0 {
		return nil
	}
	return []string{"-pause-kind", p.Kind, "-pause-name", p.Name, "-pause-n", fmt.Sprint(p.N)}
}

// reporter implements the worker's hooks: it reports checkpoints to the
// parent and holds the pause.
type reporter struct {
	stopped <-chan struct{} // closed when the parent stops the worker
	pause   Pause

	mu   sync.Mutex
	w    io.Writer
	seen int
}

func (r *reporter) printf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, format, args...)
}

func (r *reporter) afterCommit(id string, seq int64, s *runtime.Site) error {
	if s == nil {
		r.printf("%s\t%d\t%s\t\t\n", lineCheckpoint, seq, kindEnd)
		return nil
	}
	r.printf("%s\t%d\t%s\t%s\t%s\n", lineCheckpoint, seq, s.Kind, field(s.Name), s.Pos)
	return nil
}

// field keeps a name on one field of a report line.
func field(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ").Replace(s)
}

// errPaused stops a run held at the pause when the worker is stopped.
var errPaused = errors.New("run stopped at the pause")

func (r *reporter) afterStep(id string, seq int64, s *runtime.Site) error {
	hold := false
	if r.pause.matches(s) {
		r.mu.Lock()
		r.seen++
		hold = r.seen == r.pause.N
		r.mu.Unlock()
	}
	if !hold {
		r.printf("%s\t%d\t%s\t%s\t%s\n", lineRan, seq, s.Kind, field(s.Name), s.Pos)
		return nil
	}
	r.printf("%s\t%d\t%s\t%s\t%s\n", linePaused, seq, s.Kind, field(s.Name), s.Pos)
	<-r.stopped
	return errPaused
}
