package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/durablegen/durable"
)

// Runs of an instance. A workflow that returns the error of
// durable.ContinueAsNew ends its current run and starts the next one
// under the same ID, with a fresh frame and history, in one commit: the
// checkpoint carries a [Continuation]. The instance's Run counts the runs;
// the store keeps a [Run] summary of each earlier one, the most recent
// [KeptRuns] of them, and deletes the ended run's history and consumed
// signals, so that a workflow that continues forever stays in constant
// storage. Sequence numbers go on from where the ended run stopped: the
// next run's step keys and child IDs are new.

// KeptRuns is how many summaries of earlier runs a store keeps per
// instance: a continuation that makes one more deletes the oldest.
const KeptRuns = 100

// Continuation is what a checkpoint that continues the instance as new
// (see [Checkpoint].Continue) commits beyond the checkpoint itself. The
// checkpoint's Frame is the next run's first frame, its Status
// StatusReady and its Event, of kind "continue", the first event of the
// next run's history. In the same transaction the store:
//
//   - adds the [Run] summary of the run that ends: its number (the
//     instance's Run), when it started (when the previous run ended, or
//     the instance's CreatedAt), when it ended (the store's clock), the
//     Seq of its last checkpoint (the checkpoint's Seq minus one), and
//     Input as its Output; and deletes the oldest summaries beyond
//     [KeptRuns];
//   - deletes the instance's history events before the checkpoint's and
//     its consumed signals (signals not consumed stay, for the next run);
//   - increments the instance's Run and clears Output, Error, WakeAt and
//     AwaitName, as the ready checkpoint does.
type Continuation struct {
	// Input is the encoded input of the next run (the codec's encoding of
	// durable.ContinueAsNewError.Input).
	Input []byte
}

// Run is the summary of an earlier run of an instance: one that ended by
// continuing as new.
type Run struct {
	Run       int // 1 for the first run
	StartedAt time.Time
	EndedAt   time.Time
	// Seq is the sequence number of the run's last checkpoint: the next
	// run's history starts at Seq+1.
	Seq int64
	// Output is the encoded input the run continued with: the next run's.
	Output []byte
}

// Continuer is a [Store] that commits a checkpoint's Continue (see
// [Continuation]) and keeps the summaries of an instance's earlier runs.
// A worker fails the instance of a workflow that continues as new on a
// store that does not implement it. The stores of this module do, and
// runtime/storetest checks it.
type Continuer interface {
	// Runs returns the summaries of the earlier runs of instance id, the
	// oldest first (at most [KeptRuns]; none if it never continued), or
	// an error wrapping [ErrNotFound].
	Runs(ctx context.Context, id string) ([]Run, error)
}

// Runs returns the summaries of the earlier runs of instance id, the
// oldest first (see [Continuer]). A store that does not implement
// Continuer has none to give: the error matches errors.ErrUnsupported.
func (c *Client) Runs(ctx context.Context, id string) ([]Run, error) {
	if err := CheckID(id); err != nil {
		return nil, fmt.Errorf("runs of instance: %w", err)
	}
	k, ok := c.store.(Continuer)
	if !ok {
		return nil, fmt.Errorf("runs of instance %s: store %T does not implement runtime.Continuer: %w", id, c.store, errors.ErrUnsupported)
	}
	runs, err := k.Runs(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("runs of instance %s: %w", id, err)
	}
	return runs, nil
}

// continueAsNew commits the end of the current run and the start of the
// next with c's input, in one checkpoint (see [Continuation]). What
// cannot be done (a store that keeps no runs, an input the machine does
// not take or the codec cannot encode) fails the instance instead.
func (x *Exec) continueAsNew(c *durable.ContinueAsNewError) error {
	if x.abort != nil {
		return x.abort
	}
	if _, ok := x.store.(Continuer); !ok {
		return x.finishWith(x.last, nil, durable.Permanent(fmt.Errorf("durable.ContinueAsNew in instance %s: store %T does not keep runs (runtime.Continuer)", x.id, x.store)), nil)
	}
	frame, input, err := x.nextRun(c.Input)
	if err != nil {
		return x.finishWith(x.last, nil, durable.Permanent(fmt.Errorf("durable.ContinueAsNew in instance %s: %w", x.id, err)), nil)
	}
	cp := x.checkpoint(frame, StatusReady, &pending{set: true, kind: "continue", detail: input})
	cp.Continue = &Continuation{Input: input}
	if err := x.commitCheckpoint(cp); err != nil {
		return x.stop(fmt.Errorf("commit the continuation of instance %s: %w", x.id, err))
	}
	x.committed(frame)
	x.finished = true
	x.attempt, x.stepSeq = 0, 0
	x.pend = pending{}
	x.cfg.logger.Debug("instance continued as new", "instance", x.id, "seq", x.seq)
	return x.afterCommit(nil)
}

// nextRun returns the first frame of a run with input in, from a fresh
// machine of the workflow, and in encoded by the codec.
func (x *Exec) nextRun(in any) (frame, input []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the machine panicked setting its input: %v (at %s)", r, panicSite(nil))
		}
	}()
	if x.newMachine == nil {
		return nil, nil, errors.New("the worker gave the run no machine to start the next run with")
	}
	m, ok := x.newMachine().(Machine)
	if !ok {
		return nil, nil, errors.New("the workflow's machine is not a runtime.Machine")
	}
	if err := setInput(m, in); err != nil {
		return nil, nil, err
	}
	enc := NewEncoder(nil, nil)
	enc.known = x.known
	m.MarshalFrame(enc)
	if frame, err = enc.Bytes(); err != nil {
		return nil, nil, fmt.Errorf("encode the next run's input: %w", err)
	}
	if err := checkPayload("first frame of the next run", len(frame), x.cfg.maxPayload, "WorkerOptions.MaxPayload"); err != nil {
		return nil, nil, err
	}
	if input, err = x.codec().Marshal(in); err != nil {
		return nil, nil, fmt.Errorf("encode the next run's input: %w", err)
	}
	if len(input) > x.cfg.maxPayload {
		input = nil // a copy for inspection: the frame has what counts
	}
	return frame, input, nil
}

// setInput calls m.SetInput(in): the machine of a workflow whose input
// type is In has SetInput(In) (see [Input]).
func setInput(m Machine, in any) error {
	set := reflect.ValueOf(m).MethodByName("SetInput")
	if !set.IsValid() || set.Type().NumIn() != 1 {
		return fmt.Errorf("the workflow's machine takes no input (%T has no SetInput method)", m)
	}
	want := set.Type().In(0)
	var arg reflect.Value
	switch {
	case in == nil && canBeNil(want):
		arg = reflect.Zero(want)
	case in != nil && reflect.TypeOf(in).AssignableTo(want):
		arg = reflect.ValueOf(in)
	default:
		return fmt.Errorf("input %T is not the workflow's input type %s", in, want)
	}
	set.Call([]reflect.Value{arg})
	return nil
}

func canBeNil(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return true
	}
	return false
}
