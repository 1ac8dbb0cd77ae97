// Package helperlib holds a function that takes the durable.Context and
// makes checkpoints, for workflows of another package: durablegen
// compiles only the helpers of a workflow's own package.
package helperlib

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Ship(ctx context.Context, n int) (int, error) { return n, nil } // want Ship:"step"

// ShipTwice makes two checkpoints.
func ShipTwice(ctx durable.Context, n int) (int, error) {
	if _, err := Ship(ctx, n); err != nil {
		return 0, err
	}
	return Ship(ctx, n)
}

// ShipAll makes a checkpoint per item. Its package declares the compiled
// form durablegen generates for an exported helper (here by hand): a
// workflow of another package may call it.
func ShipAll(ctx durable.Context, ns []int) (int, error) {
	total := 0
	for _, n := range ns {
		v, err := Ship(ctx, n)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// NewDurableFrameShipAll stands for the constructor durablegen generates.
func NewDurableFrameShipAll(ns []int) *struct{} { return nil }
