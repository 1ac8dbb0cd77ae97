package flow

//go:generate go run github.com/durablegen/durable/cmd/durablegen

import (
	"context"
	"fmt"
	"time"

	"github.com/durablegen/durable"
)

// Input is the input of [Ledger.Run].
type Input struct {
	Steps int           // steps to run, one checkpoint each
	Work  time.Duration // how long each step works after recording its execution
}

// Output is the result of [Ledger.Run].
type Output struct {
	Steps int // steps run
	Sum   int // sum of the steps' results: 0+1+...+Steps-1
}

// Run runs in.Steps steps in sequence and sums their results.
//
//durable:workflow
func (l *Ledger) Run(ctx durable.Context, in Input) (Output, error) {
	sum := 0
	for i := range in.Steps {
		n, err := l.Step(ctx, i, in.Work)
		if err != nil {
			return Output{}, fmt.Errorf("step %d: %w", i, err)
		}
		sum += n
	}
	return Output{Steps: in.Steps, Sum: sum}, nil
}

// Step records its execution in the ledger, works for a while, so that a
// crash or a stop may fall between the execution and its checkpoint, and
// returns i.
//
//durable:step
func (l *Ledger) Step(ctx context.Context, i int, work time.Duration) (int, error) {
	if err := l.record(ctx, time.Now()); err != nil {
		return 0, err
	}
	t := time.NewTimer(work)
	defer t.Stop()
	select {
	case <-t.C:
		return i, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
