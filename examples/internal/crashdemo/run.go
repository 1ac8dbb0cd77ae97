package crashdemo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/durablegen/durable/runtime"
)

// Config says how [Run] runs an instance.
type Config struct {
	DB     string          // the SQLite workflow store, created by the caller
	Client *runtime.Client // a client of that store
	ID     string          // the instance, started by the caller
	Clock  *Clock          // the store's and workers' clock; nil: the real clock
	Lease  time.Duration   // worker lease: how long a dead worker's instance stays locked
	Pause  Pause           // where the first worker is killed; N 0 runs one worker to the end
	Out    io.Writer       // the story of the run
	Stderr io.Writer       // the workers' logs

	// OnCommit, if set, is called for each checkpoint a worker reports
	// committed (not the end of the workflow), in order, before the
	// worker's next report is read. It may act on the instance (send a
	// signal) and returns a note to print after the checkpoint, or an
	// error that stops the run.
	OnCommit func(ctx context.Context, c Commit) (note string, err error)
}

// Commit is a checkpoint a worker reported committed.
type Commit struct {
	Worker    int // 1 or 2
	Seq       int64
	Kind      string // "step", "sleep", "await", "all", "compensate", ...
	Name      string
	Pos       string // file:line:col of the checkpoint in the workflow's source
	Described string // "kind name (file:line)"
}

// Result is what [Run] saw.
type Result struct {
	// Skipped is how far the clock was moved forward in all.
	Skipped time.Duration
	// KilledAt is the number of checkpoints committed when the first
	// worker was killed; -1 when it was not (it ran the instance to its end).
	KilledAt int64
	// Sites describes the checkpoint committed at each sequence number
	// ("step Send (drip.go:41)"; "end" for the final one).
	Sites map[int64]string
	// Workers maps the process ID of each worker to its number.
	Workers map[int]int
	// Runs counts the runs of the steps of each checkpoint the workers
	// reported (the run the kill cut off included): one, or more when a
	// run could not commit — cut off by the kill, or fenced after its
	// lease expired (a worker starved of CPU for longer than its lease).
	Runs map[int64]int
	// RanAfterCommit lists the checkpoints whose steps a worker reported
	// running again after the checkpoint had committed: none, unless
	// exactly-once is broken.
	RanAfterCommit []int64

	last int64 // the last checkpoint reported committed
}

// Run runs instance cfg.ID of cfg.DB to its end: in one worker, or, with
// cfg.Pause set, in a worker killed with SIGKILL after the paused step ran
// but before its checkpoint committed, and then in a second one. With a
// skipping cfg.Clock, when the instance waits for a timer after its last
// reported checkpoint (and cfg.OnCommit did not wake it), the clock
// skips to the timer. Run returns when a worker reports the end of a
// workflow and the workers have stopped.
func Run(ctx context.Context, cfg Config) (Result, error) {
	res := Result{KilledAt: -1, Sites: map[int64]string{}, Workers: map[int]int{}, Runs: map[int64]int{}}
	if cfg.Clock.Skips() && (cfg.Client == nil || cfg.ID == "") {
		return res, errors.New("crashdemo: a skipping clock needs Config.Client and Config.ID, to see when the instance sleeps")
	}
	args := append([]string{"-db", cfg.DB, "-lease", cfg.Lease.String()}, cfg.Clock.args()...)
	w1, err := start(ctx, cfg, &res, 1, append(args, cfg.Pause.args()...))
	if err != nil {
		return res, err
	}
	defer w1.kill()
	paused, err := follow(ctx, cfg, &res, w1)
	if err != nil {
		return res, err
	}
	if paused < 0 {
		return res, w1.stop()
	}
	if err := w1.kill(); err != nil {
		return res, err
	}
	res.KilledAt = paused - 1
	fmt.Fprintf(cfg.Out, "SIGKILL worker 1 (pid %d): it died holding the lease, with checkpoint %d not committed\n", w1.pid, paused)
	w2, err := start(ctx, cfg, &res, 2, args)
	if err != nil {
		return res, err
	}
	defer w2.kill()
	fmt.Fprintf(cfg.Out, "  worker 2 takes the instance over when the dead worker's lease expires (within %v)\n", cfg.Lease)
	if _, err := follow(ctx, cfg, &res, w2); err != nil {
		return res, err
	}
	return res, w2.stop()
}

func start(ctx context.Context, cfg Config, res *Result, n int, args []string) (*child, error) {
	c, err := startChild(ctx, n, args, cfg.Stderr)
	if err != nil {
		return nil, err
	}
	res.Workers[c.pid] = n
	fmt.Fprintf(cfg.Out, "worker %d started (pid %d)\n", n, c.pid)
	return c, nil
}

// idle is how long a worker reports nothing before [Run] looks whether
// the clock can skip to the instance's timer.
const idle = 20 * time.Millisecond

// follow prints the reports of worker c until a workflow ends (-1) or the
// worker pauses before a commit (the sequence number of that checkpoint).
func follow(ctx context.Context, cfg Config, res *Result, c *child) (paused int64, err error) {
	tick := time.NewTicker(idle)
	defer tick.Stop()
	for {
		var f []string
		var ok bool
		select {
		case f, ok = <-c.lines:
		case <-tick.C:
			if err := skip(ctx, cfg, res); err != nil {
				return -1, err
			}
			continue
		case <-ctx.Done():
			return -1, fmt.Errorf("follow worker %d: %w", c.n, ctx.Err())
		}
		tick.Reset(idle)
		if !ok {
			return -1, fmt.Errorf("worker %d (pid %d) exited unexpectedly: %v", c.n, c.pid, c.wait())
		}
		if len(f) != 5 {
			return -1, fmt.Errorf("worker %d: unexpected report %q", c.n, strings.Join(f, " "))
		}
		seq, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return -1, fmt.Errorf("worker %d: unexpected report %q", c.n, strings.Join(f, " "))
		}
		switch {
		case f[0] == lineCheckpoint && f[2] == kindEnd:
			res.Sites[seq] = "end"
			fmt.Fprintf(cfg.Out, "  worker %d: checkpoint %d committed: workflow ended\n", c.n, seq)
			return -1, nil
		case f[0] == lineCheckpoint:
			cm := Commit{Worker: c.n, Seq: seq, Kind: f[2], Name: f[3], Pos: f[4], Described: Describe(f[2], f[3], f[4])}
			res.Sites[seq] = cm.Described
			res.last = seq
			note := ""
			if cfg.OnCommit != nil {
				if note, err = cfg.OnCommit(ctx, cm); err != nil {
					return -1, err
				}
			}
			if note != "" {
				note = ": " + note
			}
			fmt.Fprintf(cfg.Out, "  worker %d: checkpoint %d committed: %s%s\n", c.n, seq, cm.Described, note)
		case f[0] == lineRan:
			res.ran(seq)
		case f[0] == linePaused:
			res.ran(seq)
			fmt.Fprintf(cfg.Out, "  worker %d: checkpoint %d: %s ran; its checkpoint is not committed yet\n", c.n, seq, Describe(f[2], f[3], f[4]))
			return seq, nil
		default:
			return -1, fmt.Errorf("worker %d: unexpected report %q", c.n, strings.Join(f, " "))
		}
	}
}

// ran records a run of the steps of checkpoint seq.
func (res *Result) ran(seq int64) {
	res.Runs[seq]++
	if _, ok := res.Sites[seq]; ok {
		res.RanAfterCommit = append(res.RanAfterCommit, seq)
	}
}

// skip moves a skipping clock to the wake-up time of the instance if it
// sleeps, or waits with a timeout, since the last checkpoint reported.
func skip(ctx context.Context, cfg Config, res *Result) error {
	if !cfg.Clock.Skips() {
		return nil
	}
	inst, err := cfg.Client.Get(ctx, cfg.ID)
	if err != nil {
		return err
	}
	suspended := inst.Status == runtime.StatusSleeping || inst.Status == runtime.StatusWaiting
	if !suspended || inst.Seq != res.last || inst.WakeAt.IsZero() {
		return nil
	}
	d, err := cfg.Clock.SkipTo(inst.WakeAt)
	if err != nil || d <= 0 {
		return err
	}
	res.Skipped += d
	what := "timer"
	if inst.Status == runtime.StatusWaiting {
		what = "timeout of the wait for " + inst.AwaitName
	}
	amount := d.Round(time.Millisecond).String()
	if d >= 24*time.Hour {
		amount = fmt.Sprintf("%s (%v)", Days(d), d.Round(time.Second))
	}
	fmt.Fprintf(cfg.Out, "  durable clock: skipped %s ahead, to the %s\n", amount, what)
	return nil
}

// Describe formats a checkpoint site for people: "step Send (drip.go:41)".
func Describe(kind, name, pos string) string {
	if i := strings.LastIndexByte(pos, ':'); i > 0 && strings.Count(pos, ":") == 2 {
		pos = pos[:i]
	}
	if kind == "all" && name == "all" {
		return fmt.Sprintf("durable.All (%s)", pos)
	}
	if kind == name || name == "" {
		return fmt.Sprintf("%s (%s)", kind, pos)
	}
	return fmt.Sprintf("%s %s (%s)", kind, name, pos)
}
