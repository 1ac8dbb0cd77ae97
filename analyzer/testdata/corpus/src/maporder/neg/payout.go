package neg

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sort"

	"github.com/durablegen/durable"
)

//durable:step
func Pay(ctx context.Context, acct string, cents int64) error { return nil }

// Payout pays accounts in sorted order.
//
//durable:workflow
func Payout(ctx durable.Context, owed map[string]int64) (int64, error) {
	for _, acct := range slices.Sorted(maps.Keys(owed)) {
		if err := Pay(ctx, acct, owed[acct]); err != nil {
			return 0, err
		}
	}
	var total int64
	for _, cents := range owed { // an order-independent sum
		total += cents
	}
	return total, nil
}

// Keys collects then sorts.
//
//durable:workflow
func Keys(ctx durable.Context, owed map[string]int64) ([]string, error) {
	keys := make([]string, 0, len(owed))
	for k := range owed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b, err := json.Marshal(owed) // encoding/json sorts map keys
	_ = b
	return keys, err
}

// Largest finds a maximum.
//
//durable:workflow
func Largest(ctx durable.Context, owed map[string]int64) (int64, error) {
	var max int64
	for _, c := range owed {
		if c > max {
			max = c
		}
	}
	return max, nil
}
