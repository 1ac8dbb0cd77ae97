package wf

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

func run(f func() error) error { return f() }

//durable:workflow
func Passed(ctx durable.Context, in int) (int, error) {
	// A literal passed to a function is not compiled.
	if err := run(func() error { return durable.Sleep(ctx, time.Second) }); err != nil {
		return 0, err
	}
	return in, nil
}

//durable:workflow
func Reassigned(ctx durable.Context, in int) (int, error) {
	var wait func() error
	wait = func() error { return Step(ctx) }
	if err := wait(); err != nil {
		return 0, err
	}
	return in, nil
}

//durable:workflow
func Escapes(ctx durable.Context, in int) (int, error) {
	wait := func() error { return Step(ctx) }
	other := wait
	if err := other(); err != nil {
		return 0, err
	}
	return in, nil
}

//durable:workflow
func CalledInLiteral(ctx durable.Context, in int) (int, error) {
	wait := func() error { return Step(ctx) }
	again := func() error { return wait() }
	return in, again()
}

//durable:workflow
func Nested(ctx durable.Context, in int) (int, error) {
	outer := func() error {
		inner := func() error { return Step(ctx) }
		return inner()
	}
	return in, outer()
}

//durable:workflow
func Allowed(ctx durable.Context, in int) (int, error) {
	// A step called inside a durable.Do body with the body's own context
	// is part of that step: allowed; so is a literal compiled as a helper.
	wait := func() error { return durable.Sleep(ctx, time.Second) }
	if err := wait(); err != nil {
		return 0, err
	}
	if err := func() error { return Step(ctx) }(); err != nil {
		return 0, err
	}
	return durable.Do(ctx, "inner", func(ctx context.Context) (int, error) {
		return in, Step(ctx)
	})
}
