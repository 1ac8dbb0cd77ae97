// Package helperlib holds a function that takes the durable.Context and
// makes checkpoints, for workflows of another package: durablegen
// compiles only the helpers of a workflow's own package.
package helperlib

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Ship(ctx context.Context, n int) (int, error) { return n, nil } // want Ship:"step"

// ShipTwice makes two checkpoints.
func ShipTwice(ctx durable.Context, n int) (int, error) {
	if _, err := Ship(ctx, n); err != nil {
		return 0, err
	}
	return Ship(ctx, n)
}
