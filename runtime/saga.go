package runtime

import (
	"errors"
	"fmt"

	"github.com/durablegen/durable"
)

// Saga is the frame field of a workflow that calls durable.Compensate:
// the compensations registered so far, last one last, and the errors of
// those that ran and failed. Generated code owns it; it is exported for
// the frame's encoding and for inspection.
type Saga struct {
	List   []Compensation `json:",omitempty"`
	Errors []string       `json:",omitempty"`
}

// Compensation is one registered compensation: the checkpoint site of its
// step and its arguments, encoded by the codec when registered.
type Compensation struct {
	Site int    // index of the step's site in the sites of the workflow, or of Helper
	Name string // the step's name, for errors
	// Helper names the helper that registered it, "" for the workflow
	// itself: that helper's compensate method runs it.
	Helper string   `json:",omitempty"`
	Args   [][]byte `json:",omitempty"`
}

// sagaHook is how an Exec reaches the saga of the frame it runs.
type sagaHook struct {
	pc    *int
	state int // the machine state that runs compensations
	saga  *Saga
	err   *error // the workflow's error, kept in the frame while compensating
	run   func(*Exec, *Compensation) error
}

// sagaMachine is a machine whose frame keeps a saga: the worker calls
// UseSaga before Run (and before running compensations for a requested
// cancel).
type sagaMachine interface {
	UseSaga(x *Exec)
}

// UseSaga tells x where the frame keeps its saga. The UseSaga method of
// the frame of a workflow that calls durable.Compensate calls it; state is
// the machine state that runs compensations ([Compensating]).
func UseSaga(x *Exec, pc *int, state int, saga *Saga, err *error, run func(*Exec, *Compensation) error) {
	x.saga = sagaHook{pc: pc, state: state, saga: saga, err: err, run: run}
}

// Compensate records a compensation (durable.Compensate): site's step,
// called with args. It is stored with the frame at the next commit. An
// argument the codec cannot encode fails the workflow at that commit.
func Compensate(x *Exec, saga *Saga, site int, name string, args ...any) {
	c := Compensation{Site: site, Name: name}
	for i, a := range args {
		b, err := x.codec().Marshal(a)
		if err != nil {
			x.failWith(durable.Permanent(fmt.Errorf("durable.Compensate(%s): argument %d: %w", name, i+1, err)))
			return
		}
		c.Args = append(c.Args, b)
	}
	saga.List = append(saga.List, c)
}

// CompensateIn records a compensation registered by a helper (or a
// function literal compiled as one) that generated code names helper: it joins
// the workflow's saga, and the workflow's compensate method hands it to
// the helper's.
func CompensateIn(x *Exec, helper string, site int, name string, args ...any) {
	if x.saga.saga == nil {
		x.failWith(durable.Permanent(fmt.Errorf("durable.Compensate(%s) in a helper of a workflow without a saga (generated code out of date?)", name)))
		return
	}
	n := len(x.saga.saga.List)
	Compensate(x, x.saga.saga, site, name, args...)
	if len(x.saga.saga.List) > n {
		x.saga.saga.List[n].Helper = helper
	}
}

// UnknownCompensation is the error of a compensation registered by a
// helper that the workflow's build does not have.
func UnknownCompensation(c *Compensation) error {
	return durable.Permanent(fmt.Errorf("compensation %s was registered by helper %s, which this build of the workflow does not have", c.Name, c.Helper))
}

// Arg decodes argument i of compensation c as a T.
func Arg[T any](x *Exec, c *Compensation, i int) (T, error) {
	var v T
	if i >= len(c.Args) {
		return v, durable.Permanent(fmt.Errorf("compensation %s has %d stored arguments, wants argument %d: the frame is from another build of the workflow", c.Name, len(c.Args), i+1))
	}
	if err := x.codec().Unmarshal(c.Args[i], &v); err != nil {
		return v, durable.Permanent(fmt.Errorf("decode argument %d of compensation %s: %w", i+1, c.Name, err))
	}
	return v, nil
}

// Compensating runs the remaining compensations and fails the workflow
// with its error: the machine state a saga resumes in.
func Compensating(x *Exec) error {
	if x.saga.saga == nil {
		return fmt.Errorf("instance %s: compensating state without a saga (generated code out of date?)", x.id)
	}
	return x.compensate()
}

// failSaga ends the workflow with err: through its compensations, if it
// registered any.
func (x *Exec) failSaga(err error) error {
	h := &x.saga
	if h.saga == nil || len(h.saga.List) == 0 {
		return x.finish(nil, err)
	}
	*h.err = err
	*h.pc = h.state
	return x.compensate()
}

// compensate runs the saga's compensations, last first, each as a
// checkpointed step under its policy, then fails the workflow with its
// error joined with those of the compensations that failed.
func (x *Exec) compensate() error {
	h := &x.saga
	for len(h.saga.List) > 0 {
		c := &h.saga.List[len(h.saga.List)-1]
		name := c.Name
		x.compensating = true
		cerr := h.run(x, c)
		x.compensating = false
		if x.abort != nil {
			return x.abort
		}
		if !x.pend.stay {
			// Done (or failed for good): the commit below records it.
			if cerr != nil {
				h.saga.Errors = append(h.saga.Errors, durable.CompensationError(name, cerr).Error())
			}
			h.saga.List = h.saga.List[:len(h.saga.List)-1]
		}
		if err := x.Commit(h.pc, h.state); err != nil {
			return err
		}
	}
	err := *h.err
	if err == nil {
		err = errors.New("workflow failed") // not reached: a saga runs on an error
	}
	if len(h.saga.Errors) > 0 {
		errs := []error{err}
		for _, m := range h.saga.Errors {
			errs = append(errs, errors.New(m))
		}
		err = errors.Join(errs...)
	}
	return x.finish(nil, err)
}
