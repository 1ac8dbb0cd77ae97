package pos

import (
	"sync"
	"sync/atomic"

	"github.com/durablegen/durable"
)

type Counter struct {
	mu sync.Mutex
	n  atomic.Int64
}

// Count locks a mutex of the receiver.
//
//durable:workflow
func (c *Counter) Count(ctx durable.Context, n int) (int, error) {
	c.mu.Lock()         // finding: DG008
	defer c.mu.Unlock() // finding: DG008
	return n, nil
}

// Once guards initialization with sync.Once.
//
//durable:workflow
func Once(ctx durable.Context, n int) (int, error) {
	var once sync.Once // finding: DG008
	v := 0
	once.Do(func() { v = n })
	return v, nil
}
