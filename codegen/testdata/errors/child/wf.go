package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

//durable:workflow
func Child(ctx durable.Context, in int) (int, error) {
	return in, Step(ctx)
}

//durable:workflow
func Parent(ctx durable.Context, in int) (int, error) {
	return Child(ctx, in)
}
