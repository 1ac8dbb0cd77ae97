package durabletest

import (
	"context"
	"fmt"
	"reflect"

	"github.com/durablegen/durable/runtime"
)

// Stub replaces a //durable:step with fake in the machine runs of [Run]:
// wherever the workflow calls step, the generated machine calls fake with
// the same arguments and a context that carries the step's key
// (durable.StepKey) and instance, so a fake can record effects in a [Log].
// The fake's result is checkpointed like the real step's, and its errors
// are retried under the step's policy (return durable.Permanent(err) to
// fail at once).
//
// step is the step function, or for a method step a method value of any
// receiver of its type:
//
//	durabletest.Stub(payments.Charge, func(ctx context.Context, acct string, cents int64, key string) (payments.ChargeResult, error) { ... })
//	durabletest.Stub(payments.Bank{}.Charge, fakeCharge)
//	durabletest.Stub((*payments.Client)(nil).Charge, fakeCharge)
//
// A stubbed workflow has no direct-call oracle — the original function
// would call the real step — so the uncrashed machine run is the baseline
// every crashed run must match, and [Report] holds its result for the
// test's own assertions.
func Stub[F any](step F, fake F) Option {
	return func(c *config) {
		name, err := stepName(step)
		if err == nil && reflect.ValueOf(fake).IsNil() {
			err = fmt.Errorf("the fake for %s is nil", name)
		}
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("durabletest.Stub: %w", err))
			return
		}
		c.stub(name, fake)
	}
}

// StubDo replaces the durable.Do step called name with fake in the
// machine runs of [Run], as [Stub] does for a //durable:step.
func StubDo[T any](name string, fake func(ctx context.Context) (T, error)) Option {
	return func(c *config) {
		if fake == nil {
			c.errs = append(c.errs, fmt.Errorf("durabletest.StubDo(%q): the fake is nil", name))
			return
		}
		c.stub("do:"+name, fake)
	}
}

func (c *config) stub(name string, fake any) {
	if c.stubs == nil {
		c.stubs = map[string]any{}
	}
	if _, dup := c.stubs[name]; dup {
		c.errs = append(c.errs, fmt.Errorf("durabletest: step %s is stubbed twice", name))
		return
	}
	c.stubs[name] = fake
}

// stepName returns the name of step for runtime.WithStubs, or why it
// is not a step a workflow can call.
func stepName(step any) (string, error) {
	name, err := runtime.StubName(step)
	if err != nil {
		return "", err
	}
	return name, checkStepType(reflect.TypeOf(step))
}

// checkStepType reports a step type that cannot be a step called with a
// workflow's context first: in practice a method expression, whose first
// parameter is the receiver.
func checkStepType(t reflect.Type) error {
	ctxType := reflect.TypeFor[context.Context]()
	if t.NumIn() == 0 || t.In(0) != ctxType {
		if t.NumIn() > 1 && t.In(1) == ctxType {
			return fmt.Errorf("%v is a method expression; pass a method value instead, such as Bank{}.Charge or (*Bank)(nil).Charge", t)
		}
		return fmt.Errorf("%v is not a step: a step takes a context.Context first", t)
	}
	return nil
}
