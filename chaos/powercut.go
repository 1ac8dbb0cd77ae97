package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// powerScenarios: 9, power cuts under an SQLite store.
func powerScenarios() []*scenario {
	short := plan{
		duration: 18 * time.Second, every: 2 * time.Second, faults: 4, // a cut every 1-3 s, and its second or so: 4 in 18 s on a loaded machine
		lease: time.Second, poll: 50 * time.Millisecond, workers: 2, concurrency: 64,
		active: 100, steps: 10, work: 10 * time.Millisecond, shutdown: time.Second, settle: 30 * time.Second,
	}
	long := short
	long.duration, long.faults = 25*time.Minute, 500
	return []*scenario{{name: "powercut/sqlite", store: onPowerfs, short: short, long: long, run: runPowerCut,
		about: "power cuts under an SQLite store: every process on it killed at once and, of each file's writes since its last fsync, none, the first few or any few kept (chaos/powerfs, a FUSE file system in a mount namespace)"}}
}

// powerDisk is the chaos/powerfs process that serves the power-cut
// scenario's file system, and the harness's way to cut its power.
type powerDisk struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	answer *bufio.Scanner
	stderr lockedBuffer
}

// buildPowerfs builds chaos/powerfs (a module of its own, so that its
// FUSE library stays out of the main go.mod) into dir.
func buildPowerfs(dir string) (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	src := filepath.Join(filepath.Dir(strings.TrimSpace(string(gomod))), "chaos", "powerfs")
	bin := filepath.Join(dir, "powerfs")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build chaos/powerfs: %v\n%s", err, out)
	}
	return bin, nil
}

// startPowerDisk builds chaos/powerfs into dir and mounts it on mnt.
func startPowerDisk(dir, mnt string) (*powerDisk, error) {
	bin, err := buildPowerfs(dir)
	if err != nil {
		return nil, err
	}
	d := &powerDisk{cmd: exec.Command(bin, "-mount", mnt)}
	d.cmd.Stderr = &d.stderr
	out, err := d.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if d.stdin, err = d.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := d.cmd.Start(); err != nil {
		return nil, err
	}
	d.answer = bufio.NewScanner(out)
	if line, err := d.read(); err != nil || line != "ready" {
		d.close()
		return nil, fmt.Errorf("%w: chaos/powerfs could not mount a FUSE file system (it needs root and /dev/fuse): %s %v %s", errSkip, line, err, d.stderr.String())
	}
	return d, nil
}

func (d *powerDisk) read() (string, error) {
	if !d.answer.Scan() {
		if err := d.answer.Err(); err != nil {
			return "", err
		}
		return "", io.ErrUnexpectedEOF
	}
	return d.answer.Text(), nil
}

// cut cuts the power: with nothing open on the disk any more, it loses
// what seed's draw loses of the unsynced writes and mounts it again.
func (d *powerDisk) cut(seed uint64) (string, error) {
	if _, err := fmt.Fprintf(d.stdin, "cut %d\n", seed); err != nil {
		return "", err
	}
	line, err := d.read()
	if err != nil || !strings.HasPrefix(line, "cut ") {
		return "", fmt.Errorf("power cut: %q %v %s", line, err, d.stderr.String())
	}
	return strings.TrimPrefix(line, "cut "), nil
}

// close unmounts the disk and waits for its process.
func (d *powerDisk) close() {
	d.stdin.Close()
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
	}
}

// openPowerCut mounts the power-cut file system on dir and opens the
// store on it.
func openPowerCut(dir string) (store, error) {
	bins, err := os.MkdirTemp("", "chaos-powerfs-")
	if err != nil {
		return store{}, err
	}
	d, err := startPowerDisk(bins, dir)
	os.RemoveAll(bins)
	if err != nil {
		return store{}, err
	}
	path := filepath.Join(dir, "durable.db")
	s, err := sqlite.Open(path)
	if err != nil {
		d.close()
		return store{}, err
	}
	sw := &switched{s: s, path: path}
	return store{kind: onPowerfs, arg: "sqlite:" + path, s: sw, power: d, switched: sw, close: func() {
		sw.close()
		d.close()
	}}, nil
}

// switched is the harness's own SQLite store, which a power cut closes
// and opens again, as it does every process's on the machine: its calls
// wait meanwhile.
type switched struct {
	mu   sync.RWMutex
	s    *sqlite.Store // nil while the power is off
	path string
}

var (
	_ runtime.Store = (*switched)(nil)
	_ runtime.Admin = (*switched)(nil)
)

// off closes the store; its calls wait for on.
func (w *switched) off() {
	w.mu.Lock()
	if w.s != nil {
		w.s.Close()
		w.s = nil
	}
}

// on opens the store again after off.
func (w *switched) on() error {
	defer w.mu.Unlock()
	s, err := sqlite.Open(w.path)
	if err != nil {
		return err
	}
	w.s = s
	return nil
}

func (w *switched) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.s != nil {
		w.s.Close()
		w.s = nil
	}
}

func (w *switched) use() (*sqlite.Store, func()) {
	w.mu.RLock()
	return w.s, w.mu.RUnlock
}

func (w *switched) Create(ctx context.Context, inst *runtime.Instance) (*runtime.Instance, bool, error) {
	s, done := w.use()
	defer done()
	return s.Create(ctx, inst)
}

func (w *switched) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	s, done := w.use()
	defer done()
	return s.Claim(ctx, req)
}

func (w *switched) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	s, done := w.use()
	defer done()
	return s.Checkpoint(ctx, cp)
}

func (w *switched) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	s, done := w.use()
	defer done()
	return s.Heartbeat(ctx, id, epoch, lease)
}

func (w *switched) Signal(ctx context.Context, id, name string, payload []byte) error {
	s, done := w.use()
	defer done()
	return s.Signal(ctx, id, name, payload)
}

func (w *switched) Get(ctx context.Context, id string) (*runtime.Instance, error) {
	s, done := w.use()
	defer done()
	return s.Get(ctx, id)
}

func (w *switched) Cancel(ctx context.Context, id, reason string) error {
	s, done := w.use()
	defer done()
	return s.Cancel(ctx, id, reason)
}

func (w *switched) History(ctx context.Context, id string) ([]runtime.Event, error) {
	s, done := w.use()
	defer done()
	return s.History(ctx, id)
}

func (w *switched) List(ctx context.Context, opts runtime.ListOptions) ([]*runtime.Instance, error) {
	s, done := w.use()
	defer done()
	return s.List(ctx, opts)
}

func (w *switched) Retry(ctx context.Context, req runtime.RetryRequest) error {
	s, done := w.use()
	defer done()
	return s.Retry(ctx, req)
}

// runPowerCut keeps the mixed workload in flight on two workers and about
// every p.every cuts the power: it records the history committed so far
// (which must survive), closes the harness's own store, kills every
// worker at once, has chaos/powerfs lose what a power cut may of the
// writes not yet synced, opens the store again and checks its integrity,
// and restarts the workers.
func runPowerCut(e *env, p plan) (judge, error) {
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return nil, err
	}
	bg := background(e, p, true)
	if err := e.waitRunning(30 * time.Second); err != nil {
		return nil, err
	}
	var cutErr error
	var lost []string
	checks := map[string]int{}
	var files, dropped, kept, n int
	e.nemesis(p, p.every, func() {
		if cutErr != nil {
			return
		}
		n++
		var what, integrity string
		what, integrity, cutErr = e.powerCut(uint64(n) ^ e.cfg.seed<<20)
		var f, d, k int
		if _, err := fmt.Sscanf(what, "files=%d dropped=%d kept=%d", &f, &d, &k); err == nil {
			files, dropped, kept = files+f, dropped+d, kept+k
		}
		checks[integrity]++
		if n <= 3 {
			e.figure(fmt.Sprintf("cut %d", n), "%s (file:lost/kept/fsyncs)", what)
		}
		if integrity != "ok" {
			lost = append(lost, fmt.Sprintf("cut %d (%s): integrity_check %s", n, what, integrity))
		}
	})
	if cutErr != nil {
		bg.finish(0)
		return nil, cutErr
	}
	if err := bg.finish(p.settle); err != nil {
		return nil, err
	}
	integrity, err := e.integrity()
	if err != nil {
		return nil, err
	}
	return func(ev *evidence, f *figures) []verdict {
		acked, gone := ackedLost(ev)
		for _, g := range gone {
			f.example("acknowledged checkpoints lost", "%s", g)
		}
		for _, l := range lost {
			f.example("PRAGMA integrity_check after every cut", "%s", l)
		}
		e.figure("acknowledged", "%d commits answered OK before a cut; %d of them lost (a later claim saw an older sequence number, or the history lacks them)", acked, len(gone))
		e.figure("unsynced writes", "%d lost and %d kept by the cuts, in %d files (counted at each cut)", dropped, kept, files)
		e.figure("integrity", "after each cut: %v; at the end: %s", checks, integrity)
		return []verdict{
			atLeast("power cuts", len(ev.faults), p.faults),
			{name: "unsynced writes lost", ok: dropped > 0, got: itoa(dropped), want: "> 0 (the cuts landed)"},
			zero("acknowledged checkpoints lost", len(gone)),
			{name: "PRAGMA integrity_check after every cut", ok: checks["ok"] == len(ev.faults) && len(lost) == 0, got: fmt.Sprint(checks), want: "ok after each"},
			{name: "PRAGMA integrity_check", ok: integrity == "ok", got: integrity, want: "ok"},
		}
	}, nil
}

// powerCut cuts the power once and brings the machine back: it returns
// what the file system lost and what PRAGMA integrity_check said then.
func (e *env) powerCut(seed uint64) (what, integrity string, err error) {
	if err := e.snapshot(); err != nil {
		return "", "", err
	}
	e.fleet.hold(true)
	defer e.fleet.hold(false)
	e.st.switched.off()
	at := time.Now()
	var procs []*proc
	for slot := range e.fleet.slots {
		if p := e.fleet.current(slot); p.signal(syscall.SIGKILL) {
			procs = append(procs, p)
		}
	}
	for _, p := range procs {
		<-p.exited
	}
	what, err = e.st.power.cut(seed)
	if err == nil {
		err = e.st.switched.on()
	} else {
		_ = e.st.switched.on()
	}
	if err != nil {
		return "", "", err
	}
	if integrity, err = e.integrity(); err != nil {
		return "", "", err
	}
	e.logFault(fault{kind: "power cut", at: at, end: time.Now()})
	return what, integrity, nil
}

// ackedLost counts the commits the workers traced as answered OK before a
// power cut, and returns those a power cut lost: the instance was claimed
// after the cut at a lower sequence number, or its history lacks them.
func ackedLost(ev *evidence) (acked int, lost []string) {
	if len(ev.faults) == 0 {
		return 0, nil
	}
	claims, commits := byInstance(ev)
	for id, cs := range commits {
		for _, c := range cs {
			cut := -1
			for i, x := range ev.faults {
				if c.At < x.at.UnixNano() {
					cut = i
					break
				}
			}
			if cut < 0 {
				continue // after the last cut
			}
			acked++
			after := ev.faults[cut].end.UnixNano()
			switch i := indexAfter(claims[id], after); {
			case i >= 0 && claims[id][i].Seq < c.Seq:
				lost = append(lost, fmt.Sprintf("%s seq %d committed by %s (answered OK) before the power cut at %s; claimed at seq %d after it", id, c.Seq, c.owner, ev.faults[cut].at.Format("15:04:05.000"), claims[id][i].Seq))
			case !slices.ContainsFunc(ev.history[id], func(h runtime.Event) bool { return h.Seq == c.Seq }):
				lost = append(lost, fmt.Sprintf("%s seq %d committed by %s (answered OK) is not in its history", id, c.Seq, c.owner))
			}
		}
	}
	return acked, lost
}

// indexAfter returns the first of claims answered after t, or -1.
func indexAfter(claims []traced, t int64) int {
	for i, c := range claims {
		if c.At > t {
			return i
		}
	}
	return -1
}
