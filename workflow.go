package durable

import (
	"fmt"
	"slices"
)

// Workflow is the descriptor of a workflow function, emitted by durablegen
// next to the function (TransferWorkflow for func Transfer). Register it
// with a worker and start instances with the runtime package.
type Workflow[In, Out any] struct {
	name    string
	version string
	machine func() any
	fn      func(Context, In) (Out, error)
	known   knownErrors
}

// knownErrors are the errors that keep their identity across a
// checkpoint in a workflow's frames and results.
type knownErrors struct {
	errs  []error
	types []ErrorType
}

// NewWorkflow is called by generated code only. name is the workflow's
// stable name, version the fingerprint of its checkpoint layout, and
// machine returns a fresh generated state machine (a runtime.Machine).
func NewWorkflow[In, Out any](name, version string, machine func() any) *Workflow[In, Out] {
	return &Workflow[In, Out]{name: name, version: version, machine: machine}
}

// WithFunc records the workflow's original function for [Workflow.Call];
// generated code calls it.
func (w *Workflow[In, Out]) WithFunc(fn func(Context, In) (Out, error)) *Workflow[In, Out] {
	w.fn = fn
	return w
}

// WithErrors adds errs to the workflow's known errors: sentinels that an
// error crossing one of its checkpoints keeps its identity with. An error
// that is one of them comes back as that very value (== and switch still
// match it), one that wraps them as an [Error] that errors.Is still
// matches them with. durablegen lists the package-level error variables
// the workflow compares errors with; a worker knows the errors of every
// workflow registered with it, and a client those of the workflow it
// started.
func (w *Workflow[In, Out]) WithErrors(errs ...error) *Workflow[In, Out] {
	w.known.errs = append(w.known.errs, errs...)
	return w
}

// WithErrorTypes adds types to the workflow's known error types (see
// [ErrorType]); durablegen lists those the workflow asserts errors to or
// matches with errors.As.
func (w *Workflow[In, Out]) WithErrorTypes(types ...ErrorType) *Workflow[In, Out] {
	w.known.types = append(w.known.types, types...)
	return w
}

// Errors returns the workflow's known errors (see [Workflow.WithErrors]).
func (w *Workflow[In, Out]) Errors() []error { return w.known.errs }

// ErrorTypes returns the workflow's known error types (see
// [Workflow.WithErrorTypes]).
func (w *Workflow[In, Out]) ErrorTypes() []ErrorType { return w.known.types }

// Call runs the original workflow function directly with ctx: no
// persistence, steps inline (see [Background]). If the function fails,
// Call runs the compensations it registered with [Compensate], last
// first; an error of [ContinueAsNew] is returned as it is, without
// compensating, and the compensations registered so far are dropped, so
// that calling Call again with ctx and the error's Input runs the next run
// as the runtime does. It is the reference the generated machine is tested
// against.
func (w *Workflow[In, Out]) Call(ctx Context, in In) (Out, error) {
	if w.fn == nil {
		var zero Out
		return zero, fmt.Errorf("workflow %s has no function to call directly", w.name)
	}
	out, err := w.fn(ctx, in)
	if _, ok := IsContinueAsNew(err); ok {
		if c, ok := ctx.(*wfContext); ok {
			c.saga.clear()
		}
	} else if err != nil {
		err = compensate(ctx, err)
	}
	return out, err
}

// Name returns the workflow's name: the import path of its package and
// the function name.
func (w *Workflow[In, Out]) Name() string { return w.name }

// Version returns the fingerprint of the workflow's checkpoint layout.
// Instances only resume on a worker whose version matches.
func (w *Workflow[In, Out]) Version() string { return w.version }

// NewMachine returns a fresh state machine for the runtime.
func (w *Workflow[In, Out]) NewMachine() any { return w.machine() }

// Definition is the untyped view of a [Workflow], for registration.
type Definition interface {
	Name() string
	Version() string
	NewMachine() any
}

// MethodWorkflow is the descriptor of a workflow declared as a method: the
// receiver carries dependencies (database pools, HTTP clients) and is
// supplied when the workflow is bound, never serialized.
//
//	w.Register(payments.ServiceTransferWorkflow.Bind(svc))
type MethodWorkflow[R, In, Out any] struct {
	name    string
	version string
	machine func(R) any
	method  func(R, Context, In) (Out, error)
	known   knownErrors
}

// NewMethodWorkflow is called by generated code only; see [NewWorkflow].
// method is the method expression of the workflow, for direct calls.
func NewMethodWorkflow[R, In, Out any](name, version string, machine func(R) any, method func(R, Context, In) (Out, error)) *MethodWorkflow[R, In, Out] {
	return &MethodWorkflow[R, In, Out]{name: name, version: version, machine: machine, method: method}
}

// Bind returns the workflow run with receiver recv.
func (m *MethodWorkflow[R, In, Out]) Bind(recv R) *Workflow[In, Out] {
	w := NewWorkflow[In, Out](m.name, m.version, func() any { return m.machine(recv) })
	w.known = knownErrors{slices.Clip(m.known.errs), slices.Clip(m.known.types)}
	return w.WithFunc(func(ctx Context, in In) (Out, error) { return m.method(recv, ctx, in) })
}

// WithErrors adds known errors, as [Workflow.WithErrors].
func (m *MethodWorkflow[R, In, Out]) WithErrors(errs ...error) *MethodWorkflow[R, In, Out] {
	m.known.errs = append(m.known.errs, errs...)
	return m
}

// WithErrorTypes adds known error types, as [Workflow.WithErrorTypes].
func (m *MethodWorkflow[R, In, Out]) WithErrorTypes(types ...ErrorType) *MethodWorkflow[R, In, Out] {
	m.known.types = append(m.known.types, types...)
	return m
}

// Name returns the workflow's name.
func (m *MethodWorkflow[R, In, Out]) Name() string { return m.name }
