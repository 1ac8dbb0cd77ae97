package wf

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

func one(ctx context.Context) (int, error) { return 1, nil }

//durable:workflow
func Between(ctx durable.Context, in int) (int, error) {
	f := durable.Go(ctx, "one", one)
	if err := Step(ctx); err != nil { // a checkpoint before All
		return 0, err
	}
	if err := durable.All(ctx, f); err != nil {
		return 0, err
	}
	return f.Get()
}

//durable:workflow
func Never(ctx durable.Context, in int) (int, error) {
	f := durable.Go(ctx, "one", one) // never awaited
	_ = f
	return in, Step(ctx)
}

//durable:workflow
func Loop(ctx durable.Context, in int) (int, error) {
	var fs []*durable.Future[int]
	for range in {
		fs = append(fs, durable.Go(ctx, "one", one))
		if err := durable.Sleep(ctx, time.Minute); err != nil {
			return 0, err
		}
	}
	return 0, durable.All(ctx, durable.Futures(fs)...)
}

//durable:workflow
func Fine(ctx durable.Context, in int) (int, error) {
	var fs []*durable.Future[int]
	for range in {
		if err := durable.Sleep(ctx, time.Minute); err != nil {
			return 0, err
		}
		fs = append(fs, durable.Go(ctx, "one", one))
		if err := durable.All(ctx, durable.Futures(fs[len(fs)-1:])...); err != nil {
			return 0, err
		}
	}
	return len(fs), nil
}

//durable:workflow
func LoopLate(ctx durable.Context, in int) (int, error) {
	var fs []*durable.Future[int]
	for range in {
		if err := durable.Sleep(ctx, time.Minute); err != nil {
			return 0, err
		}
		fs = append(fs, durable.Go(ctx, "one", one)) // the next iteration sleeps first
	}
	return 0, durable.All(ctx, durable.Futures(fs)...)
}
