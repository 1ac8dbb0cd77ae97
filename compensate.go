package durable

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
)

// Compensate registers a compensation: if the workflow fails — returns an
// error — step runs with args after it, the compensations registered
// later first, and the workflow fails with its error joined with those of
// compensations that failed too. This is how a saga undoes what it did:
//
//	charge, err := Charge(ctx, in.From, in.Amount)
//	if err != nil {
//		return Receipt{}, err
//	}
//	durable.Compensate(ctx, Refund, charge.ID) // runs only if a later part fails
//
// step is a //durable:step function or method (a method value such as
// in.Bank.Refund); args are the arguments after its context and must have
// the types of its parameters. Compensations are steps: in a generated
// machine each runs under the step's retry policy, is checkpointed, and
// runs at least once even across crashes; a workflow that returns nil
// runs none. The arguments are stored when Compensate is called, so later
// changes to the variables passed do not affect them; durablegen checks
// their types at generate time.
//
// In a direct call the compensations run when the function returns an
// error through [Workflow.Call].
func Compensate(ctx Context, step any, args ...any) {
	if c, ok := ctx.(*wfContext); ok {
		c.saga.push(step, args)
	}
}

// saga holds the compensations of a direct call.
type saga struct {
	mu   sync.Mutex
	list []compensation
}

type compensation struct {
	step any
	args []any
}

func (s *saga) push(step any, args []any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, compensation{step, args})
}

// clear drops the compensations: the run that registered them continued
// as new, and the next starts with none.
func (s *saga) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = nil
}

func (s *saga) pop() (compensation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.list) == 0 {
		return compensation{}, false
	}
	c := s.list[len(s.list)-1]
	s.list = s.list[:len(s.list)-1]
	return c, true
}

// compensate runs the compensations ctx holds, last first, after the
// workflow failed with err, and returns err joined with theirs.
func compensate(ctx Context, err error) error {
	c, ok := ctx.(*wfContext)
	if !ok {
		return err
	}
	errs := []error{err}
	for {
		comp, ok := c.saga.pop()
		if !ok {
			break
		}
		name := stepName(comp.step)
		sctx := WithStep(ctx, StepInfo{InstanceID: c.id, Name: name, Seq: directSeq(ctx), Attempt: 1})
		if cerr := callStep(sctx, comp.step, comp.args); cerr != nil {
			errs = append(errs, CompensationError(name, cerr))
		}
	}
	if len(errs) == 1 {
		return err
	}
	return errors.Join(errs...)
}

// CompensationError is the error a failed compensation adds to the
// workflow's error: "compensate <step>: <err>".
func CompensationError(step string, err error) error {
	return fmt.Errorf("compensate %s: %w", step, err)
}

// callStep calls step(ctx, args...) and returns its error result, if any.
func callStep(ctx context.Context, step any, args []any) (err error) {
	fn := reflect.ValueOf(step)
	if fn.Kind() != reflect.Func || fn.IsNil() {
		return fmt.Errorf("durable.Compensate: %T is not a step function", step)
	}
	t := fn.Type()
	if t.IsVariadic() || t.NumIn() != len(args)+1 {
		return fmt.Errorf("durable.Compensate: step of type %s takes %d arguments after its context, not %d", t, t.NumIn()-1, len(args))
	}
	in := []reflect.Value{reflect.ValueOf(ctx)}
	for i, a := range args {
		want := t.In(i + 1)
		v := reflect.ValueOf(a)
		switch {
		case a == nil:
			v = reflect.Zero(want)
		case v.Type().AssignableTo(want):
		case convertsExactly(v, want):
			v = v.Convert(want) // a constant passed as any has its default type
		default:
			return fmt.Errorf("durable.Compensate: argument %d is %s, the step takes %s", i+1, v.Type(), want)
		}
		in = append(in, v)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	out := fn.Call(in)
	if n := len(out); n > 0 {
		if e, ok := out[n-1].Interface().(error); ok {
			return e
		}
	}
	return nil
}

// stepName is the short name of a step function: "Refund" for
// example.com/pay.Refund and for a method value of example.com/pay.Bank.Refund.
func stepName(step any) string {
	v := reflect.ValueOf(step)
	if v.Kind() != reflect.Func || v.IsNil() {
		return fmt.Sprintf("%T", step)
	}
	f := runtime.FuncForPC(v.Pointer())
	if f == nil {
		return "step"
	}
	name := strings.TrimSuffix(f.Name(), "-fm")
	return name[strings.LastIndex(name, ".")+1:]
}

// convertsExactly reports whether v, a basic value, converts to type t and
// back unchanged (10 as an int64, 0.5 as a float32), as a constant
// argument of a direct call would.
func convertsExactly(v reflect.Value, t reflect.Type) bool {
	kind := func(k reflect.Kind) int {
		switch {
		case k >= reflect.Int && k <= reflect.Uint64:
			return 1
		case k == reflect.Float32 || k == reflect.Float64:
			return 2
		case k == reflect.String:
			return 3
		case k == reflect.Bool:
			return 4
		}
		return 0
	}
	from, to := kind(v.Kind()), kind(t.Kind())
	if from == 0 || to == 0 || from == 3 && to != 3 || to == 3 && from != 3 || (from == 4) != (to == 4) {
		return false
	}
	back := v.Convert(t).Convert(v.Type())
	return back.Equal(v)
}
