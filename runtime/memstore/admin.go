package memstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/durablegen/durable/runtime"
)

var _ runtime.Admin = (*Store)(nil)

// List returns the instances selected by opts (see [runtime.Admin]). It
// scans every instance: the memory store is for tests.
func (s *Store) List(ctx context.Context, opts runtime.ListOptions) ([]*runtime.Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var out []*runtime.Instance
	for _, r := range s.insts {
		if !opts.Match(&r.inst) || !afterCursor(&r.inst, opts.After, opts.Descending) {
			continue
		}
		inst := r.inst
		if opts.Payloads {
			inst.Frame = slices.Clone(inst.Frame)
			inst.Output = slices.Clone(inst.Output)
		} else {
			inst.Frame, inst.Output = nil, nil
		}
		out = append(out, &inst)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b *runtime.Instance) int {
		c := compareKey(a.CreatedAt, a.ID, b.CreatedAt, b.ID)
		if opts.Descending {
			return -c
		}
		return c
	})
	if n := opts.PageSize(); len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// afterCursor reports whether inst comes after c in the listing order.
func afterCursor(inst *runtime.Instance, c runtime.Cursor, desc bool) bool {
	if c.IsZero() {
		return true
	}
	cmp := compareKey(inst.CreatedAt, inst.ID, c.CreatedAt, c.ID)
	if desc {
		return cmp < 0
	}
	return cmp > 0
}

// compareKey orders (created, id) pairs; times compare by wall clock.
func compareKey(at time.Time, id string, bt time.Time, bid string) int {
	if c := at.Round(0).Compare(bt.Round(0)); c != 0 {
		return c
	}
	return strings.Compare(id, bid)
}

// Retry makes failed instance req.ID ready again from its stored frame
// (see [runtime.Admin]).
func (s *Store) Retry(ctx context.Context, req runtime.RetryRequest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.insts[req.ID]
	if !ok {
		return fmt.Errorf("retry instance %s: %w", req.ID, runtime.ErrNotFound)
	}
	in := &r.inst
	if in.Status != runtime.StatusFailed {
		return fmt.Errorf("retry instance %s: it is %s, not failed: %w", req.ID, in.Status, runtime.ErrNotRetryable)
	}
	if req.Seq != 0 && in.Seq != req.Seq {
		return fmt.Errorf("retry instance %s: it changed since it was read (seq %d, not %d): %w", req.ID, in.Seq, req.Seq, runtime.ErrNotRetryable)
	}
	now := s.clock()
	in.Status = runtime.StatusReady
	in.Epoch++
	in.Seq++
	in.Attempt = 0
	in.Owner = ""
	in.LeaseUntil = time.Time{}
	in.WakeAt = time.Time{}
	in.AwaitName = ""
	in.Output = nil
	in.Error = ""
	in.UpdatedAt = now
	r.history.add(runtime.Event{Seq: in.Seq, Kind: "resume", Error: req.Reason, At: now})
	s.reschedule(r, now)
	s.notify()
	return nil
}
