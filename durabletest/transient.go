package durabletest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/durablegen/durable"
)

// Transient makes the first failures attempts of every call of step fail
// in the machine runs of [Run], before the step runs, with an error that
// its retry policy retries: the attempt after them calls the step (or its
// [Stub]). It tests that the machine retries — in memory after a short
// backoff, which takes no time on the fake clock, or suspended until a
// long one has passed — and that a retried step ends as if it had
// succeeded at once, which is what the direct call, where a step runs
// once, sees: the direct call stays the oracle.
//
// failures must be fewer than the step's attempts (its //durable:step
// retries=N allows N+1), or the step fails for good in the machine and
// not in the direct call; Run says so if the two then differ. A step
// without an error result fails by panicking, as a step may.
//
//	durabletest.Run(t, payments.TransferWorkflow, req, durabletest.Transient(payments.Bank{}.Charge, 2))
//
// step is the step function, or for a method step a method value of any
// receiver of its type (see [Stub]); the step runs with the receiver the
// workflow called it on.
func Transient[F any](step F, failures int) Option {
	return func(c *config) {
		name, err := stepName(step)
		if err == nil && failures < 1 {
			err = fmt.Errorf("%d failures of %s: want at least 1", failures, name)
		}
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("durabletest.Transient: %w", err))
			return
		}
		if c.faults == nil {
			c.faults = faults{}
		}
		if _, dup := c.faults[name]; dup {
			c.errs = append(c.errs, fmt.Errorf("durabletest.Transient: step %s is given twice", name))
			return
		}
		f := &fault{name: name, failures: failures, calls: map[string]*faultCalls{}}
		f.wrapper = func(fake any) any {
			return func(step F) F {
				if fake != nil {
					step = fake.(F) // Stub checked its type
				}
				return injectInto(f, step)
			}
		}
		c.faults[name] = f
	}
}

// faults are the failures Transient injects, by step name.
type faults map[string]*fault

// fault injects failures into one step and counts them.
type fault struct {
	name     string
	failures int
	// wrapper returns the stub that wraps the step, or fake if not nil.
	wrapper func(fake any) any

	mu    sync.Mutex
	calls map[string]*faultCalls // by step key
}

type faultCalls struct {
	injected int
	ran      bool // an attempt called the step
}

// injectedError is the error of an injected failure.
type injectedError struct {
	step       string
	n, of      int
	attemptKey string
}

func (e *injectedError) Error() string {
	return fmt.Sprintf("durabletest: failure %d of %d injected into step %s (%s)", e.n, e.of, e.step, e.attemptKey)
}

// injectInto returns step with the failures of f before it.
func injectInto[F any](f *fault, step F) F {
	fn := reflect.ValueOf(step)
	t := fn.Type()
	errType := reflect.TypeFor[error]()
	return reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
		var info durable.StepInfo
		ok := false
		if ctx, _ := args[0].Interface().(context.Context); ctx != nil {
			info, ok = durable.Step(ctx)
		}
		if ok && info.Attempt <= f.failures {
			f.record(info.Key(), false)
			var err error = &injectedError{step: f.name, n: info.Attempt, of: f.failures, attemptKey: info.Key()}
			out := make([]reflect.Value, t.NumOut())
			for i := range out {
				out[i] = reflect.Zero(t.Out(i))
			}
			if n := t.NumOut(); n > 0 && t.Out(n-1) == errType {
				out[n-1] = reflect.ValueOf(&err).Elem()
				return out
			}
			panic(err)
		}
		if ok {
			f.record(info.Key(), true)
		}
		if t.IsVariadic() {
			return fn.CallSlice(args)
		}
		return fn.Call(args)
	}).Interface().(F)
}

func (f *fault) record(key string, ran bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls[key]
	if c == nil {
		c = &faultCalls{}
		f.calls[key] = c
	}
	if ran {
		c.ran = true
	} else {
		c.injected++
	}
}

// reset forgets the calls counted so far.
func (fs faults) reset() {
	for _, f := range fs {
		f.mu.Lock()
		clear(f.calls)
		f.mu.Unlock()
	}
}

// injected returns the failures injected since the last reset.
func (fs faults) injected() int {
	n := 0
	for _, f := range fs {
		f.mu.Lock()
		for _, c := range f.calls {
			n += c.injected
		}
		f.mu.Unlock()
	}
	return n
}

// hint explains a divergence between the direct call and the machine
// that injected failures may cause: calls of a step whose every attempt
// failed with one.
func (fs faults) hint() string {
	var out []string
	for _, f := range fs {
		f.mu.Lock()
		for key, c := range f.calls {
			if !c.ran {
				out = append(out, fmt.Sprintf("no attempt of step %s (%s) got past its %d injected failures", f.name, key, c.injected))
			}
		}
		f.mu.Unlock()
	}
	if len(out) == 0 {
		return ""
	}
	slices.Sort(out)
	return "; " + strings.Join(out, ", ") + ": durabletest.Transient injects more failures than its retry policy retries, and a direct call sees none"
}
