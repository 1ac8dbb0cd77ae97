package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	x := in
	p := &x
	if err := Step(ctx); err != nil {
		return 0, err
	}
	*p = 2
	return x, nil
}
