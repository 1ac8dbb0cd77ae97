package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/durablegen/durable"
)

// Child workflows. A workflow that calls another workflow starts it as a
// child instance and waits for its result at one checkpoint:
//
//   - the child's ID is the parent's, "/child-" and the sequence number of
//     that checkpoint, so a parent that crashed and resumed finds the same
//     child (Store.Create is idempotent on the ID);
//   - the parent waits like an await, for a signal the child's worker sends
//     right after committing the child's result, and checks the child now
//     and then in case that worker died between the two;
//   - the result is read from the child instance, not from the signal.
//
// Cancelling a parent through the Client cancels its children in progress
// (Client.Cancel and Client.RequestCancel alike), with a store that can
// list them.

const childSep = "/child-"

// A waiting parent checks its child in case the child's completion signal
// was lost: after childPoll, then twice as long each time, up to
// maxChildPoll.
const (
	childPoll    = time.Minute
	maxChildPoll = time.Hour
)

// childPollAfter returns how long a parent waits before its n-th check.
func childPollAfter(n int) time.Duration {
	d := childPoll
	for i := 1; i < n && d < maxChildPoll; i++ {
		d *= 2
	}
	return min(d, maxChildPoll)
}

// childSignal is the name of the signal that wakes the parent of child.
func childSignal(child string) string { return "$child:" + child }

// ChildID returns the instance ID of the child that a parent starts at the
// checkpoint with sequence number seq.
func ChildID(parent string, seq int64) string {
	return parent + childSep + strconv.FormatInt(seq, 10)
}

// parentOf returns the parent of a child instance ID, if it is one.
func parentOf(id string) (string, bool) {
	i := strings.LastIndex(id, childSep)
	if i <= 0 {
		return "", false
	}
	if _, err := strconv.ParseUint(id[i+len(childSep):], 10, 63); err != nil {
		return "", false
	}
	return id[:i], true
}

// Child runs workflow wf with input in as a child of the running instance
// and returns its result, or suspends the parent at this checkpoint until
// the child ends. A child that fails returns its error (registered
// sentinels keep matching errors.Is); a cancelled child returns an error
// saying so.
func Child[In, Out any](x *Exec, s *Site, wf *durable.Workflow[In, Out], in In) (Out, error) {
	var out Out
	if x.abort != nil {
		return out, x.abort
	}
	seq := x.stepKeySeq() // of the checkpoint that first started the child
	id := ChildID(x.id, seq)
	p := x.begin(s, "child")
	p.detail = append(x.tbuf[:0], id...)
	x.tbuf = p.detail
	if sig := x.signal; sig != nil && sig.Name == childSignal(id) {
		p.consume = sig.ID
	}
	frame, err := firstFrame(wf, in, x.known)
	if err == nil {
		err = checkPayload("encoded input", len(frame), x.cfg.maxPayload, "WorkerOptions.MaxPayload")
	}
	if err == nil {
		err = CheckID(id)
	}
	if err != nil {
		err = durable.Permanent(fmt.Errorf("start child workflow %s: %w", wf.Name(), err))
		p.errMsg = err.Error()
		return out, err
	}
	if err := x.holdLease(); err != nil {
		return out, x.stop(err)
	}
	var inst *Instance
	var created bool
	octx, info := x.ctx, ChildInfo{}
	if o := x.cfg.obs.child; o != nil {
		info = ChildInfo{Instance: x.id, Workflow: x.workflow, Checkpoint: x.seq + 1, Child: id, ChildFlow: wf.Name()}
		octx = o.ChildStart(octx, info)
	}
	trace := x.cfg.obs.traceOf(octx)
	err = x.retryStore("create child", func(ctx context.Context, _ int) error {
		var err error
		inst, created, err = x.store.Create(ctx, &Instance{ID: id, Workflow: wf.Name(), Version: wf.Version(), Status: StatusReady, Frame: frame, Trace: trace})
		return err
	})
	if o := x.cfg.obs.child; o != nil {
		o.ChildEnd(octx, info, ChildEnd{Created: created, Err: err})
	}
	if err != nil {
		return out, x.stop(fmt.Errorf("start child %s of instance %s: %w", id, x.id, err))
	}
	if inst.Workflow != wf.Name() {
		err := durable.Permanent(fmt.Errorf("child %s: %w (it runs %s)", id, ErrAlreadyStarted, inst.Workflow))
		p.errMsg = err.Error()
		return out, err
	}
	switch inst.Status {
	case StatusCompleted:
		if err := x.codec().Unmarshal(inst.Output, &out); err != nil {
			err = durable.Permanent(fmt.Errorf("decode the result of child %s: %w", id, err))
			p.errMsg = err.Error()
			return out, err
		}
		return out, nil
	case StatusFailed:
		err := decodeErrorString(inst.Error, x.known.withDefinition(wf))
		p.errMsg = err.Error()
		return out, err
	case StatusCanceled:
		err := durable.Permanent(fmt.Errorf("child workflow %s was canceled: %s", id, inst.Error))
		p.errMsg = err.Error()
		return out, err
	}
	// Not done: wait for its signal, checking again in case it was lost,
	// after childPoll, then twice as long each time, up to maxChildPoll.
	p.status = StatusWaiting
	p.awaitName = childSignal(id)
	p.attempt = x.attempt + 1
	p.wakeAt = x.now().Add(childPollAfter(p.attempt))
	p.stay = true
	p.stepSeq = seq
	return out, nil
}

// firstFrame encodes the first frame of an instance of wf: its input. A
// panic of the machine's code is its error.
func firstFrame[In, Out any](wf *durable.Workflow[In, Out], in In, known knownErrors) (_ []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("encode input: the machine of %s panicked: %v (at %s)", wf.Name(), r, panicSite(nil))
		}
	}()
	m, ok := wf.NewMachine().(Machine)
	if !ok {
		return nil, errors.New("its machine is not a runtime.Machine (regenerate it with durablegen)")
	}
	setter, ok := m.(Input[In])
	if !ok {
		return nil, fmt.Errorf("its machine takes no input of type %T", in)
	}
	setter.SetInput(in)
	enc := NewEncoder(nil, nil)
	enc.known = known
	m.MarshalFrame(enc)
	b, err := enc.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encode input: %w", err)
	}
	return b, nil
}

// notifyTimeout bounds the signal that wakes a child's parent.
const notifyTimeout = 10 * time.Second

// notifyParent wakes the parent of instance id, if it is a child, after
// its terminal commit. A lost signal only delays the parent, until its next
// check. The run's context may be cancelled by then, and not only at
// shutdown: a heartbeat in flight during the terminal commit finds the
// instance no longer running and cancels the run. The commit is done, so
// the signal is sent on a context of its own.
func (x *Exec) notifyParent() {
	parent, ok := parentOf(x.id)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(x.ctx), notifyTimeout)
	defer cancel()
	o := x.cfg.obs.signals
	sig := SignalInfo{Instance: parent, Name: childSignal(x.id), From: x.id}
	if o != nil {
		ctx = o.SignalStart(ctx, sig)
	}
	err := x.store.Signal(ctx, parent, sig.Name, nil)
	if o != nil {
		o.SignalEnd(ctx, sig, err)
	}
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrFinished) {
		x.log(slog.LevelWarn, "could not wake the parent of a child instance; it checks again within an hour", "parent", parent, "error", err)
	}
}
