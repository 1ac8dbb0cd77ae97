// Package groupcommit gathers the writes of concurrent callers into
// batches that one of them commits for all (group commit), for the SQL
// stores of the runtime.
//
// A caller that finds no batch running runs its own at once, alone: a lone
// writer pays no wait. Callers that arrive while a batch runs queue up;
// when it ends, the first of them leads the next batch, made of every op
// queued by then (up to the limit), in arrival order. There is no timer:
// a batch is whatever arrived while the previous one was committing.
// Every caller returns after the batch that holds its op has run.
package groupcommit

import (
	"sync"
	"sync/atomic"
)

// Queue batches ops of type T (a pointer to the store's op, which carries
// the op's input and, once run, its result).
type Queue[T any] struct {
	max int
	run func(batch []T)

	mu      sync.Mutex
	busy    bool         // a leader is running a batch
	waiting []*waiter[T] // queued; waiting[0] leads the next batch
	batch   []*waiter[T] // the leader's (one leader at a time)
	ops     []T
	pool    sync.Pool

	batches, writes atomic.Int64 // run so far
}

type waiter[T any] struct {
	op   T
	wake chan bool // false: the op has run; true: lead the next batch
}

// New returns a queue that runs batches of at most limit ops (1 if limit
// is less) with run. run gets the ops in arrival order; the slice is valid
// only during the call. It must set every op's result and not panic.
func New[T any](limit int, run func(batch []T)) *Queue[T] {
	return &Queue[T]{max: max(limit, 1), run: run}
}

// Do queues op and returns when a batch holding it has run, in this
// goroutine (as the leader) or in another's.
func (q *Queue[T]) Do(op T) {
	w, _ := q.pool.Get().(*waiter[T])
	if w == nil {
		w = &waiter[T]{wake: make(chan bool, 1)}
	}
	w.op = op
	q.mu.Lock()
	q.waiting = append(q.waiting, w)
	lead := !q.busy
	q.busy = true
	q.mu.Unlock()
	if !lead {
		lead = <-w.wake
	}
	if lead {
		q.lead()
	}
	var zero T
	w.op = zero
	q.pool.Put(w)
}

// lead runs the batch at the head of the queue, whose first op is the
// leader's, wakes the other callers of the batch and hands the lead to
// the first op queued meanwhile.
func (q *Queue[T]) lead() {
	q.mu.Lock()
	n := min(len(q.waiting), q.max)
	q.batch = append(q.batch[:0], q.waiting[:n]...)
	rest := copy(q.waiting, q.waiting[n:])
	clear(q.waiting[rest:])
	q.waiting = q.waiting[:rest]
	q.mu.Unlock()

	q.ops = q.ops[:0]
	for _, w := range q.batch {
		q.ops = append(q.ops, w.op)
	}
	q.batches.Add(1)
	q.writes.Add(int64(len(q.ops)))
	q.run(q.ops)
	clear(q.ops)
	for _, w := range q.batch[1:] {
		w.wake <- false
	}
	clear(q.batch)

	q.mu.Lock()
	if len(q.waiting) == 0 {
		q.busy = false
		q.mu.Unlock()
		return
	}
	next := q.waiting[0]
	q.mu.Unlock()
	next.wake <- true
}

// Counts returns the number of batches run so far and of the ops they
// held.
func (q *Queue[T]) Counts() (batches, ops int64) {
	return q.batches.Load(), q.writes.Load()
}

// Len returns the number of ops queued behind the running batch.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.busy {
		return 0
	}
	return len(q.waiting)
}
