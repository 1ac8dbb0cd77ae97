package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Charge(ctx context.Context, n int) (int, error) { return n, nil }

//durable:step
func Undo(ctx context.Context, n int) error { return nil }

// countdown is recursive.
func countdown(ctx durable.Context, n int) (int, error) {
	if n == 0 {
		return 0, nil
	}
	if _, err := Charge(ctx, n); err != nil {
		return 0, err
	}
	return countdown(ctx, n-1)
}

// ping and pong call each other.
func ping(ctx durable.Context, n int) error {
	if _, err := Charge(ctx, n); err != nil || n == 0 {
		return err
	}
	return pong(ctx, n-1)
}

func pong(ctx durable.Context, n int) error { return ping(ctx, n) }

// pick is generic.
func pick[T any](ctx durable.Context, v T) (T, error) {
	_, err := Charge(ctx, 1)
	return v, err
}

// saga registers a compensation and starts a future.
func saga(ctx durable.Context, n int) error {
	durable.Compensate(ctx, Undo, n)
	f := durable.Go(ctx, "charge", func(ctx context.Context) (int, error) { return Charge(ctx, n) })
	return durable.All(ctx, f)
}

// fill writes through its parameter.
func fill(ctx durable.Context, xs []int) error {
	for i := range xs {
		v, err := Charge(ctx, i)
		if err != nil {
			return err
		}
		xs[i] = v
	}
	return nil
}

// grow reassigns its parameter, so a caller cannot re-link it.
func grow(ctx durable.Context, xs []int) error {
	v, err := Charge(ctx, 1)
	xs = append(xs[:0], v)
	return err
}

var saved durable.Context

// keep stores the context.
func keep(ctx durable.Context) { saved = ctx }

type Svc struct{ Name string }

func (s Svc) run(ctx durable.Context) error {
	_, err := Charge(ctx, len(s.Name))
	return err
}

//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	n, err := countdown(ctx, in)
	if err != nil {
		return 0, err
	}
	if err := ping(ctx, in); err != nil {
		return 0, err
	}
	v, err := pick(ctx, in)
	if err != nil {
		return 0, err
	}
	if err := saga(ctx, in); err != nil {
		return 0, err
	}
	xs := make([]int, in+1)
	if err := fill(ctx, xs[1:]); err != nil {
		return 0, err
	}
	if err := grow(ctx, xs); err != nil {
		return 0, err
	}
	keep(ctx)
	var s Svc
	if err := s.run(ctx); err != nil {
		return 0, err
	}
	return n + v + xs[0], nil
}
