package runtime

import (
	"context"
	"time"
)

// Observing runs. An [Observer] is told of the runs of a worker, and of
// what each run does that takes time or has an effect outside it: it is
// how tracing and metrics plug into the runtime (runtime/otel is one,
// on OpenTelemetry) without the runtime depending on them. It is set in
// [WorkerOptions].Observer, and for the instances a client starts and the
// signals it sends, with [WithObserver].
//
// An observer implements Observer and, for more, any of the small
// interfaces below, found by type assertion when the worker or client is
// made. Each pair of methods brackets one operation: the Start method
// returns the context of the operation (a span in it, say), which its End
// method receives, and which the operation runs under: the run's steps and
// commits run under the context RunStart returned, and a step's function
// receives the context of its attempt's StepStart. Methods are called
// synchronously and must neither block nor panic (a panic in StepStart
// fails the step's instance like a panic of its workflow); those of a
// worker's concurrent runs, and of the concurrent steps of durable.All and
// durable.Select, are called concurrently.
//
// Without an observer the runtime calls none of this and does no work for
// it: no clock read and no allocation per checkpoint.

// Observer is told of each run of a worker: one claim of an instance,
// from the claim until the instance suspends (sleeping, waiting, handed
// back), ends, or the run stops (its lease lost, the worker killed, a
// commit the store refused). An instance that resumes days later on
// another worker is a new run of the same instance; [RunInfo].Trace
// carries what its start recorded, so that its runs can be tied together.
type Observer interface {
	RunStart(ctx context.Context, run RunInfo) context.Context
	RunEnd(ctx context.Context, run RunInfo, end RunEnd)
}

// RunInfo describes a run.
type RunInfo struct {
	Instance string
	Workflow string
	Version  string // the layout fingerprint the instance is stored under
	Worker   string // the worker's Owner
	// Checkpoint is the number of checkpoints the instance had committed
	// when it was claimed: the run resumes after that one.
	Checkpoint int64
	// Trace is the trace context recorded with the instance when it was
	// started (see [TraceCarrier]); empty if none was.
	Trace string
	// Lag is how long the instance was runnable before this claim, and
	// HasLag whether it is known: for a first run (since the instance was
	// created), a due timer or retry (since its wake-up time) and an
	// instance woken by a signal (since the signal was sent). It is not
	// known for an instance handed back by a stopping worker, nor for one
	// taken over after its lease expired at the checkpoint of its claim;
	// one taken over after it committed since is measured from its last
	// wake-up time if it slept before, which overstates its lag.
	Lag    time.Duration
	HasLag bool
}

// RunEnd is how a run ended.
type RunEnd struct {
	// Status is the instance's status after the run's last commit:
	// sleeping, waiting or ready (handed back) when it suspended, or
	// terminal. It is [StatusRunning] when the run stopped abnormally (Err
	// says why): the instance is taken over once its lease expires.
	Status Status
	// Checkpoint is the number of checkpoints committed at the end.
	Checkpoint int64
	// Err is why the run stopped abnormally, or nil.
	Err error
}

// StepObserver is an [Observer] told of every attempt of a step that
// actually runs: a step whose checkpoint committed before the instance
// resumed is not run again, and not reported. The attempts of a
// compensation are reported too, with [StepInfo].Compensation set.
type StepObserver interface {
	StepStart(ctx context.Context, step StepInfo) context.Context
	StepEnd(ctx context.Context, step StepInfo, end StepEnd)
}

// StepInfo describes one attempt of a step.
type StepInfo struct {
	Instance string
	Workflow string
	Name     string // the step's name
	// Checkpoint is the sequence number the step's checkpoint commits as.
	Checkpoint int64
	Attempt    int // counting from 1, across suspended retries
	// Index is the step's position among the futures of durable.All or
	// durable.Select, counting from 1; 0 for a step of its own.
	Index int
	// Compensation says the step runs as a compensation (see
	// durable.Compensate), after the workflow failed or was cancelled.
	Compensation bool
}

// StepEnd is how an attempt ended.
type StepEnd struct {
	Duration time.Duration
	Err      error // the attempt's error; nil if it succeeded
}

// CommitObserver is an [Observer] told of every checkpoint a run
// commits, or fails to.
type CommitObserver interface {
	Committed(ctx context.Context, c CommitInfo)
}

// CommitInfo describes the commit of one checkpoint.
type CommitInfo struct {
	Instance   string
	Workflow   string
	Checkpoint int64  // its sequence number
	Kind       string // its event's kind ("step", "sleep", "complete"...)
	Status     Status // the status it stores
	// Bytes is what the commit writes of the instance's data: frame,
	// output, error and event detail.
	Bytes    int
	Duration time.Duration // of the store call, retries included
	Err      error         // why it did not commit, or nil
}

// ChildObserver is an [Observer] told of the child workflows a run
// starts. A parent that resumes while its child runs starts it again,
// which finds the child there ([ChildEnd].Created is false).
type ChildObserver interface {
	ChildStart(ctx context.Context, child ChildInfo) context.Context
	ChildEnd(ctx context.Context, child ChildInfo, end ChildEnd)
}

// ChildInfo describes the start of a child workflow.
type ChildInfo struct {
	Instance   string // the parent
	Workflow   string // the parent's workflow
	Checkpoint int64  // the parent's checkpoint that starts the child
	Child      string // the child's instance ID
	ChildFlow  string // the child's workflow
}

// ChildEnd is how the start of a child ended.
type ChildEnd struct {
	Created bool // this call created the child
	Err     error
}

// SignalObserver is an [Observer] told of the signals a client sends
// ([Client.Signal]) and of those a run sends (the wake-up of a child's
// parent, when the store does not commit it with the child's result).
type SignalObserver interface {
	SignalStart(ctx context.Context, sig SignalInfo) context.Context
	SignalEnd(ctx context.Context, sig SignalInfo, err error)
}

// SignalInfo describes a signal sent.
type SignalInfo struct {
	Instance string // the instance signalled
	Name     string
	// From is the instance whose run sends it; empty for a client.
	From string
}

// StartObserver is an [Observer] told of the instances a client starts
// ([Start]).
type StartObserver interface {
	InstanceStart(ctx context.Context, start StartInfo) context.Context
	InstanceStartEnd(ctx context.Context, start StartInfo, end StartEnd)
}

// StartInfo describes the start of an instance by a client.
type StartInfo struct {
	Instance string
	Workflow string
	Version  string
}

// StartEnd is how the start of an instance ended.
type StartEnd struct {
	Created bool // false: the instance existed
	Err     error
}

// TraceCarrier is an [Observer] whose trace context is stored with the
// instances it sees start ([Instance].Trace): a client asks it for the
// context of [StartObserver.InstanceStart] (or of the caller, without
// one), a run for that of [ChildObserver.ChildStart] for its children.
// Each run of the instance finds it in [RunInfo].Trace, so that the runs
// of an instance, on whatever worker and however late, join the trace of
// its start. The runtime stores the text as it is; a store keeps up to
// [MaxTraceLength] bytes of it and drops a longer one.
type TraceCarrier interface {
	TraceContext(ctx context.Context) string
}

// MaxTraceLength is the longest [Instance].Trace kept: a W3C traceparent
// with a generous tracestate.
const MaxTraceLength = 1024

// observers are the interfaces an Observer implements, asserted once.
type observers struct {
	run     Observer
	steps   StepObserver
	commits CommitObserver
	child   ChildObserver
	signals SignalObserver
	starts  StartObserver
	traces  TraceCarrier
}

func observersOf(o Observer) observers {
	if o == nil {
		return observers{}
	}
	obs := observers{run: o}
	obs.steps, _ = o.(StepObserver)
	obs.commits, _ = o.(CommitObserver)
	obs.child, _ = o.(ChildObserver)
	obs.signals, _ = o.(SignalObserver)
	obs.starts, _ = o.(StartObserver)
	obs.traces, _ = o.(TraceCarrier)
	return obs
}

// traceOf returns the trace context to store with an instance started
// under ctx, nothing if it is too long to store.
func (o *observers) traceOf(ctx context.Context) string {
	if o.traces == nil {
		return ""
	}
	return KeptTrace(o.traces.TraceContext(ctx))
}

// readyLag returns how long inst, just claimed, was runnable before the
// claim, if it can tell (see [RunInfo].Lag).
func readyLag(inst *Instance) (time.Duration, bool) {
	now := inst.Now
	if now.IsZero() {
		return 0, false
	}
	var since time.Time
	switch {
	case inst.Aborted > 0:
		// Taken over: runnable since its lease expired, which the claim
		// overwrote.
		return 0, false
	case inst.Seq == 0:
		since = inst.CreatedAt
	case !inst.WakeAt.IsZero() && !inst.WakeAt.After(now):
		since = inst.WakeAt
	case inst.Signal != nil:
		since = inst.Signal.CreatedAt
	default:
		return 0, false
	}
	if since.IsZero() {
		return 0, false
	}
	return max(now.Sub(since), 0), true
}

// stepInfo describes attempt n of step name, at index among futures (0
// for a step of its own), at the run's current checkpoint.
func (x *Exec) stepInfo(name string, index, n int) StepInfo {
	return StepInfo{
		Instance:     x.id,
		Workflow:     x.workflow,
		Name:         name,
		Checkpoint:   x.seq + 1,
		Attempt:      n,
		Index:        index,
		Compensation: x.compensating,
	}
}

// KeptTrace returns what a store keeps of trace, an [Instance].Trace
// given to Create: trace itself, or nothing if it is longer than
// [MaxTraceLength].
func KeptTrace(trace string) string {
	if len(trace) > MaxTraceLength {
		return ""
	}
	return trace
}
