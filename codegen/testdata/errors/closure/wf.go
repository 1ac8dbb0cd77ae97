package wf

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	wait := func() error { return durable.Sleep(ctx, time.Second) }
	if err := wait(); err != nil {
		return 0, err
	}
	return in, Step(ctx)
}
