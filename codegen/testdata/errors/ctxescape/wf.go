package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

func helper(ctx context.Context) error { return Step(ctx) }

//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	if err := helper(ctx); err != nil {
		return 0, err
	}
	return in, Step(ctx)
}
