package neg

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/durablegen/durable"
)

//durable:step
func Reserve(ctx context.Context, sku string, n int) (string, error) { return sku, nil }

// reserveAll reserves the items in key order and waits: a helper that
// makes checkpoints, compiled with the workflow.
func reserveAll(ctx durable.Context, items map[string]int) ([]string, error) {
	var ids []string
	for _, sku := range slices.Sorted(maps.Keys(items)) {
		id, err := Reserve(ctx, sku, items[sku])
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := durable.Sleep(ctx, time.Minute); err != nil {
		return nil, err
	}
	return ids, nil
}

// stamp reads the durable clock in a helper.
func stamp(ctx durable.Context, ids []string) (string, error) {
	at := durable.Now(ctx)
	return Reserve(ctx, at.Format(time.RFC3339), len(ids))
}

// Order passes its context to the helpers.
//
//durable:workflow
func Order(ctx durable.Context, items map[string]int) (string, error) {
	ids, err := reserveAll(ctx, items)
	if err != nil {
		return "", err
	}
	return stamp(ctx, ids)
}
