package load

//go:generate go run github.com/durablegen/durable/cmd/durablegen

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/durablegen/durable"
)

// Input is the input of [Ledger.Run]. Every feature is off at its zero
// value, so a scenario asks only for what it exercises.
type Input struct {
	Steps int           // steps in sequence, one checkpoint each
	Work  time.Duration // how long each step works after recording its execution
	// SleepEvery, if not 0, puts a durable sleep of Sleep after every
	// SleepEvery steps.
	SleepEvery int
	Sleep      time.Duration
	// Await makes the instance wait for signal "go" after step Steps/2.
	Await bool
	// Children child workflows of ChildSteps steps each run after the
	// steps, one after another.
	Children   int
	ChildSteps int
	// CompensateEvery, if not 0, registers the compensation Undo after
	// every CompensateEvery-th step; Fail makes the workflow fail at the
	// end, so that they run, last first.
	CompensateEvery int
	Fail            bool
	// Clock reads durable.Now after every sleep and counts the readings
	// that went backwards.
	Clock bool
	// Poison makes a poison instance: "panic" panics in the workflow's
	// own code after the first step, "crash" runs a step that ends its
	// worker process on every attempt.
	Poison string
}

// Ping is the payload of signal "go".
type Ping struct{ Word string }

// Output is the result of [Ledger.Run].
type Output struct {
	Steps     int    // steps run
	Sum       int    // sum of the steps' results: 0+1+...+Steps-1
	Signal    string // the payload's word of signal "go"
	Children  int    // sum of the children's results
	Backwards int    // durable.Now readings earlier than the one before
}

// ErrRefused is the error a workflow with Input.Fail ends with.
var ErrRefused = errors.New("refused at the end, as asked")

// Run runs the workload that in describes.
//
//durable:workflow
func (l *Ledger) Run(ctx durable.Context, in Input) (Output, error) {
	var out Output
	var last time.Time
	for i := range in.Steps {
		n, err := l.Step(ctx, i, in.Work)
		if err != nil {
			return Output{}, fmt.Errorf("step %d: %w", i, err)
		}
		out.Sum += n
		out.Steps++
		if in.Poison == "panic" {
			var poisoned map[string]int
			poisoned["step"] = i // a nil map: the workflow's own code panics
		}
		if in.CompensateEvery > 0 && i%in.CompensateEvery == 0 {
			durable.Compensate(ctx, l.Undo, i)
		}
		if in.SleepEvery > 0 && (i+1)%in.SleepEvery == 0 {
			if err := durable.Sleep(ctx, in.Sleep); err != nil {
				return Output{}, err
			}
			if in.Clock {
				now := durable.Now(ctx)
				if now.Before(last) {
					out.Backwards++
				}
				last = now
			}
		}
		if in.Await && i == in.Steps/2 {
			p, err := durable.Await[Ping](ctx, "go")
			if err != nil {
				return Output{}, fmt.Errorf("await go: %w", err)
			}
			out.Signal = p.Word
		}
	}
	if in.Poison == "crash" {
		if err := l.Crash(ctx); err != nil {
			return Output{}, err
		}
	}
	for c := range in.Children {
		n, err := l.Leaf(ctx, LeafInput{Steps: in.ChildSteps, Work: in.Work, Base: 100 * (c + 1)})
		if err != nil {
			return Output{}, fmt.Errorf("child %d: %w", c, err)
		}
		out.Children += n
	}
	if in.Fail {
		return out, ErrRefused
	}
	return out, nil
}

// LeafInput is the input of [Ledger.Leaf].
type LeafInput struct {
	Steps int
	Work  time.Duration
	Base  int
}

// Leaf is the child workflow: Steps steps whose results it sums, plus
// Base.
//
//durable:workflow
func (l *Ledger) Leaf(ctx durable.Context, in LeafInput) (int, error) {
	sum := in.Base
	for i := range in.Steps {
		n, err := l.Step(ctx, i, in.Work)
		if err != nil {
			return 0, fmt.Errorf("leaf step %d: %w", i, err)
		}
		sum += n
	}
	return sum, nil
}

// Step records its execution, works for work (so that a fault may fall
// between the execution and its checkpoint) and returns i.
//
//durable:step
func (l *Ledger) Step(ctx context.Context, i int, work time.Duration) (int, error) {
	if err := l.record(ctx, i); err != nil {
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

// Undo is the compensation of step i.
//
//durable:step
func (l *Ledger) Undo(ctx context.Context, i int) error {
	return l.record(ctx, i)
}

// Crash records its execution and ends the worker process, on every
// attempt: a poison step.
//
//durable:step
func (l *Ledger) Crash(ctx context.Context) error {
	if err := l.record(ctx, -1); err != nil {
		return err
	}
	l.crash()
	return errors.New("the worker did not end")
}

// Expect returns what an instance started with in must return: its
// output, or the text its error must contain.
func Expect(in Input) (Output, string) {
	out := Output{Steps: in.Steps, Sum: in.Steps * (in.Steps - 1) / 2}
	if in.Await && in.Steps > 0 {
		out.Signal = "go"
	}
	for c := range in.Children {
		out.Children += 100*(c+1) + in.ChildSteps*(in.ChildSteps-1)/2
	}
	if in.Fail {
		return out, ErrRefused.Error()
	}
	return out, ""
}
