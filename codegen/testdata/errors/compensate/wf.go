package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Refund(ctx context.Context, id string, cents int64) error { return nil }

//durable:step
func Release(ctx context.Context, ids ...string) error { return nil }

//durable:step
func Notify(ctx context.Context, ch chan int) error { return nil }

func plain(ctx context.Context, id string) error { return nil }

//durable:workflow
func Saga(ctx durable.Context, id string) (int, error) {
	durable.Compensate(ctx, plain, id)
	durable.Compensate(ctx, Refund, id)
	durable.Compensate(ctx, Refund, id, "ten")
	durable.Compensate(ctx, Release, id)
	durable.Compensate(ctx, Notify, make(chan int))
	f := func() { durable.Compensate(ctx, Refund, id, 10) }
	f()
	durable.Compensate(durable.Background(), Refund, id, 10)
	return 0, nil
}
