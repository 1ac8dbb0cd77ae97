package neg

import (
	"context"
	"sync"

	"github.com/durablegen/durable"
)

//durable:step
func NotifyAll(ctx context.Context, users []string) (int, error) {
	var wg sync.WaitGroup
	for range users {
		wg.Add(1)
		go func() { defer wg.Done() }() // goroutines inside a step
	}
	wg.Wait()
	return len(users), nil
}

// Broadcast fans out inside one step.
//
//durable:workflow
func Broadcast(ctx durable.Context, users []string) (int, error) {
	return NotifyAll(ctx, users)
}

// Spawn is plain code that no workflow calls.
func Spawn(f func()) { go f() }
