package neg

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

//durable:step timeout=30s
func Status(ctx context.Context, id string) (bool, error) {
	c, cancel := context.WithTimeout(ctx, time.Second) // a step may set deadlines
	defer cancel()
	_ = c
	time.Sleep(time.Millisecond)
	return true, nil
}

// Poll uses durable timers.
//
//durable:workflow
func Poll(ctx durable.Context, id string) (int, error) {
	for n := 1; ; n++ {
		done, err := Status(ctx, id)
		if err != nil || done {
			return n, err
		}
		if err := durable.Sleep(ctx, 30*time.Second); err != nil {
			return n, err
		}
	}
}

// Backoff computes waits without waiting.
//
//durable:workflow
func Backoff(ctx durable.Context, attempt int) (time.Duration, error) {
	d := time.Duration(1<<attempt) * time.Second
	return min(d, time.Hour), nil
}
