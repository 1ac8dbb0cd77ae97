package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Three(ctx context.Context) (int, int, error) { return 1, 2, nil } // several results: accepted

//durable:step
func NoCtx(n int) (int, error) { return n, nil }

//durable:step retries=lots
func BadOpts(ctx context.Context) error { return nil }

//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	a, b, err := Three(ctx)
	if err != nil {
		return 0, err
	}
	c, _ := NoCtx(in)
	return a + b + c, BadOpts(ctx)
}
