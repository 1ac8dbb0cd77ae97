package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

// W takes a slice out of a slice of slices: the frame keeps shared the
// slices, maps and pointers of stored variables, not those inside them.
//
//durable:workflow
func W(ctx durable.Context, in []int) (int, error) {
	xs := [][]int{{1, 2}, in}
	ys := xs[0]
	if err := Step(ctx); err != nil {
		return 0, err
	}
	ys[0] = 9
	return xs[0][0], nil
}
