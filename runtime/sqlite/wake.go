package sqlite

import (
	"context"
	"sync"
	"time"

	"github.com/durablegen/durable/runtime"
)

var _ runtime.WorkWaiter = (*Store)(nil)

// WaitForWork blocks until this Store creates an instance, records a
// signal that wakes a waiting instance, commits a checkpoint that releases
// one (ready, suspended or terminal), or cancels one; or until timeout
// passes or ctx is done. Changes
// made by other processes, and timers falling due, are not seen: callers
// poll after the timeout.
func (s *Store) WaitForWork(ctx context.Context, timeout time.Duration) {
	ch := s.wake.wait()
	if ch == nil {
		return
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
}

// waker broadcasts "work may be available" to the goroutines in
// WaitForWork. A notification with nobody waiting is kept for the next
// waiter, so work made between a worker's empty claim and its wait is not
// missed.
type waker struct {
	mu      sync.Mutex
	ch      chan struct{} // closed by notify; nil when nobody waits
	pending bool          // notified while nobody waited
}

// wait returns a channel closed at the next notification, or nil if one
// is pending.
func (w *waker) wait() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending {
		w.pending = false
		return nil
	}
	if w.ch == nil {
		w.ch = make(chan struct{})
	}
	return w.ch
}

func (w *waker) notify() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch == nil {
		w.pending = true
		return
	}
	close(w.ch)
	w.ch = nil
}

// close wakes the current waiters, so they see the store closed.
func (w *waker) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch != nil {
		close(w.ch)
		w.ch = nil
	}
}
