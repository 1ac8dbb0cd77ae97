package misuse

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Charge(ctx context.Context, n int) (int, error) { return n, nil } // want Charge:"step"

//durable:step
func Notify(ctx context.Context) error { return nil } // want Notify:"step"

//durable:workflow
func Child(ctx durable.Context, n int) (int, error) { return n, nil } // want Child:"workflow"

type holder struct{ ctx durable.Context }

func helper(ctx durable.Context) int { return 1 }

//durable:workflow
func Misuse(ctx durable.Context, n int) (int, error) { // want Misuse:"workflow"
	saved := ctx          // want `DG016: the workflow context ctx is stored in a variable`
	h := holder{ctx: ctx} // want `DG016: the workflow context ctx is stored in a composite literal`
	_, _ = saved, h
	run := func() (int, error) {
		return Charge(ctx, n) // want `DG016: a closure captures the workflow context ctx`
	}
	_, _ = run()
	_ = helper(ctx)  // want `DG016: the workflow context ctx is passed to helper, which is neither a step nor a workflow`
	charge := Charge // want `DG016: step Charge is used as a value`
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
