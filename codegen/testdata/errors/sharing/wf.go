package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

//durable:workflow
func W(ctx durable.Context, in []int) (int, error) {
	xs := []int{1, 2}
	ys := xs
	head := in[:1]
	if err := Step(ctx); err != nil {
		return 0, err
	}
	xs[0] = 9
	return ys[0] + xs[0] + head[0], nil
}
