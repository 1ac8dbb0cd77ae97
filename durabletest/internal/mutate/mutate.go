// Package mutate holds workflows that write through their input, for the
// tests of package durabletest: each run must start from its own copy.
package mutate

//go:generate go run github.com/durablegen/durable/cmd/durablegen

import (
	"context"
	"maps"
	"slices"

	"github.com/durablegen/durable"
)

// Order is an input whose slice, map and pointer a workflow can write
// through.
type Order struct {
	Lines []int
	Seen  map[string]int
	Total *int
}

//durable:step
func Add(ctx context.Context, a, b int) (int, error) { return a + b, nil }

// Consume sums its input and zeroes what it read, through the slice, the
// map and the pointer: run again on the same value, it would sum zeros.
//
//durable:workflow
func Consume(ctx durable.Context, in Order) (int, error) {
	sum := 0
	for i, v := range in.Lines {
		sum += v
		in.Lines[i] = 0
	}
	for _, k := range slices.Sorted(maps.Keys(in.Seen)) {
		sum += in.Seen[k]
		in.Seen[k] = 0
	}
	if in.Total != nil {
		sum += *in.Total
		*in.Total = 0
	}
	return Add(ctx, sum, 1)
}
