package misuse

import (
	"context"
	"fmt"

	"github.com/durablegen/durable"
)

//durable:step
func Charge(ctx context.Context, n int) (int, error) { return n, nil } // want Charge:"step"

//durable:step
func Notify(ctx context.Context) error { return nil } // want Notify:"step"

//durable:workflow
func Child(ctx durable.Context, n int) (int, error) { return n, nil } // want Child:"workflow"

type holder struct{ ctx durable.Context }

// helper reads the context itself, not through package durable: it is
// not compiled with the workflow.
func helper(ctx durable.Context) int { return len(ctx.InstanceID()) }

// keyed uses its context only as the argument of durable functions and
// of another such function: ordinary code between checkpoints.
func keyed(ctx durable.Context, n int) string {
	return fmt.Sprint(durable.IdempotencyKey(ctx), suffix(ctx), n)
}

func suffix(ctx durable.Context) string { return durable.IdempotencyKey(ctx)[:4] }

// leaks passes its context on to a function that is not plain: not
// compiled with the workflow.
func leaks(ctx durable.Context) string { return suffix(ctx) + fmt.Sprint(helper(ctx)) }

//durable:workflow
func Misuse(ctx durable.Context, n int) (int, error) { // want Misuse:"workflow"
	saved := ctx          // want `DG016: the workflow context ctx is stored in a variable`
	h := holder{ctx: ctx} // want `DG016: the workflow context ctx is stored in a composite literal`
	_, _ = saved, h
	run := func() (int, error) {
		return Charge(ctx, n) // compiled like a helper: defined once, only called
	}
	_, _ = run()
	apply := func(f func() (int, error)) (int, error) { return f() }
	_, _ = apply(func() (int, error) {
		return Charge(ctx, n) // want `DG016: a closure captures the workflow context ctx`
	})
	_ = helper(ctx)   // want `DG016: the workflow context ctx is passed to helper, which is neither a step nor a workflow`
	_ = keyed(ctx, n) // plain: reads durable.IdempotencyKey
	_ = leaks(ctx)    // want `DG016: the workflow context ctx is passed to leaks, which is neither a step nor a workflow`
	_ = suffix(ctx)   // plain
	charge := Charge  // want `DG016: step Charge is used as a value`
	_, _ = charge(context.Background(), 1)
	Notify(ctx)                            // want `DG016: the error of step Notify is ignored`
	durable.Sleep(ctx, 1)                  // want `DG016: the error of durable.Sleep is ignored`
	Charge(ctx, 2)                         // want `DG016: the error of step Charge is ignored`
	v, _ := Child(durable.Background(), 1) // want `DG016: durable.Background in workflow code runs without persistence`
	w, err := durable.Do(ctx, "x", func(c context.Context) (int, error) {
		return Charge(ctx, 3) // want `DG016: a step function captures the workflow context ctx`
	})
	if err != nil {
		return 0, err
	}
	x, err := Child(ctx, v+w) // a child workflow: fine
	return x, err
}
