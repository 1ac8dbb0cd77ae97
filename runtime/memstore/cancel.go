package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/durablegen/durable/runtime"
)

// RequestCancel implements [runtime.CancelRequester].
func (s *Store) RequestCancel(ctx context.Context, id, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.insts[id]
	if !ok {
		return fmt.Errorf("request cancel of instance %s: %w", id, runtime.ErrNotFound)
	}
	in := &r.inst
	if in.Status.Terminal() {
		return fmt.Errorf("request cancel of instance %s (%s): %w", id, in.Status, runtime.ErrFinished)
	}
	if in.CancelReason == "" {
		in.CancelReason = reason
	}
	now := s.clock()
	if in.Status == runtime.StatusRunning {
		in.Epoch++ // fences the owner
		in.Owner = ""
		in.LeaseUntil = time.Time{}
	}
	in.Status = runtime.StatusReady
	in.WakeAt = time.Time{}
	in.UpdatedAt = now
	s.reschedule(r, now)
	s.notify()
	return nil
}
