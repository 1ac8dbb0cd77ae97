package pos

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

//durable:step
func Status(ctx context.Context, id string) (bool, error) { return true, nil }

// Poll waits on the wall clock between polls.
//
//durable:workflow
func Poll(ctx durable.Context, id string) (int, error) {
	for n := 1; ; n++ {
		done, err := Status(ctx, id)
		if err != nil || done {
			return n, err
		}
		time.Sleep(30 * time.Second) // finding: DG002
	}
}

// Timeout bounds the workflow with a wall-clock context.
//
//durable:workflow
func Timeout(ctx durable.Context, id string) (bool, error) {
	tctx, cancel := context.WithTimeout(context.Background(), time.Minute) // finding: DG002
	defer cancel()
	_ = tctx
	return Status(ctx, id)
}

// Ticker polls on a ticker.
//
//durable:workflow
func Ticker(ctx durable.Context, id string) (bool, error) {
	t := time.NewTicker(time.Second) // finding: DG002
	defer t.Stop()
	return Status(ctx, id)
}
