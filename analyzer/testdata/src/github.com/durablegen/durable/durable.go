// Package durable is a stub of the authoring API with the same signatures,
// for the analyzer's tests.
package durable

import (
	"context"
	"time"
)

type Context interface {
	context.Context
	InstanceID() string
}

type Option func()

func Background() Context                                  { return nil }
func NewContext(parent context.Context, id string) Context { return nil }
func Now(ctx Context) time.Time                            { return time.Time{} }
func Sleep(ctx Context, d time.Duration) error             { return nil }
func SleepUntil(ctx Context, t time.Time) error            { return nil }
func Random(ctx Context) uint64                            { return 0 }
func UUID(ctx Context) string                              { return "" }
func IdempotencyKey(ctx Context) string                    { return "" }
func StepKey(ctx context.Context) string                   { return "" }
func SideEffect[T any](ctx Context, fn func() T) T         { return fn() }
func Await[T any](ctx Context, name string) (T, error)     { var v T; return v, nil }
func Permanent(err error) error                            { return err }
func Do[T any](ctx Context, name string, fn func(ctx context.Context) (T, error), opts ...Option) (T, error) {
	return fn(ctx)
}

func Compensate(ctx Context, step any, args ...any) {}

func AwaitTimeout[T any](ctx Context, name string, d time.Duration) (T, bool, error) {
	var v T
	return v, false, nil
}

type Pending interface{ StepName() string }

type Future[T any] struct{ name string }

func (f *Future[T]) StepName() string { return f.name }
func (f *Future[T]) Get() (T, error)  { var v T; return v, nil }

// MarshalJSON saves a future with the frame, as the real one does.
func (f *Future[T]) MarshalJSON() ([]byte, error) { return nil, nil }

func Go[T any](ctx Context, name string, fn func(ctx context.Context) (T, error)) *Future[T] {
	return &Future[T]{name: name}
}
func All(ctx Context, futures ...Pending) error           { return nil }
func Select(ctx Context, futures ...Pending) (int, error) { return 0, nil }
