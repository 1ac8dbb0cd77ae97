package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Backoff of the LISTEN connection between failed connection attempts.
const (
	listenMinBackoff = 50 * time.Millisecond
	listenMaxBackoff = 5 * time.Second
)

// WaitForWork blocks until work may be available, timeout passes or ctx
// is done. Work is signalled by a NOTIFY on the schema's channel, sent when
// any process creates an instance, signals a waiting one or commits a
// checkpoint that releases one (including completion), and at once by the
// same events in this process. The first call starts a dedicated LISTEN
// connection that reconnects with backoff; while it is down, WaitForWork
// waits for the timeout, so polling remains the fallback. Due timers
// cannot notify, and a notification that arrives while no call is waiting
// wakes nobody: callers pass the timeout at which they poll anyway. Close
// wakes every caller.
func (s *Store) WaitForWork(ctx context.Context, timeout time.Duration) {
	wake := s.listen.wait()
	defer s.listen.waiters.Add(-1)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-wake:
	case <-t.C:
	case <-ctx.Done():
	}
}

// listener owns the LISTEN connection of a store and wakes the callers of
// WaitForWork.
type listener struct {
	conn    *pgx.ConnConfig
	channel string
	logger  *slog.Logger

	mu      sync.Mutex
	wake    chan struct{} // closed and replaced when work may be available
	cancel  context.CancelFunc
	done    chan struct{} // closed when the LISTEN goroutine returns; nil before start
	stopped bool

	waiters  atomic.Int64 // callers blocked in WaitForWork
	sessions atomic.Int64 // LISTEN sessions established so far
}

func newListener(conn *pgx.ConnConfig, channel string, logger *slog.Logger) *listener {
	return &listener{conn: conn, channel: channel, logger: logger, wake: make(chan struct{})}
}

// wait starts the LISTEN goroutine on first use and returns the channel
// that is closed on the next wake-up.
// The caller counts as a waiter until it calls l.waiters.Add(-1).
func (l *listener) wait() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done == nil && !l.stopped {
		ctx, cancel := context.WithCancel(context.Background())
		l.cancel = cancel
		l.done = make(chan struct{})
		go l.run(ctx)
	}
	l.waiters.Add(1)
	return l.wake
}

// wakeLocal wakes every current waiter.
func (l *listener) wakeLocal() {
	l.mu.Lock()
	close(l.wake)
	l.wake = make(chan struct{})
	l.mu.Unlock()
}

// close stops the LISTEN goroutine, waits for it and wakes the waiters.
func (l *listener) close() {
	l.mu.Lock()
	l.stopped = true
	cancel, done := l.cancel, l.done
	l.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	l.wakeLocal()
}

// run keeps a LISTEN session open until ctx is done, reconnecting with
// exponential backoff.
func (l *listener) run(ctx context.Context) {
	defer close(l.done)
	backoff := listenMinBackoff
	for {
		established, err := l.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if established {
			backoff = listenMinBackoff
		}
		l.logger.Warn("durable postgres: LISTEN connection lost; reconnecting",
			"channel", l.channel, "retry_in", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, listenMaxBackoff)
	}
}

// session connects, listens and wakes waiters on every notification until
// the connection fails. It reports whether LISTEN succeeded.
func (l *listener) session(ctx context.Context) (bool, error) {
	conn, err := pgx.ConnectConfig(ctx, l.conn)
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	l.sessions.Add(1)
	// Work may have appeared while no session was listening.
	l.wakeLocal()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true, fmt.Errorf("wait for notification: %w", err)
		}
		l.wakeLocal()
	}
}
