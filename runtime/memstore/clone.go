package memstore

import (
	"bytes"
	"slices"
	"time"
)

// Clone returns a new store that holds what s holds now — every
// instance with its frame, status, lease, timer, pending signals and
// history, and the order in which instances become claimable — on clock
// now. The two stores change independently afterwards. It is for crash
// testing: a snapshot taken where a process could die, resumed later by a
// new worker, as if the process had died there.
//
// Histories are shared until either store appends to them, so a clone
// costs the instances and their frames, not their histories.
func (s *Store) Clone(now func() time.Time) *Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := NewWithClock(now)
	c.order, c.signalID = s.order, s.signalID
	copies := make(map[*record]*record, len(s.insts))
	for id, r := range s.insts {
		cr := &record{
			inst:    r.inst,
			signals: slices.Clone(r.signals), // consuming one shifts the slice in place
			history: r.history.share(),
			due:     r.due,
			order:   r.order,
			index:   r.index,
			// Run summaries are never written in place.
			runs:     slices.Clip(r.runs),
			runStart: r.runStart,
			claimSeq: r.claimSeq,
			aborted:  r.aborted,
		}
		cr.inst.Frame = bytes.Clone(r.inst.Frame) // Checkpoint reuses the buffer
		cr.inst.Output = bytes.Clone(r.inst.Output)
		copies[r] = cr
		c.insts[id] = cr
	}
	for key, q := range s.queues {
		cq := make(queue, len(*q)) // the same heap, element by element
		for i, r := range *q {
			cq[i] = copies[r]
		}
		c.queues[key] = &cq
	}
	return c
}

// share returns a history with the same events whose appends never
// write into h's chunks: full chunks are never written again, and the
// last one is clipped so that an append copies it.
func (h *history) share() history {
	chunks := slices.Clone(h.chunks)
	if n := len(chunks); n > 0 {
		chunks[n-1] = slices.Clip(chunks[n-1])
	}
	return history{chunks: chunks, n: h.n}
}
