package neg

import (
	"context"
	"sync"

	"github.com/durablegen/durable"
)

type Cache struct {
	mu sync.Mutex
	m  map[string]int
}

//durable:step
func (c *Cache) Get(ctx context.Context, k string) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k], nil
}

// Lookup reads a cache through a step: its lock is the step's business.
//
//durable:workflow
func (c *Cache) Lookup(ctx durable.Context, k string) (int, error) {
	return c.Get(ctx, k)
}
