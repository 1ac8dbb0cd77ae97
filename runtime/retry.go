package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Retrying store calls. A run's store calls that are safe to make again
// are retried when they fail with a transient error ([IsTransient]), for
// as long as the run can prove it holds its lease: a commit is the same
// checkpoint each time (the same sequence number under the same epoch, so
// the store commits it once or fences it), a child's creation is
// idempotent on its ID. Only when the lease runs out is the instance given
// up, to be taken over once the store lets the lease expire.

// Backoff between the tries of a store call of a run.
const (
	firstRetry = 10 * time.Millisecond
	maxRetry   = time.Second
)

// graceContext returns a context that ends grace after ctx ends (with
// ctx's cause), and a function that releases it.
func graceContext(ctx context.Context, grace time.Duration) (context.Context, func()) {
	gctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	var mu sync.Mutex
	var t *time.Timer
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		t = time.AfterFunc(grace, func() { cancel(context.Cause(ctx)) })
	})
	return gctx, func() {
		stop()
		mu.Lock()
		if t != nil {
			t.Stop()
		}
		mu.Unlock()
		cancel(nil)
	}
}

// retryStore calls op until it returns nil or an error that is not
// transient, backing off between tries, for as long as the lease the run
// could prove when op first failed (heartbeats that succeed meanwhile do
// not extend it: a call that keeps failing while the store answers
// heartbeats is given up all the same). Each try gets the run's store
// context (see Exec.storeCtx). It returns op's last error, saying how
// long it tried.
func (x *Exec) retryStore(what string, op func(ctx context.Context, try int) error) error {
	start := time.Now()
	var deadline time.Time // set at the first failure
	backoff := firstRetry
	for try := 1; ; try++ {
		err := op(x.storeCtx, try)
		if err == nil {
			if try > 1 {
				x.cfg.logger.Info("store call succeeded after retries", "instance", x.id, "call", what, "tries", try, "after", time.Since(start).Round(time.Millisecond))
			}
			return nil
		}
		if !IsTransient(err) {
			return err
		}
		if try == 1 {
			deadline = time.Now().Add(x.lease.left())
		}
		left := min(x.lease.left(), time.Until(deadline))
		if left <= 0 {
			return fmt.Errorf("%w (%d tries in %v, until the lease ran out)", err, try, time.Since(start).Round(time.Millisecond))
		}
		if try == 1 {
			x.cfg.logger.Warn("store call failed, retrying within the lease", "instance", x.id, "call", what, "error", err, "lease_left", left.Round(time.Millisecond))
		}
		time.Sleep(min(backoff, left))
		backoff = min(2*backoff, maxRetry)
	}
}

// commitCheckpoint commits cp (see [Exec.retryStore]). A retry that the
// store refuses (as a duplicate, fenced, or a signal no longer pending)
// may find that an earlier try committed after all, its answer lost: the
// instance then shows cp's epoch and sequence number, which no other call
// gives it, and the commit succeeded.
//
// An error that is neither transient nor one of the store's answers (a
// lost lease, a duplicate) is the store refusing the checkpoint: it is
// kept in x.refused (see [Exec.failRefused]).
func (x *Exec) commitCheckpoint(cp *Checkpoint) error {
	err := x.retryStore("checkpoint", func(ctx context.Context, try int) error {
		err := x.store.Checkpoint(ctx, cp)
		if try == 1 || err == nil || IsTransient(err) {
			return err
		}
		inst, gerr := x.store.Get(ctx, cp.ID)
		switch {
		case gerr != nil:
			return gerr // a transient one tries the commit again
		case inst.Epoch == cp.Epoch && inst.Seq == cp.Seq:
			x.cfg.logger.Info("checkpoint committed by an earlier try whose answer was lost", "instance", x.id, "seq", cp.Seq)
			return nil
		}
		return err
	})
	if refusal(err) {
		x.refused = err
	}
	return err
}

// refusal reports whether err, returned by a commit, is the store
// refusing it for good: not transient, not a lost lease or a duplicate,
// not a timeout.
func refusal(err error) bool {
	if err == nil || IsTransient(err) {
		return false
	}
	for _, answer := range []error{ErrFenced, ErrDuplicateSeq, ErrNotFound, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, answer) {
			return false
		}
	}
	return true
}
