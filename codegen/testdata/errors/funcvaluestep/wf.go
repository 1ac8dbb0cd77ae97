package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Charge(ctx context.Context, n int) (int, error) { return n, nil }

//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	call := Charge
	return call(ctx, in)
}
