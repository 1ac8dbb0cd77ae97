package memstore

import (
	"container/heap"
	"time"
)

// queue orders the instances of one workflow@version that can become
// claimable by when they do: ready ones by when they became ready,
// sleeping and timed waiting ones by WakeAt, running ones by lease
// expiry; ties in the order they were queued.
type queue []*record

func (q queue) Len() int { return len(q) }

func (q queue) Less(i, j int) bool { return before(q[i], q[j]) }

// before reports whether a is claimable before b.
func before(a, b *record) bool {
	if !a.due.Equal(b.due) {
		return a.due.Before(b.due)
	}
	return a.order < b.order
}

func (q queue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}

func (q *queue) Push(x any) {
	r := x.(*record)
	r.index = len(*q)
	*q = append(*q, r)
}

func (q *queue) Pop() any {
	old := *q
	r := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	r.index = -1
	return r
}

// schedule puts r in its queue at due, or takes it out when queued is
// false.
func (s *Store) schedule(r *record, due time.Time, queued bool) {
	q := s.queues[r.inst.Key()]
	if q == nil {
		q = &queue{}
		s.queues[r.inst.Key()] = q
	}
	if !queued {
		if r.index >= 0 {
			heap.Remove(q, r.index)
		}
		return
	}
	if r.index >= 0 && r.due.Equal(due) {
		return // a running checkpoint: the lease did not move
	}
	s.order++
	r.due, r.order = due, s.order
	if r.index >= 0 {
		heap.Fix(q, r.index)
		return
	}
	heap.Push(q, r)
}

// next returns the claimable instance that has been due longest among
// the queues of keys, or nil.
func (s *Store) next(keys []string, now time.Time) *record {
	var best *record
	for _, k := range keys {
		q := s.queues[k]
		if q == nil || q.Len() == 0 {
			continue
		}
		r := (*q)[0]
		if r.due.After(now) {
			continue
		}
		if best == nil || before(r, best) {
			best = r
		}
	}
	return best
}

// earliest returns the earliest due time of any queued instance.
func (s *Store) earliest() (time.Time, bool) {
	var t time.Time
	found := false
	for _, q := range s.queues {
		if q.Len() == 0 {
			continue
		}
		if d := (*q)[0].due; !found || d.Before(t) {
			t, found = d, true
		}
	}
	return t, found
}
