package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/durablegen/durable/examples/transfer/payments"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// demoTimeout bounds the whole run, so a broken build fails instead of
// hanging.
const demoTimeout = 2 * time.Minute

// pauseAtPoll is the PollStatus call after which the first worker is
// killed: the second, so that a durable sleep has already committed.
const pauseAtPoll = 2

// session is the state of one run of the demo.
type session struct {
	cfg    config
	out    io.Writer
	stderr io.Writer
	dbPath string
	store  *sqlite.Store
	bank   payments.Bank
	client *runtime.Client
	id     string

	sites    map[int64]string // checkpoint sequence → "kind name (file:line)", as reported
	workers  map[int]int      // pid → worker number
	approved bool
}

// demo runs the transfer with a crash in the middle and reports on it. It
// returns whether every check passed.
func demo(ctx context.Context, cfg config, out, stderr io.Writer) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, demoTimeout)
	defer cancel()
	dbPath, bankPath, cleanup, err := prepare(cfg, out)
	if err != nil {
		return false, err
	}
	defer cleanup()
	store, err := sqlite.Open(dbPath)
	if err != nil {
		return false, err
	}
	defer store.Close()
	s := &session{
		cfg: cfg, out: out, stderr: stderr, dbPath: dbPath,
		store: store, bank: payments.Bank{Path: bankPath}, client: runtime.NewClient(store),
		id:    "transfer-" + strconv.FormatInt(time.Now().UnixMilli(), 36),
		sites: map[int64]string{}, workers: map[int]int{},
	}
	req := payments.TransferRequest{From: "alice", To: "bob", Amount: cfg.amount, PollEvery: cfg.poll, Bank: s.bank}
	h, err := runtime.Start(ctx, s.client, payments.TransferWorkflow, s.id, req)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(out, "transfer %s from %s to %s: instance %s\n", payments.Dollars(req.Amount), req.From, req.To, s.id)
	fmt.Fprintf(out, "  workflow store %s\n  bank ledger    %s\n", dbPath, bankPath)
	killedAt, err := s.runWorkers(ctx)
	if err != nil {
		return false, err
	}
	receipt, rerr := h.Result(ctx)
	if ctx.Err() != nil {
		return false, fmt.Errorf("wait for the result of %s: %w", s.id, ctx.Err())
	}
	return s.report(ctx, killedAt, receipt, rerr)
}

// prepare returns the database paths and a function that removes what
// must not outlive the run.
func prepare(cfg config, out io.Writer) (db, bank string, cleanup func(), err error) {
	cleanup = func() {}
	if cfg.db == "" {
		dir, err := os.MkdirTemp("", "transfer-")
		if err != nil {
			return "", "", nil, fmt.Errorf("create temporary directory: %w", err)
		}
		if cfg.keep {
			cleanup = func() { fmt.Fprintf(out, "kept %s\n", dir) }
		} else {
			cleanup = func() { os.RemoveAll(dir) }
		}
		return filepath.Join(dir, "durable.db"), filepath.Join(dir, "bank.db"), cleanup, nil
	}
	db = cfg.db
	bank = strings.TrimSuffix(db, filepath.Ext(db)) + "-bank.db"
	if !cfg.keep {
		for _, p := range []string{db, bank} {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(p + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
					return "", "", nil, fmt.Errorf("remove old database: %w", err)
				}
			}
		}
	}
	return db, bank, cleanup, nil
}

// runWorkers runs the instance to its end: in one worker, or, with
// cfg.crash, in a worker killed after a step ran but before its
// checkpoint committed, and then in a second one. It returns the number
// of checkpoints committed when the first worker died, -1 without a crash.
func (s *session) runWorkers(ctx context.Context) (int64, error) {
	args := []string{"-db", s.dbPath, "-lease", s.cfg.lease.String()}
	pause := 0
	if s.cfg.crash {
		pause = pauseAtPoll
	}
	w1, err := s.startWorker(ctx, 1, append(args, "-pause", strconv.Itoa(pause)))
	if err != nil {
		return -1, err
	}
	defer w1.kill()
	paused, err := s.follow(ctx, w1)
	if err != nil {
		return -1, err
	}
	if !paused {
		return -1, w1.stop()
	}
	if err := w1.kill(); err != nil {
		return -1, err
	}
	inst, err := s.store.Get(ctx, s.id)
	if err != nil {
		return -1, err
	}
	fmt.Fprintf(s.out, "SIGKILL worker 1 (pid %d): it died holding the lease, with checkpoint %d not committed\n", w1.pid, inst.Seq+1)
	w2, err := s.startWorker(ctx, 2, args)
	if err != nil {
		return -1, err
	}
	defer w2.kill()
	fmt.Fprintf(s.out, "  worker 2 takes the instance over when the dead worker's lease expires (within %v)\n", s.cfg.lease)
	if _, err := s.follow(ctx, w2); err != nil {
		return -1, err
	}
	return inst.Seq, w2.stop()
}

func (s *session) startWorker(ctx context.Context, n int, args []string) (*child, error) {
	c, err := startChild(ctx, n, args, s.stderr)
	if err != nil {
		return nil, err
	}
	s.workers[c.pid] = n
	fmt.Fprintf(s.out, "worker %d started (pid %d)\n", n, c.pid)
	return c, nil
}

// follow prints the reports of worker c until the instance ends (false)
// or the worker pauses before a commit (true), and sends the approval
// signal when the workflow waits for it.
func (s *session) follow(ctx context.Context, c *child) (paused bool, err error) {
	for {
		var f []string
		var ok bool
		select {
		case f, ok = <-c.lines:
		case <-ctx.Done():
			return false, fmt.Errorf("follow worker %d: %w", c.n, ctx.Err())
		}
		if !ok {
			return false, fmt.Errorf("worker %d (pid %d) exited unexpectedly: %v", c.n, c.pid, c.wait())
		}
		switch {
		case len(f) == 5 && f[0] == lineCheckpoint:
			seq, _ := strconv.ParseInt(f[1], 10, 64)
			if f[2] == kindEnd {
				s.sites[seq] = "end"
				fmt.Fprintf(s.out, "  worker %d: checkpoint %d committed: workflow ended\n", c.n, seq)
				return false, nil
			}
			s.sites[seq] = describeSite(f[2], f[3], f[4])
			note := ""
			if f[2] == "await" {
				note = ": signal received"
				if !s.approved {
					note = ": no signal yet, instance suspended"
				}
			}
			fmt.Fprintf(s.out, "  worker %d: checkpoint %d committed: %s%s\n", c.n, seq, s.sites[seq], note)
			if f[2] == "await" && !s.approved {
				if err := s.approve(ctx); err != nil {
					return false, err
				}
			}
		case len(f) == 4 && f[0] == linePaused:
			fmt.Fprintf(s.out, "  worker %d: checkpoint %s: step %s ran at the bank; its checkpoint is not committed yet\n", c.n, f[1], f[2])
			return true, nil
		default:
			return false, fmt.Errorf("worker %d: unexpected report %q", c.n, strings.Join(f, " "))
		}
	}
}

// approve sends the approval signal, as the person approving would.
func (s *session) approve(ctx context.Context) error {
	a := payments.Approval{Approved: !s.cfg.reject, By: "carol"}
	if err := s.client.Signal(ctx, s.id, "approval", a); err != nil {
		return err
	}
	s.approved = true
	if a.Approved {
		fmt.Fprintf(s.out, "approval signal sent: approved by %s\n", a.By)
	} else {
		fmt.Fprintf(s.out, "approval signal sent: rejected by %s; the workflow fails and its compensation refunds the charge\n", a.By)
	}
	return nil
}

// describeSite formats a checkpoint site for people: "step PollStatus
// (transfer.go:54)".
func describeSite(kind, name, pos string) string {
	if i := strings.LastIndexByte(pos, ':'); i > 0 && strings.Count(pos, ":") == 2 {
		pos = pos[:i]
	}
	if kind == name || name == "" {
		return fmt.Sprintf("%s (%s)", kind, pos)
	}
	return fmt.Sprintf("%s %s (%s)", kind, name, pos)
}
