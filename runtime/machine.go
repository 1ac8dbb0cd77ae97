package runtime

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

// Machine is a workflow compiled by durablegen: a frame (the workflow's
// live variables and its program counter) with a method that runs it from
// its current checkpoint. Only generated code implements it.
type Machine interface {
	// Run executes from the frame's program counter until the workflow
	// returns (it then returns the result of [Return]), or a checkpoint
	// suspends or stops it (it returns the error of [Exec.Commit]).
	Run(x *Exec) error
	// MarshalFrame writes the frame's serialized fields.
	MarshalFrame(e *Encoder)
	// UnmarshalFrame restores the fields written by MarshalFrame.
	UnmarshalFrame(d *Decoder) error
}

// Input is implemented by the machine of a workflow whose input is In.
type Input[In any] interface {
	SetInput(in In)
}

// Site is a static description of one checkpoint in a generated machine.
type Site struct {
	ID     int            // checkpoint ID: the machine state that performs it
	Kind   string         // "step", "do" (a durable.Do step), "sleep", "await", "now", "effect"
	Name   string         // step name (function or Do name), signal name
	Pos    string         // source position "file.go:line:col"
	Policy durable.Policy // default retry policy (steps)
	// InMemory is set for a step with an argument the frame cannot
	// store: a suspended retry would have to evaluate it again, so its
	// retries wait in memory, however long the backoff.
	InMemory bool
}

// The functions below are what generated machines call at checkpoints.
// Each performs the effect of checkpoint s (running a step with its retry
// policy, arming a timer...) and records what the following Commit stores.
// The generated code of a checkpoint is:
//
//	case 7:
//		f.v, f.err = runtime.Call(x, &site7, func(ctx context.Context) (T, error) { return Step(ctx, a, b) })
//		if err := x.Commit(&f.pc, 8); err != nil {
//			return err
//		}

// Call runs step fn at site s under its policy (s.Policy adjusted by opts)
// and returns its result, or its error once it is permanent or the
// attempts are exhausted. A panic in fn is a retryable error.
func Call[T any](x *Exec, s *Site, fn func(ctx context.Context) (T, error), opts ...durable.Option) (T, error) {
	return call(x, s, fn, opts)
}

// CallErr is Call for a step that returns only an error.
func CallErr(x *Exec, s *Site, fn func(ctx context.Context) error, opts ...durable.Option) error {
	_, err := call(x, s, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) }, opts)
	return err
}

// CallValue is Call for a step that returns only a value. If it still
// fails after its retries, the workflow fails with that error at the
// following Commit.
func CallValue[T any](x *Exec, s *Site, fn func(ctx context.Context) T, opts ...durable.Option) T {
	v, err := call(x, s, func(ctx context.Context) (T, error) { return fn(ctx), nil }, opts)
	if err != nil {
		x.failWith(err)
	}
	return v
}

// CallResults is Call for a step with several results and an error. fn
// runs one attempt: it stores the step's results in the variables that
// results point to and returns the step's error. The results of the
// attempt that succeeds are recorded in the step's history event as one
// array, in order.
func CallResults(x *Exec, s *Site, fn func(ctx context.Context) error, results ...any) error {
	_, err := call(x, s, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) }, nil)
	if err == nil && x.abort == nil {
		x.pend.detail, _ = x.cfg.codec.Marshal(results)
	}
	return err
}

// CallValues is CallResults for a step with several results and no
// error. If it still fails (panics) after its retries, the workflow fails
// with that error at the following Commit.
func CallValues(x *Exec, s *Site, fn func(ctx context.Context), results ...any) {
	err := CallResults(x, s, func(ctx context.Context) error {
		fn(ctx)
		return nil
	}, results...)
	if err != nil {
		x.failWith(err)
	}
}

// Sleep arms a durable timer for d: the following Commit suspends the
// instance until then.
func Sleep(x *Exec, s *Site, d time.Duration) error { return x.sleepUntil(s, x.now().Add(d)) }

// SleepUntil arms a durable timer for t.
func SleepUntil(x *Exec, s *Site, t time.Time) error { return x.sleepUntil(s, t) }

// Now returns the durable time, recorded by the following Commit.
func Now(x *Exec, s *Site) time.Time { return x.recordNow(s) }

// SideEffect runs fn and records its result with the following Commit.
func SideEffect[T any](x *Exec, s *Site, fn func() T) T {
	if x.abort == nil {
		if err := x.holdLease(); err != nil {
			x.stop(err)
		}
	}
	if x.abort != nil {
		var zero T
		return zero
	}
	v := fn()
	x.record(s, "effect")
	return v
}

// Await returns the payload of signal s.Name if one has arrived; the
// following Commit consumes it. If none has, the following Commit
// suspends the instance at this checkpoint until one arrives.
func Await[T any](x *Exec, s *Site) (T, error) {
	var v T
	err := x.await(s, func(payload []byte) error { return x.codec().Unmarshal(payload, &v) })
	return v, err
}

// Deadline returns the durable time d from now: where a lowered
// durable.AwaitTimeout records its deadline before it waits.
func Deadline(x *Exec, d time.Duration) time.Time { return x.now().Add(d) }

// AwaitUntil is [Await] with a deadline: if signal s.Name has not arrived
// by then it returns false, and until then the following Commit suspends
// the instance at this checkpoint, waking it at the deadline.
func AwaitUntil[T any](x *Exec, s *Site, deadline time.Time) (T, bool, error) {
	var v T
	got := false
	err := x.awaitUntil(s, deadline, func(payload []byte) error {
		got = true
		return x.codec().Unmarshal(payload, &v)
	})
	return v, got, err
}

// Returns is [Return] for return g() with g returning (Out, error):
// generated code calls Returns[Out](x)(g()).
func Returns[Out any](x *Exec) func(out Out, err error) error {
	return func(out Out, err error) error { return Return(x, out, err) }
}

// Return ends the workflow with (out, err): it commits the instance as
// completed or failed (after running its compensations, if it registered
// any) and returns what the worker expects of Run. An err of
// durable.ContinueAsNew commits the start of the instance's next run
// instead, discarding out (see [Continuation]).
func Return[Out any](x *Exec, out Out, err error) error {
	if c, ok := durable.IsContinueAsNew(err); ok {
		return x.continueAsNew(c)
	}
	if err != nil {
		return x.failSaga(err)
	}
	b, merr := x.codec().Marshal(out)
	if merr != nil {
		return x.finish(nil, durable.Permanent(merr))
	}
	return x.finish(b, nil)
}
