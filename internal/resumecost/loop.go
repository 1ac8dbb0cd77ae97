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

// Counter is a receiver whose method is a step.
type Counter struct{ Step int }

// Add is a method step: it returns i+Step.
//
//durable:step
func (c Counter) Add(ctx context.Context, i int) (int, error) { return i + c.Step, nil }

// MethodLoop is Loop with a method step, called on a value in the frame.
//
//durable:workflow
func MethodLoop(ctx durable.Context, n int) (int, error) {
	c := Counter{Step: 1}
	total := 0
	for i := range n {
		v, err := c.Add(ctx, i)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}
