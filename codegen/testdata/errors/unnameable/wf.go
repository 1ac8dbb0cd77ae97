package wf

import (
	"context"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/equiv/ext"
)

//durable:step
func Step(ctx context.Context, n int) (int, error) { return n, nil }

// The tally is used after the checkpoint: it must be in the frame, whose
// type cannot name ext's unexported tally.
//
//durable:workflow
func Live(ctx durable.Context, n int) (int, error) {
	t := ext.NewTally(n)
	if _, err := Step(ctx, n); err != nil {
		return 0, err
	}
	return t.Total(), nil
}

// The tally is defined in one state and used in another one.
//
//durable:workflow
func OtherState(ctx durable.Context, n int) (int, error) {
	t := ext.NewTally(n)
	if n > 0 {
		if _, err := Step(ctx, n); err != nil {
			return 0, err
		}
	} else {
		t.Add(1)
	}
	return 0, nil
}
