package concurrency

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/durablegen/durable"
)

type Fanout struct {
	mu    sync.Mutex
	calls int64
}

//durable:step
func Fetch(ctx context.Context, i int) (int, error) { // want Fetch:"step"
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done() }()
	wg.Wait()
	return i, nil
}

//durable:workflow
func (f *Fanout) Run(ctx durable.Context, n int) (int, error) { // want Run:"workflow"
	results := make(chan int, n) // want `DG007: make\(chan\) in workflow code depends on goroutine scheduling`
	var wg sync.WaitGroup        // want `DG008: wg has type sync.WaitGroup`
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) { // want `DG006: go statement in workflow code starts a goroutine`
			defer wg.Done()
			results <- i // want `DG007: a channel send`
		}(i)
	}
	wg.Wait()
	close(results) // want `DG007: close`
	sum := 0
	for v := range results { // want `DG007: range over a channel`
		sum += v
	}
	select { // want `DG007: select`
	case v := <-results: // want `DG007: a channel receive`
		sum += v
	default:
	}
	f.mu.Lock()                  // want `DG008: sync.Mutex.Lock`
	atomic.AddInt64(&f.calls, 1) // want `DG008: atomic.AddInt64` `DG011: workflow Fanout.Run writes f.calls`
	f.mu.Unlock()                // want `DG008: sync.Mutex.Unlock`
	var count atomic.Int64       // want `DG008: count has type atomic.Int64` `DG012: count is live across the checkpoint Fetch at line 52, but atomic.Int64 holds synchronization state`
	count.Add(1)
	v, err := Fetch(ctx, sum)
	return v + int(count.Load()), err
}
