package wf

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	wait := func() error { return durable.Sleep(ctx, time.Second) }
	if err := wait(); err != nil {
		return 0, err
	}
	return in, Step(ctx)
}

//durable:workflow
func StepInClosure(ctx durable.Context, in int) (int, error) {
	run := func() error { return Step(ctx) }
	if err := run(); err != nil {
		return 0, err
	}
	// A step called inside a durable.Do body with the body's own context
	// is part of that step: allowed.
	return durable.Do(ctx, "inner", func(ctx context.Context) (int, error) {
		return in, Step(ctx)
	})
}
