package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Note(ctx context.Context, s string) error { return nil }

// keep holds a value of its type parameter across a checkpoint.
func keep[T any](ctx durable.Context, v T) (T, error) {
	if err := Note(ctx, "kept"); err != nil {
		return v, err
	}
	return v, nil
}

// undo registers a compensation: its frame is gone when it runs, and a
// generic frame cannot be named then.
func undo[T any](ctx durable.Context, v T) error {
	durable.Compensate(ctx, Note, "undo")
	return Note(ctx, "done")
}

//durable:workflow
func W(ctx durable.Context, n int) (int, error) {
	if _, err := keep(ctx, make(chan int)); err != nil {
		return 0, err
	}
	if err := undo(ctx, n); err != nil {
		return 0, err
	}
	return keep(ctx, n)
}
