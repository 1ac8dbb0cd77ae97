package memstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/durablegen/durable/runtime"
)

var (
	_ runtime.Continuer = (*Store)(nil)
	_ runtime.Purger    = (*Store)(nil)
)

// continueRun ends r's current run at cp, a checkpoint carrying a
// continuation (see [runtime.Continuation]): its summary is kept, its
// history and consumed signals dropped. Callers hold s.mu.
func (r *record) continueRun(cp *runtime.Checkpoint, now time.Time) {
	in := &r.inst
	start := r.runStart
	if start.IsZero() {
		start = in.CreatedAt
	}
	r.runs = append(r.runs, runtime.Run{
		Run:       max(in.Run, 1),
		StartedAt: start,
		EndedAt:   now,
		Seq:       cp.Seq - 1,
		Output:    bytes.Clone(cp.Continue.Input),
	})
	if n := len(r.runs) - runtime.KeptRuns; n > 0 {
		r.runs = slices.Delete(r.runs, 0, n)
	}
	in.Run = max(in.Run, 1) + 1
	r.runStart = now
	r.history = history{}
	// Consumed signals are not kept: the pending ones wait for the next run.
}

// Runs returns the summaries of the earlier runs of instance id, oldest
// first (see [runtime.Continuer]).
func (s *Store) Runs(ctx context.Context, id string) ([]runtime.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.insts[id]
	if !ok {
		return nil, fmt.Errorf("runs of instance %s: %w", id, runtime.ErrNotFound)
	}
	runs := make([]runtime.Run, len(r.runs))
	for i, run := range r.runs {
		run.Output = bytes.Clone(run.Output)
		runs[i] = run
	}
	return runs, nil
}

// Purge deletes one batch of finished instances (see [runtime.Purger]).
// It scans every instance: the memory store is for tests.
func (s *Store) Purge(ctx context.Context, req runtime.PurgeRequest) (runtime.PurgeResult, error) {
	if err := ctx.Err(); err != nil {
		return runtime.PurgeResult{}, err
	}
	if err := req.Validate(); err != nil {
		return runtime.PurgeResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cands []*record
	for _, r := range s.insts {
		if req.Candidate(&r.inst) && afterCursor(&r.inst, req.After, false) {
			cands = append(cands, r)
		}
	}
	slices.SortFunc(cands, func(a, b *record) int {
		return compareKey(a.inst.CreatedAt, a.inst.ID, b.inst.CreatedAt, b.inst.ID)
	})
	res := runtime.PurgeResult{Done: len(cands) <= req.Limit}
	if len(cands) > req.Limit {
		cands = cands[:req.Limit]
	}
	for _, r := range cands {
		if parent, ok := runtime.ParentID(r.inst.ID); ok {
			if p, ok := s.insts[parent]; ok && !p.inst.Status.Terminal() {
				continue // its parent may still read its result
			}
		}
		s.schedule(r, time.Time{}, false)
		delete(s.insts, r.inst.ID)
		res.Deleted++
	}
	if len(cands) > 0 {
		res.Next = cands[len(cands)-1].inst.Cursor()
	}
	return res, nil
}
