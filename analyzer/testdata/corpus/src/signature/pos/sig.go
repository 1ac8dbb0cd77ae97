package pos

import (
	"context"

	"github.com/durablegen/durable"
)

// Plain forgets the durable context.
//
//durable:workflow
func Plain(ctx context.Context, id string) (string, error) { // finding: DG015
	return id, nil
}

// NoResult returns nothing.
//
//durable:workflow
func NoResult(ctx durable.Context, id string) { // finding: DG015
}

type Job struct {
	Done chan struct{}
}

// Run takes an input that cannot be saved.
//
//durable:workflow
func Run(ctx durable.Context, j Job) (int, error) { // finding: DG015
	return 0, nil
}
