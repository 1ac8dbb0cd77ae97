package runtime

import (
	"context"
	"fmt"
	"reflect"
	goruntime "runtime"
	"strings"
	"sync/atomic"

	"github.com/durablegen/durable"
)

// Step stubs let tests replace steps with fakes in the generated machine
// (durabletest.Stub). A run's context carries the fakes, keyed by the
// step's function name; until a process installs any, [Stub] costs one
// atomic load.

// stubsInstalled is set once any context carries stubs.
var stubsInstalled atomic.Bool

type stubsKey struct{}

// WithStubs returns a context whose machine runs call fakes instead of
// steps: stubs maps a step's name as [StubName] gives it (or "do:" and
// the name of a durable.Do step) to a fake of the step's function type,
// or, for a //durable:step, to a function that takes the step (bound to
// the receiver the workflow called it on) and returns what to call
// instead: a wrapper that can still call the step.
// It is the mechanism behind durabletest.Stub; workers pass the context
// given to Run or Drain down to the steps.
func WithStubs(ctx context.Context, stubs map[string]any) context.Context {
	stubsInstalled.Store(true)
	return context.WithValue(ctx, stubsKey{}, stubs)
}

// StubName returns the name under which a fake replaces step fn: the
// package path and name of a function ("example.com/pay.Charge") or of a
// method ("example.com/pay.Bank.Charge", "example.com/pay.(*Bank).Charge"),
// the same for a method value as for a method expression.
func StubName(fn any) (string, error) {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return "", fmt.Errorf("%T is not a function", fn)
	}
	f := goruntime.FuncForPC(v.Pointer())
	if f == nil {
		return "", fmt.Errorf("no name for function %T", fn)
	}
	name := strings.TrimSuffix(f.Name(), "-fm") // a method value's wrapper
	if strings.Contains(name[strings.LastIndex(name, "/")+1:], ".func") {
		return "", fmt.Errorf("%s is a function literal, not a //durable:step function or method", name)
	}
	return name, nil
}

// Stubbing reports whether any context of this process carries stubs:
// generated step calls go through [Stub] only then.
func Stubbing() bool { return stubsInstalled.Load() }

// Stub returns the fake that ctx's stubs hold for step fn, or fn itself.
// Generated step calls go through it when [Stubbing]:
// runtime.Stub(ctx, Charge)(ctx, ...).
func Stub[F any](ctx context.Context, fn F) F {
	if !stubsInstalled.Load() {
		return fn
	}
	stubs, _ := ctx.Value(stubsKey{}).(map[string]any)
	if len(stubs) == 0 {
		return fn
	}
	name, err := StubName(fn)
	if err != nil {
		return fn
	}
	fake, ok := stubs[name]
	if !ok {
		return fn
	}
	if f, ok := fake.(F); ok {
		return f
	}
	if wrap, ok := fake.(func(F) F); ok {
		return wrap(fn)
	}
	return failing[F](fmt.Errorf("stub for step %s has type %T; the step is called as %T", name, fake, fn))
}

// stubDo returns the fake for durable.Do step s, or fn.
func stubDo[T any](ctx context.Context, s *Site, fn func(context.Context) (T, error)) func(context.Context) (T, error) {
	stubs, _ := ctx.Value(stubsKey{}).(map[string]any)
	fake, ok := stubs["do:"+s.Name]
	if !ok {
		return fn
	}
	if f, ok := fake.(func(context.Context) (T, error)); ok {
		return f
	}
	// The step's type, not fn itself: fn must not escape here, or every
	// durable.Do closure would be allocated on the heap.
	err := durable.Permanent(fmt.Errorf("stub for durable.Do step %q at %s has type %T; the step is %v", s.Name, s.Pos, fake, reflect.TypeFor[func(context.Context) (T, error)]()))
	return func(context.Context) (T, error) {
		var zero T
		return zero, err
	}
}

// failing returns a function of type F that fails with err for good: it
// returns zero values and, when its last result is an error, err marked
// permanent; otherwise it panics with err.
func failing[F any](err error) F {
	t := reflect.TypeFor[F]()
	perm := reflect.ValueOf(durable.Permanent(err))
	fn := reflect.MakeFunc(t, func([]reflect.Value) []reflect.Value {
		out := make([]reflect.Value, t.NumOut())
		for i := range out {
			out[i] = reflect.Zero(t.Out(i))
		}
		if n := t.NumOut(); n > 0 && t.Out(n-1) == reflect.TypeFor[error]() {
			out[n-1] = perm
			return out
		}
		panic(err)
	})
	return fn.Interface().(F)
}
