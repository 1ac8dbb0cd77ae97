package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/durablegen/durable"
)

// Client starts workflow instances, waits for their results, signals and
// cancels them. It holds no state beyond its store and options and is
// safe for concurrent use.
type Client struct {
	store      Store
	known      knownErrors
	codec      Codec
	maxPayload int
	obs        observers
}

// ClientOption configures a [Client].
type ClientOption func(*Client)

// WithErrors lists sentinel errors that keep their identity in the errors
// a [Handle] returns (see [WorkerOptions].Errors); the known errors of the
// workflow a handle of [Start] runs are added to them. Use the same list
// as the workers'.
func WithErrors(known ...error) ClientOption {
	return func(c *Client) { c.known = c.known.with(known, nil) }
}

// WithErrorTypes lists error types whose values keep their type and
// fields in the errors a [Handle] returns (see [WorkerOptions].ErrorTypes).
func WithErrorTypes(types ...durable.ErrorType) ClientOption {
	return func(c *Client) { c.known = c.known.with(nil, types) }
}

// WithCodec sets the codec of outputs and signal payloads (default JSON);
// it must match the workers' [WorkerOptions].Codec.
func WithCodec(codec Codec) ClientOption {
	return func(c *Client) { c.codec = codec }
}

// WithMaxPayload sets the largest encoded workflow input and signal
// payload the client sends, in bytes (default [DefaultMaxPayload]; 0 or
// less: no limit). Larger ones fail with [ErrTooLarge]. Workers have the
// same limit on what they store ([WorkerOptions].MaxPayload): raise both.
func WithMaxPayload(n int) ClientOption {
	return func(c *Client) { c.maxPayload = n }
}

// WithObserver has the client tell o of the instances it starts and the
// signals it sends, if o implements [StartObserver] and [SignalObserver],
// and store with each instance it starts the trace context o gives (see
// [TraceCarrier]). Use the workers' observer ([WorkerOptions].Observer).
func WithObserver(o Observer) ClientOption {
	return func(c *Client) { c.obs = observersOf(o) }
}

// NewClient returns a client of store.
func NewClient(store Store, opts ...ClientOption) *Client {
	c := &Client{store: store, codec: JSONCodec{}, maxPayload: DefaultMaxPayload}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Start creates instance id of workflow wf with input in, runnable at
// once by a worker that registered wf. Starting an ID that exists returns
// a handle to the existing instance (whatever its input) if it runs the
// same workflow, and [ErrAlreadyStarted] otherwise. An ID that [CheckID]
// refuses fails with [ErrInvalidID], an input whose encoding is larger
// than the client's limit ([WithMaxPayload]) with [ErrTooLarge].
func Start[In, Out any](ctx context.Context, c *Client, wf *durable.Workflow[In, Out], id string, in In) (*Handle[Out], error) {
	if err := CheckID(id); err != nil {
		return nil, fmt.Errorf("start %s: %w", wf.Name(), err)
	}
	frame, err := firstFrame(wf, in, c.known)
	if err == nil {
		err = checkPayload("encoded input", len(frame), c.maxPayload, "WithMaxPayload")
	}
	if err != nil {
		return nil, fmt.Errorf("start %s as %s: %w", wf.Name(), id, err)
	}
	info := StartInfo{Instance: id, Workflow: wf.Name(), Version: wf.Version()}
	if o := c.obs.starts; o != nil {
		ctx = o.InstanceStart(ctx, info)
	}
	inst, created, err := c.store.Create(ctx, &Instance{
		ID:       id,
		Workflow: wf.Name(),
		Version:  wf.Version(),
		Status:   StatusReady,
		Frame:    frame,
		Trace:    c.obs.traceOf(ctx),
	})
	if o := c.obs.starts; o != nil {
		o.InstanceStartEnd(ctx, info, StartEnd{Created: created, Err: err})
	}
	if err != nil {
		return nil, fmt.Errorf("start %s as %s: %w", wf.Name(), id, err)
	}
	if inst.Workflow != wf.Name() {
		return nil, fmt.Errorf("start %s as %s: %w (%s)", wf.Name(), id, ErrAlreadyStarted, inst.Workflow)
	}
	h := Attach[Out](c, id)
	h.known = c.known.withDefinition(wf)
	return h, nil
}

// Attach returns a handle to instance id, whose workflow returns Out. It
// does not check that the instance exists. Its errors keep their identity
// for the client's known errors only: use the handle [Start] returns to
// add the workflow's.
func Attach[Out any](c *Client, id string) *Handle[Out] {
	return &Handle[Out]{c: c, id: id, known: c.known}
}

// Get returns instance id as stored, or [ErrNotFound].
func (c *Client) Get(ctx context.Context, id string) (*Instance, error) {
	if err := CheckID(id); err != nil {
		return nil, fmt.Errorf("get instance: %w", err)
	}
	inst, err := c.store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get instance %s: %w", id, err)
	}
	return inst, nil
}

// Signal sends signal name with payload (encoded with the client's
// codec) to instance id; it is durable when Signal returns. A workflow
// receives it with durable.Await. [ErrNotFound] if the instance does not
// exist; [ErrInvalidID] for an ID or a name no store can keep (see
// [CheckID], [MaxNameLength]), [ErrTooLarge] for a payload over the
// client's limit.
func (c *Client) Signal(ctx context.Context, id, name string, payload any) error {
	if err := CheckID(id); err != nil {
		return fmt.Errorf("signal: %w", err)
	}
	if err := checkName(name); err != nil {
		return fmt.Errorf("signal to instance %s: %w", id, err)
	}
	b, err := c.codec.Marshal(payload)
	if err != nil {
		return fmt.Errorf("signal %s to instance %s: encode payload: %w", name, id, err)
	}
	if err := checkPayload("encoded payload", len(b), c.maxPayload, "WithMaxPayload"); err != nil {
		return fmt.Errorf("signal %s to instance %s: %w", name, id, err)
	}
	sig := SignalInfo{Instance: id, Name: name}
	if o := c.obs.signals; o != nil {
		ctx = o.SignalStart(ctx, sig)
	}
	err = c.store.Signal(ctx, id, name, b)
	if o := c.obs.signals; o != nil {
		o.SignalEnd(ctx, sig, err)
	}
	if err != nil {
		return fmt.Errorf("signal %s to instance %s: %w", name, id, err)
	}
	return nil
}

// Cancel cancels instance id with reason: it never runs again, and its
// worker, if any, loses its lease at its next heartbeat or checkpoint. Its
// child workflows in progress are cancelled too (with a store that
// implements [Admin], which lists them).
func (c *Client) Cancel(ctx context.Context, id, reason string) error {
	if err := CheckID(id); err != nil {
		return fmt.Errorf("cancel instance: %w", err)
	}
	reason = storedText(reason, maxErrorText)
	if err := c.store.Cancel(ctx, id, reason); err != nil {
		return fmt.Errorf("cancel instance %s: %w", id, err)
	}
	if parent, ok := parentOf(id); ok {
		// A parent waiting for this child learns of it now, not at its
		// next check.
		if err := c.store.Signal(ctx, parent, childSignal(id), nil); err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrFinished) {
			return fmt.Errorf("cancel instance %s: wake its parent %s: %w", id, parent, err)
		}
	}
	return c.cancelChildren(ctx, id, reason, c.store.Cancel)
}

// cancelChildren applies cancel to the child workflows of instance id
// (and theirs) that are in progress, if the store can list them.
func (c *Client) cancelChildren(ctx context.Context, id, reason string, cancel func(ctx context.Context, id, reason string) error) error {
	a, ok := c.store.(Admin)
	if !ok {
		return nil
	}
	opts := ListOptions{IDPrefix: id + childSep, Statuses: []Status{StatusReady, StatusRunning, StatusSleeping, StatusWaiting}, Limit: 1000}
	for {
		kids, err := a.List(ctx, opts)
		if err != nil {
			return fmt.Errorf("cancel the children of %s: %w", id, err)
		}
		for _, k := range kids {
			if err := cancel(ctx, k.ID, "parent "+id+" canceled: "+reason); err != nil && !errors.Is(err, ErrFinished) {
				return fmt.Errorf("cancel child %s of %s: %w", k.ID, id, err)
			}
		}
		if len(kids) < opts.Limit {
			return nil
		}
		opts.After = kids[len(kids)-1].Cursor()
	}
}

// History returns the events of instance id in checkpoint order.
func (c *Client) History(ctx context.Context, id string) ([]Event, error) {
	if err := CheckID(id); err != nil {
		return nil, fmt.Errorf("history of instance: %w", err)
	}
	evs, err := c.store.History(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("history of instance %s: %w", id, err)
	}
	return evs, nil
}

// Handle refers to one instance whose workflow returns Out.
type Handle[Out any] struct {
	c     *Client
	id    string
	known knownErrors
}

// ID returns the instance ID.
func (h *Handle[Out]) ID() string { return h.id }

// Result waits until the instance is terminal and returns its output, or
// its error: for a failed instance the error as the workflow returned it
// if it was a known error or a value of a known error type, and otherwise
// a *durable.Error (errors.Is and errors.As match the known errors and
// types in its chain; see [WithErrors]), for a cancelled one an error matching
// [ErrCanceled]. It returns ctx's error if ctx ends first.
//
// A store error that may go away ([IsTransient]: the database restarting,
// a connection refused or reset) does not end the wait: Result reads
// again, backing off up to a second between reads, until the store
// answers or ctx ends; the last such error is in the error it then
// returns. Any other store error is returned at once.
func (h *Handle[Out]) Result(ctx context.Context) (Out, error) {
	var out Out
	if err := CheckID(h.id); err != nil {
		return out, fmt.Errorf("result of instance: %w", err)
	}
	delay := 2 * time.Millisecond // between reads of a running instance
	var backoff time.Duration     // between reads while the store fails
	var lastErr error             // the store's last transient error, until it answers
	for {
		inst, err := h.c.store.Get(ctx, h.id)
		switch {
		case err == nil:
			if inst.Status.Terminal() {
				return h.decode(inst)
			}
			backoff, lastErr = 0, nil
			wait(ctx, h.c.store, delay)
			delay = min(2*delay, 200*time.Millisecond)
		case IsTransient(err) && ctx.Err() == nil:
			backoff, lastErr = min(max(2*backoff, 10*time.Millisecond), time.Second), err
			sleep(ctx, backoff)
		default:
			return out, fmt.Errorf("result of instance %s: %w", h.id, err)
		}
		if err := ctx.Err(); err != nil {
			if lastErr != nil {
				return out, fmt.Errorf("result of instance %s: %w (the store was failing: %v)", h.id, err, lastErr)
			}
			return out, fmt.Errorf("result of instance %s: %w", h.id, err)
		}
	}
}

func (h *Handle[Out]) decode(inst *Instance) (Out, error) {
	var out Out
	switch inst.Status {
	case StatusCompleted:
		if err := h.c.codec.Unmarshal(inst.Output, &out); err != nil {
			return out, fmt.Errorf("result of instance %s: decode output: %w", h.id, err)
		}
		return out, nil
	case StatusCanceled:
		return out, fmt.Errorf("instance %s: %w: %s", h.id, ErrCanceled, inst.Error)
	default:
		err := decodeErrorString(inst.Error, h.known)
		if err == nil {
			err = errors.New("workflow failed without an error message")
		}
		return out, err
	}
}
