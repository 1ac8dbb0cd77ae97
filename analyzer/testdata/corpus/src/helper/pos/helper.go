package pos

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

//durable:step
func Reserve(ctx context.Context, sku string, n int) (string, error) { return sku, nil }

// reserveAll reserves in map order and stamps with the wall clock.
func reserveAll(ctx durable.Context, items map[string]int) ([]string, error) {
	var ids []string
	for sku, n := range items { // finding: DG009
		id, err := Reserve(ctx, sku, n)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id+time.Now().String()) // finding: DG001
	}
	return ids, nil
}

// watch keeps a channel across a checkpoint and drops a step's error.
func watch(ctx durable.Context) error {
	done := make(chan bool, 1) // finding: DG007 DG012
	Reserve(ctx, "x", 1)       // finding: DG016
	done <- true               // finding: DG007
	return nil
}

// retry calls itself.
func retry(ctx durable.Context, n int) error { // finding: DG014
	if _, err := Reserve(ctx, "y", n); err != nil && n > 0 {
		return retry(ctx, n-1)
	}
	return nil
}

// count takes the context but makes no checkpoint: not compiled.
func count(ctx durable.Context) int { return len(ctx.InstanceID()) }

// Order calls the helpers.
//
//durable:workflow
func Order(ctx durable.Context, items map[string]int) (int, error) {
	ids, err := reserveAll(ctx, items)
	if err != nil {
		return 0, err
	}
	if err := watch(ctx); err != nil {
		return 0, err
	}
	if err := retry(ctx, 3); err != nil {
		return 0, err
	}
	return len(ids) + count(ctx), nil // finding: DG016
}
