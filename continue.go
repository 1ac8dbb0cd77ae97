package durable

import (
	"errors"
	"fmt"
)

// ContinueAsNew returns the error that ends the current run of the
// workflow and starts it again under the same instance ID, with in as its
// input, a fresh frame and a fresh history: return it from the workflow
// function as its error,
//
//	if iterations == 1000 {
//		return Out{}, durable.ContinueAsNew(ctx, next)
//	}
//
// so that a workflow that loops forever (polling, a subscription renewed
// every month) runs in constant storage. in must be of the workflow's
// input type; the Out returned with it is discarded.
//
// In a generated machine the runtime commits the end of the run and the
// start of the next in one transaction: the instance keeps its ID, its
// run number goes up by one, the summary of the run that ended (its times
// and the input it continued with) stays readable, and its history and
// consumed signals are deleted; signals not yet consumed wait for the next
// run. Sequence numbers go on counting from where the run stopped, so the
// keys of the next run's steps ([StepKey]) and child workflows differ from
// those of earlier runs; [IdempotencyKey], derived from the instance ID
// alone, is the same in every run.
//
// Compensations registered with [Compensate] do not run: continuing is
// not a failure, and the next run starts with none registered.
//
// The error must be returned as it is made: it cannot be kept across a
// checkpoint (the frame refuses to store it), nor wrapped in a way that
// hides it from errors.As.
//
// A direct call ([Background]) returns the error: the caller sees that
// the run continued and with what input ([ContinueAsNewError].Input);
// [Workflow.Call] does the same. The durabletest package runs the next
// run the way the runtime does.
func ContinueAsNew[In any](ctx Context, in In) error {
	id := ""
	if ctx != nil {
		id = ctx.InstanceID()
	}
	return &ContinueAsNewError{Input: in, instance: id}
}

// ContinueAsNewError is the error of [ContinueAsNew]: the workflow asks to
// run again, under the same instance ID, with Input as its input.
type ContinueAsNewError struct {
	// Input is the next run's input, of the workflow's input type.
	Input    any
	instance string
}

func (e *ContinueAsNewError) Error() string {
	if e.instance == "" {
		return fmt.Sprintf("continue as new with input %v", e.Input)
	}
	return fmt.Sprintf("instance %s continues as new with input %v", e.instance, e.Input)
}

// IsContinueAsNew reports whether err is, or wraps, the error of
// [ContinueAsNew], and returns it.
func IsContinueAsNew(err error) (*ContinueAsNewError, bool) {
	var c *ContinueAsNewError
	if errors.As(err, &c) {
		return c, true
	}
	return nil, false
}
