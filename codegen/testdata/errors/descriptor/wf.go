package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context, n int) (int, error) { return n, nil }

//durable:workflow
func Order(ctx durable.Context, n int) (int, error) {
	return Step(ctx, n)
}

// OrderWorkflow takes the name of Order's generated descriptor.
var OrderWorkflow = 1
