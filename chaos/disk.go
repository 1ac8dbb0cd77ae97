package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// diskScenarios: 10, the disk of an SQLite store filled under load.
func diskScenarios() []*scenario {
	short := plan{
		duration: 10 * time.Second, every: 4 * time.Second, faults: 1, pause: 3 * time.Second,
		lease: time.Second, poll: 50 * time.Millisecond, workers: 2, concurrency: 64,
		active: 100, steps: 10, work: 10 * time.Millisecond, shutdown: time.Second, settle: 30 * time.Second,
	}
	long := short
	long.duration, long.every, long.faults = 5*time.Minute, 15*time.Second, 15
	return []*scenario{{name: "diskfull/sqlite", store: onTmpfs, short: short, long: long, run: runDiskFull,
		about: "the SQLite database on a 16 MiB tmpfs filled to the last byte under load for 3 s, then freed"}}
}

// diskSize is the size of the tmpfs the disk-full scenario fills.
const diskSize = 16 << 20

// inNamespace runs the harness again (cfg.self) for scenario sc in a
// mount namespace of its own, created by unshare, in which a small tmpfs
// (the disk-full scenario's, which the nemesis fills) or chaos/powerfs
// (the power-cut scenario's, which the harness there mounts) is mounted on
// a new directory, and the host's mounts are untouched. SQLite resolves the paths it opens, so the
// harness and its workers must all run in the namespace, as the second
// harness and its children do. It returns that harness's report.
func inNamespace(ctx context.Context, cfg runConfig, sc *scenario) (string, error) {
	dir, err := os.MkdirTemp("", "chaos-disk-")
	if err != nil {
		return "", err
	}
	defer os.Remove(dir)
	script := `mount -t tmpfs -o size="$1" tmpfs "$2" && shift 2 && exec "$@"`
	if sc.store == onPowerfs {
		script = `shift 2 && exec "$@"` // the harness mounts chaos/powerfs there itself
	}
	args := []string{"--mount", "--propagation", "private", "sh", "-c", script,
		"sh", strconv.Itoa(diskSize), dir, cfg.self, "-scenario", sc.name, "-tmpfs", dir, "-seed", strconv.FormatUint(cfg.seed, 10)}
	if cfg.long {
		args = append(args, "-long")
	}
	if cfg.duration > 0 {
		args = append(args, "-duration", cfg.duration.String())
	}
	if cfg.synchronous != "" {
		args = append(args, "-synchronous", cfg.synchronous)
	}
	out, err := exec.CommandContext(ctx, "unshare", args...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return string(out), errors.New("failed")
	case err != nil:
		return string(out), fmt.Errorf("%w: cannot run in a mount namespace of its own (unshare: %v); the %s scenario needs root: %s", errSkip, err, sc.name, out)
	}
	return string(out), nil
}

// fill writes a file on the disk at dir until it is full.
func fill(dir string) error {
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); errors.Is(err, syscall.ENOSPC) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// runDiskFull keeps the workload in flight and about every p.every fills
// the disk, keeps it full for p.pause and frees it.
func runDiskFull(e *env, p plan) (judge, error) {
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return nil, err
	}
	bg := background(e, p, true)
	// The disk must not fill before the workers have opened the store and
	// run (on a loaded machine they may take seconds to start).
	if err := e.waitRunning(30 * time.Second); err != nil {
		return nil, err
	}
	var fillErr error
	e.nemesis(p, p.every, func() {
		at := time.Now()
		if err := fill(e.cfg.tmpfs); err != nil {
			fillErr = err
			return
		}
		time.Sleep(p.pause)
		if err := os.Remove(filepath.Join(e.cfg.tmpfs, "filler")); err != nil {
			fillErr = err
			return
		}
		e.logFault(fault{kind: "disk full", at: at, end: time.Now()})
	})
	if err := bg.finish(p.settle); err != nil {
		return nil, err
	}
	if fillErr != nil {
		return nil, fillErr
	}
	integrity, err := e.integrity()
	if err != nil {
		return nil, err
	}
	return func(ev *evidence, f *figures) []verdict {
		named := 0
		for _, p := range e.fleet.all() {
			named += strings.Count(p.stderr.String(), "disk is full")
		}
		e.figure("errors", "%d worker log lines name the full disk; integrity_check: %s", named, integrity)
		return []verdict{
			atLeast("disk fills", len(ev.faults), p.faults),
			{name: "worker errors naming the full disk", ok: named > 0, got: itoa(named), want: "> 0 (the fault landed, and says what it is)"},
			{name: "PRAGMA integrity_check", ok: integrity == "ok", got: integrity, want: "ok"},
		}
	}, nil
}

// integrity runs PRAGMA integrity_check on the SQLite store.
func (e *env) integrity() (string, error) {
	db, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(e.st.arg, "sqlite:")+"?mode=ro")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var res []string
	rows, err := db.QueryContext(e.ctx, "PRAGMA integrity_check")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		res = append(res, s)
	}
	return strings.Join(res, "; "), rows.Err()
}
