package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	defer println("done")
	return in, Step(ctx)
}
