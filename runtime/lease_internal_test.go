package runtime

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// lateHeartbeats is a store whose first heartbeat succeeds, but answers
// after twice the lease, as when the answer is held up by a partition
// until the cut heals; by then another worker has claimed the instance,
// and every later heartbeat is fenced.
type lateHeartbeats struct {
	Store
	lease time.Duration
	calls atomic.Int32
}

func (s *lateHeartbeats) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	if s.calls.Add(1) == 1 {
		time.Sleep(2 * s.lease)
		return nil
	}
	return ErrFenced
}

// TestHoldLeaseAfterLateHeartbeat checks that a heartbeat answered after
// the lease it renewed ran out does not let the run start its next
// effect: it renews again, and stops fenced.
func TestHoldLeaseAfterLateHeartbeat(t *testing.T) {
	const d = 30 * time.Millisecond
	store := &lateHeartbeats{lease: d}
	x := &Exec{
		ctx: context.Background(), store: store, cfg: &execConfig{logger: slog.New(slog.DiscardHandler)},
		id: "p", epoch: 1, lease: newLease(time.Now().Add(-d), d), // nothing left to prove
	}
	err := x.holdLease()
	if !errors.Is(err, ErrFenced) {
		t.Errorf("holdLease() after a heartbeat answered %v late = %v, want ErrFenced", 2*d, err)
	}
	if n := store.calls.Load(); n != 2 {
		t.Errorf("heartbeats sent = %d, want 2 (the late one, then one fenced)", n)
	}
}
