package helpers

import (
	"context"

	"github.com/durablegen/durable"
)

// countdown calls itself.
func countdown(ctx durable.Context, n int) error { // want `DG014: helper countdown makes checkpoints and is recursive \(countdown calls countdown\): a recursive helper is not supported; use a loop`
	if n == 0 {
		return nil
	}
	if err := Note(ctx, "tick"); err != nil {
		return err
	}
	return countdown(ctx, n-1)
}

// ping and pong call each other.
func ping(ctx durable.Context, n int) error { // want `DG014: helper ping makes checkpoints and is recursive \(ping calls pong calls ping\)`
	if n == 0 {
		return Note(ctx, "ping")
	}
	return pong(ctx, n-1)
}

func pong(ctx durable.Context, n int) error { // want `DG014: helper pong makes checkpoints and is recursive \(pong calls ping calls pong\)`
	return ping(ctx, n)
}

// each is generic.
func each[T any](ctx durable.Context, xs []T) error { // a generic helper: compiled to a generic frame
	for range xs {
		if err := Note(ctx, "x"); err != nil {
			return err
		}
	}
	return nil
}

// Box is generic, and so is its helper method.
type Box[T any] struct{ V T }

func (b *Box[T]) put(ctx durable.Context) error { // want `DG014: helper Box.put makes checkpoints and is a method of a generic type: not supported; use a non-generic receiver`
	return Note(ctx, "put")
}

// futures registers a compensation and awaits futures: a helper may, as
// a workflow body does.
func futures(ctx durable.Context) error {
	durable.Compensate(ctx, Note, "undo")                                               // a helper's compensations join the workflow's saga
	f := durable.Go(ctx, "a", func(ctx context.Context) (int, error) { return 1, nil }) // futures in a helper: accepted
	if err := durable.All(ctx, f); err != nil {
		return err
	}
	_, err := durable.Select(ctx, f)
	return err
}

// Limits calls each helper above, and a helper method on a value that
// is not its receiver.
//
//durable:workflow
func Limits(ctx durable.Context, n int) (int, error) { // want Limits:"workflow"
	if err := countdown(ctx, n); err != nil {
		return 0, err
	}
	if err := ping(ctx, n); err != nil {
		return 0, err
	}
	if err := each(ctx, []int{n}); err != nil {
		return 0, err
	}
	var b Box[int]
	if err := b.put(ctx); err != nil { // want `DG014: helper method Box.put makes checkpoints and is called on b: a helper method can only be called on the receiver of the workflow \(or helper\) calling it, which the worker supplies on every resume; make it a function that takes the value as a parameter`
		return 0, err
	}
	if err := futures(ctx); err != nil {
		return 0, err
	}
	svc := &Service{Prefix: "p"}
	v, err := svc.tag(ctx, "x") // want `DG014: helper method Service.tag makes checkpoints and is called on svc`
	return len(v), err
}
