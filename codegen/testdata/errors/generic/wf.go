package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

//durable:workflow
func W[T any](ctx durable.Context, in T) (T, error) {
	return in, Step(ctx)
}
