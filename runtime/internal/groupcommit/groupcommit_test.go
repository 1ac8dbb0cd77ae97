package groupcommit

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// op is a test op: its number, and the batch it ran in.
type op struct {
	n     int
	batch int
}

func TestLoneOpRunsAtOnce(t *testing.T) {
	var batches [][]int
	q := New(8, func(batch []*op) {
		var ns []int
		for _, o := range batch {
			ns = append(ns, o.n)
		}
		batches = append(batches, ns)
	})
	for i := range 3 {
		q.Do(&op{n: i})
	}
	if want := [][]int{{0}, {1}, {2}}; !slices.EqualFunc(batches, want, slices.Equal) {
		t.Errorf("batches of sequential ops = %v, want %v", batches, want)
	}
}

// TestQueuedOpsRunTogether holds a batch, queues ops behind it one at a
// time, and requires that they run in the next batches, in arrival
// order, at most limit at a time.
func TestQueuedOpsRunTogether(t *testing.T) {
	for _, tc := range []struct {
		name   string
		limit  int
		queued int
		want   [][]int
	}{
		{"all in one", 8, 5, [][]int{{-1}, {0, 1, 2, 3, 4}}},
		{"cut by the limit", 2, 5, [][]int{{-1}, {0, 1}, {2, 3}, {4}}},
		{"limit below one", 0, 2, [][]int{{-1}, {0}, {1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			held, release := make(chan struct{}), make(chan struct{})
			var mu sync.Mutex
			var batches [][]int
			q := New(tc.limit, func(batch []*op) {
				var ns []int
				for _, o := range batch {
					ns = append(ns, o.n)
				}
				mu.Lock()
				batches = append(batches, ns)
				mu.Unlock()
				if batch[0].n == -1 {
					close(held)
					<-release
				}
			})
			var wg sync.WaitGroup
			wg.Go(func() { q.Do(&op{n: -1}) })
			<-held
			for i := range tc.queued {
				wg.Go(func() { q.Do(&op{n: i}) })
				for deadline := time.Now().Add(5 * time.Second); q.Len() < i+1; time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("Len() = %d, want %d", q.Len(), i+1)
					}
				}
			}
			close(release)
			wg.Wait()
			if !slices.EqualFunc(batches, tc.want, slices.Equal) {
				t.Errorf("batches = %v, want %v", batches, tc.want)
			}
			if b, n := q.Counts(); b != int64(len(tc.want)) || n != int64(tc.queued+1) {
				t.Errorf("Counts() = %d, %d; want %d, %d", b, n, len(tc.want), tc.queued+1)
			}
		})
	}
}

// TestEveryOpRunsOnce runs many ops from many goroutines: each runs in
// exactly one batch, and Do returns only after its batch ran.
func TestEveryOpRunsOnce(t *testing.T) {
	const goroutines, each = 32, 200
	var ran atomic.Int64
	var batchNo int
	q := New(16, func(batch []*op) {
		batchNo++
		if len(batch) > 16 {
			t.Errorf("batch of %d ops, limit 16", len(batch))
		}
		for _, o := range batch {
			if o.batch != 0 {
				t.Errorf("op %d ran twice", o.n)
			}
			o.batch = batchNo
			ran.Add(1)
		}
	})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				o := &op{n: g*each + i}
				q.Do(o)
				if o.batch == 0 {
					t.Errorf("Do(op %d) returned before its batch ran", o.n)
				}
			}
		})
	}
	wg.Wait()
	if got := ran.Load(); got != goroutines*each {
		t.Errorf("%d ops ran, want %d", got, goroutines*each)
	}
	if b, n := q.Counts(); n != goroutines*each || b > n {
		t.Errorf("Counts() = %d batches, %d ops; want %d ops in at most as many batches", b, n, goroutines*each)
	}
}
