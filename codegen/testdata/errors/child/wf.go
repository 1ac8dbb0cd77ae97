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
	a, err := Child(durable.Background(), in) // a child must get the workflow's context
	if err != nil {
		return 0, err
	}
	return Child(ctx, a) // fine: a child workflow, checkpointed
}
