package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// lease is what a run can prove of its claim's lease: that it lasts until
// the claim, or the last heartbeat that succeeded, was sent, plus the
// lease's length, on the local monotonic clock. The store measures the
// lease from when it served the call, which is later, so the run never
// believes it holds a lease the store has let expire — however long the
// process was stopped, or a reply delayed, between the call and its answer.
type lease struct {
	d time.Duration

	mu    sync.Mutex
	until time.Time
}

func newLease(sent time.Time, d time.Duration) *lease {
	return &lease{d: d, until: sent.Add(d)}
}

// renewed records a heartbeat sent at sent that succeeded.
func (l *lease) renewed(sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := sent.Add(l.d); t.After(l.until) {
		l.until = t
	}
}

// left returns how much of the lease the run can prove is left.
func (l *lease) left() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Until(l.until)
}

// holdLease returns nil when the run can prove that it holds its lease,
// with at least a third of it left (what the heartbeat keeps), and
// otherwise renews it with a heartbeat first. It returns the error that
// must stop the run when the lease was lost ([ErrFenced]), or when it
// could not be renewed before it ran out. Every effect of a run — a step
// attempt, a side effect, the start of a child — begins after it, so that
// a worker stopped past its lease (SIGSTOP, a long pause, a reply that
// came late) does not run a step another worker may already have run and
// committed.
//
// It changes nothing in x but the lease, and may be called from the
// goroutines of durable.Go futures.
func (x *Exec) holdLease() error {
	if x.lease.left() > x.lease.d/3 {
		return nil
	}
	backoff := 5 * time.Millisecond
	for {
		sent := time.Now()
		err := x.store.Heartbeat(x.ctx, x.id, x.epoch, x.lease.d)
		if err == nil {
			x.lease.renewed(sent)
			if x.lease.left() > 0 {
				return nil
			}
			// Answered after the lease it renewed ran out (held up by a
			// partition, say): it proves nothing now, and another worker
			// may have taken the instance over since. Renew it again.
			continue
		}
		if errors.Is(err, ErrFenced) || errors.Is(err, ErrNotFound) {
			return fmt.Errorf("renew the lease of instance %s before its next effect: %w", x.id, ErrFenced)
		}
		if x.ctx.Err() != nil {
			return context.Cause(x.ctx)
		}
		left := x.lease.left()
		if !IsTransient(err) || left <= 0 {
			return fmt.Errorf("renew the lease of instance %s before its next effect: %w", x.id, err)
		}
		if !sleep(x.ctx, min(backoff, left)) {
			return context.Cause(x.ctx)
		}
		backoff = min(2*backoff, time.Second)
	}
}

// stopRun marks the error of a future's goroutine that must stop the run
// (a lost lease), as opposed to the error of its step.
type stopRun struct{ err error }

func (e *stopRun) Error() string { return e.err.Error() }
func (e *stopRun) Unwrap() error { return e.err }

// sentAt returns when the claim or heartbeat the lease was last measured
// from was sent; now for a run without a lease (a test's).
func (l *lease) sentAt() time.Time {
	if l == nil {
		return time.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.until.Add(-l.d)
}
