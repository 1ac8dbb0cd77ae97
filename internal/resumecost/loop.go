package resumecost

import (
	"context"

	"github.com/durablegen/durable"
)

//go:generate go run github.com/durablegen/durable/cmd/durablegen

// Tick is a step: it returns i+1.
//
//durable:step
func Tick(ctx context.Context, i int) (int, error) { return i + 1, nil }

// Loop makes n checkpoints, one per Tick, and returns the sum of their
// results.
//
//durable:workflow
func Loop(ctx durable.Context, n int) (int, error) {
	total := 0
	for i := range n {
		v, err := Tick(ctx, i)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}
