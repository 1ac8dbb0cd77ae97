package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:workflow
func NoContext(ctx context.Context, in int) (int, error) {
	return in, nil
}

//durable:workflow
func NoError(ctx durable.Context, in int) int {
	return in
}

//durable:workflow
func BadInput(ctx durable.Context, in chan int) (int, error) {
	return 0, nil
}
