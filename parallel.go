package durable

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/durablegen/durable/internal/wire"
)

// Go prepares step fn, named name, to run in parallel with others: the
// steps run when the workflow calls [All] on their futures, concurrently,
// and All is one checkpoint for all of them.
//
//	charge := durable.Go(ctx, "charge", func(ctx context.Context) (Charge, error) { return pay.Charge(ctx, in.From, in.Cents) })
//	hold := durable.Go(ctx, "hold", func(ctx context.Context) (Hold, error) { return stock.Hold(ctx, in.Item) })
//	if err := durable.All(ctx, charge, hold); err != nil {
//		return Receipt{}, err
//	}
//	c, _ := charge.Get()
//
// Each step gets its own idempotency key (durable.StepKey: instance,
// checkpoint and its position in All) and its own retries; as with
// [Do], fn must not use the workflow's context. Call All before any other
// checkpoint: durablegen rejects a checkpoint between Go and its All.
func Go[T any](ctx Context, name string, fn func(ctx context.Context) (T, error)) *Future[T] {
	return &Future[T]{name: name, fn: fn}
}

// Future is the result of a step started with [Go]: [All] runs the step
// and settles it. It is stored with the workflow's frame once settled
// (its value through the frame codec, its error as its message).
type Future[T any] struct {
	name    string
	fn      func(ctx context.Context) (T, error)
	settled bool
	val     T
	err     error
}

// Get returns the step's result. Before [All] settled the future it
// returns an error saying so.
func (f *Future[T]) Get() (T, error) {
	if f == nil || !f.settled {
		var zero T
		return zero, errors.New("durable: Future.Get before durable.All settled it")
	}
	return f.val, f.err
}

// Pending is a future that [All] can run: *Future[T] of any T. Its
// methods are for the runtime.
type Pending interface {
	// StepName returns the name given to Go.
	StepName() string
	// RunStep runs the step once with ctx, keeping its result; it returns
	// the step's error.
	RunStep(ctx context.Context) error
	// Settled reports whether a result is final (after All).
	Settled() bool
	// Settle makes the kept result final.
	Settle()
}

// StepName implements [Pending].
func (f *Future[T]) StepName() string { return f.name }

// RunStep implements [Pending]. A panic in the step is its error.
func (f *Future[T]) RunStep(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero T
			f.val, f.err = zero, fmt.Errorf("step %s panicked: %v", f.name, r)
			err = f.err
		}
	}()
	if f.fn == nil {
		return Permanent(fmt.Errorf("step %q was started with durable.Go before a checkpoint that durable.All came after: its function did not survive the checkpoint", f.name))
	}
	f.val, f.err = f.fn(ctx)
	return f.err
}

// Settled implements [Pending].
func (f *Future[T]) Settled() bool { return f.settled }

// Settle implements [Pending].
func (f *Future[T]) Settle() { f.settled = true }

// futureJSON is how a settled future is stored.
type futureJSON[T any] struct {
	Name    string `json:"name"`
	Settled bool   `json:"settled,omitempty"`
	Val     T      `json:"val"`
	Err     string `json:"err,omitempty"`
}

// MarshalJSON stores the future's name and result.
func (f *Future[T]) MarshalJSON() ([]byte, error) {
	j := futureJSON[T]{Name: f.name, Settled: f.settled, Val: f.val}
	if f.err != nil {
		j.Err = f.err.Error()
	}
	return wire.Marshal(j, nil)
}

// UnmarshalJSON restores a stored future (without its function).
func (f *Future[T]) UnmarshalJSON(b []byte) error {
	var j futureJSON[T]
	if err := wire.Unmarshal(b, &j, nil); err != nil {
		return err
	}
	f.name, f.settled, f.val, f.fn = j.Name, j.Settled, j.Val, nil
	f.err = nil
	if j.Err != "" {
		f.err = &Error{Message: j.Err}
	}
	return nil
}

// Futures returns fs as Pending values, to await a slice of them:
// durable.All(ctx, durable.Futures(fs)...).
func Futures[T any](fs []*Future[T]) []Pending {
	out := make([]Pending, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

// All runs the steps of futures started with [Go], concurrently, waits for
// all of them and settles them; it is one checkpoint. It returns the error
// of the first future, in the order given, whose step failed (after its
// retries); every future's own result is in its Get.
//
// In a direct call the steps run concurrently once each, without retries.
func All(ctx Context, futures ...Pending) error {
	var wg sync.WaitGroup
	errs := make([]error, len(futures))
	for i, f := range futures {
		if f == nil || f.Settled() {
			continue
		}
		sctx := WithStep(ctx, StepInfo{InstanceID: ctx.InstanceID(), Name: f.StepName(), Seq: directSeq(ctx), Index: i + 1, Attempt: 1})
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.RunStep(sctx)
		}()
	}
	wg.Wait()
	for _, f := range futures {
		if f != nil {
			f.Settle()
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Select runs the steps of futures started with [Go] concurrently and
// returns the index of the first one to finish (successfully or not) once
// its step is done: that future is settled, the others' steps are
// cancelled (their contexts are done; a step may still have had its
// effect) and left unsettled, never to run again. Select is one
// checkpoint: the winner is recorded, so a resumed workflow sees the same
// one. With no futures it returns -1.
func Select(ctx Context, futures ...Pending) (int, error) {
	id := ctx.InstanceID()
	return selectFirst(ctx, futures, func(sctx context.Context, i int, f Pending) error {
		return f.RunStep(WithStep(sctx, StepInfo{InstanceID: id, Name: f.StepName(), Seq: directSeq(ctx), Index: i + 1, Attempt: 1}))
	})
}

// SelectWith is [Select] with run running future i's step: the runtime's
// retries and step keys. It is for the runtime.
func SelectWith(ctx context.Context, futures []Pending, run func(ctx context.Context, i int, f Pending) error) (int, error) {
	return selectFirst(ctx, futures, run)
}

func selectFirst(ctx context.Context, futures []Pending, run func(ctx context.Context, i int, f Pending) error) (int, error) {
	if len(futures) == 0 {
		return -1, nil
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type done struct {
		i   int
		err error
	}
	ch := make(chan done, len(futures))
	for i, f := range futures {
		if f == nil {
			ch <- done{i, errors.New("durable: nil future")}
			continue
		}
		go func() { ch <- done{i, run(cctx, i, f)} }()
	}
	first := <-ch
	cancel()
	for range len(futures) - 1 {
		<-ch // no step outlives Select
	}
	if f := futures[first.i]; f != nil {
		f.Settle()
	}
	return first.i, first.err
}
