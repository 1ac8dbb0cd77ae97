package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	ch := make(chan int, 1)
	ch <- in
	v := <-ch
	select {
	case ch <- v:
	default:
	}
	for x := range ch {
		v += x
	}
	return v, Step(ctx)
}
