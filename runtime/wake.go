package runtime

import (
	"context"
	"time"
)

// WorkWaiter is an optional capability of a [Store]: it blocks until work
// may have become available (an instance created, signalled or released
// in a way the store can observe), the timeout passes or ctx is done.
// Workers call it instead of sleeping between polls, and [Handle.Result]
// between reads. Due timers cannot notify, so callers always pass a
// timeout and poll after it.
type WorkWaiter interface {
	WaitForWork(ctx context.Context, timeout time.Duration)
}

// wait blocks for d, or less if store is a WorkWaiter that sees work, or
// until ctx is done.
func wait(ctx context.Context, store Store, d time.Duration) {
	if ww, ok := store.(WorkWaiter); ok {
		ww.WaitForWork(ctx, d)
		return
	}
	sleep(ctx, d)
}

// sleep blocks for d or until ctx is done, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
