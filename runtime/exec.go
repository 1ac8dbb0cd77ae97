package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/durablegen/durable"
)

// errSuspended is returned by [Exec.Commit] after it committed a status
// that ends this run (sleeping, waiting, failed, or ready when the worker
// is stopping): the machine must return it and the worker has nothing
// more to do for the instance.
var errSuspended = errors.New("instance suspended at a checkpoint")

// Hooks are called by a run at the points where a process can die, for
// crash testing. A hook that returns an error aborts the run there as if
// the process had died: the run returns that error, nothing more is
// committed and the lease is not released, so the instance is taken over
// once its lease expires.
//
// For BeforeStep and AfterStep, seq is the sequence number of the step's
// key (see durable.StepKey); for AfterCommit, that of the checkpoint just
// committed. s is the checkpoint's site, nil for the final commit of a
// workflow that returned.
type Hooks struct {
	// BeforeStep runs before a step's first attempt in this run: the step
	// does not run.
	BeforeStep func(id string, seq int64, s *Site) error
	// AfterStep runs after a step's attempts, before its checkpoint is
	// committed: the step ran but its result is lost.
	AfterStep func(id string, seq int64, s *Site) error
	// AfterCommit runs after a checkpoint committed: the run stops there.
	AfterCommit func(id string, seq int64, s *Site) error
	// Wait, if set, replaces the wait of d before a step's next attempt
	// in memory (a backoff up to WorkerOptions.MaxInlineBackoff, and every
	// retry of a step of durable.All or durable.Select), so that a test on
	// a fake clock spends no time there. It reports whether the run may go
	// on (false when ctx is done), and must be safe for concurrent use.
	Wait func(ctx context.Context, d time.Duration) bool
}

// execConfig is what a run takes from its worker.
type execConfig struct {
	codec            Codec
	hooks            Hooks
	maxInlineBackoff time.Duration
	maxAborted       int // WorkerOptions.MaxAbortedRuns
	maxPayload       int // WorkerOptions.MaxPayload
	logger           *slog.Logger
	now              func() time.Time // WorkerOptions.Now
}

// pending is what the operation of the current checkpoint recorded for
// the following Commit.
type pending struct {
	set       bool
	site      *Site
	kind      string
	status    Status    // StatusRunning unless the operation suspends
	stay      bool      // the checkpoint must run again: keep the pc
	wakeAt    time.Time // sleeping
	awaitName string    // waiting
	attempt   int       // failed attempts to persist with a suspended retry
	stepSeq   int64     // the step key's sequence, to persist with a suspended retry
	attempts  int       // attempts the step took
	errMsg    string    // the step's (or decode's) error
	detail    []byte
	consume   int64 // signal consumed
	fail      error // the workflow fails with this error (CallValue)
}

// Exec is one run of one claimed workflow instance: the generated machine
// calls it at every checkpoint. It is created by a [Worker] and is not
// safe for concurrent use (a machine runs in one goroutine).
type Exec struct {
	// ctx is the run's context, cancelled when the run must stop. Exec
	// keeps it because it is the run itself: the checkpoint functions of
	// generated code take an Exec, not a context.
	ctx context.Context
	// storeCtx is the context of the run's commits: it ends a lease after
	// ctx does, so that a commit under way when the run is cancelled (by
	// a shutdown, say) is not cut short, which would leave it unknown
	// whether it committed.
	storeCtx context.Context
	store    Store
	cfg      *execConfig
	known    knownErrors // of the worker and its registered workflows
	m        Machine

	id      string
	key     string // workflow@version, for logs
	epoch   int64
	lease   *lease  // what the run can prove of its lease
	seq     int64   // committed checkpoints
	attempt int     // failed attempts of the step at the current checkpoint
	stepSeq int64   // sequence of the step key of a suspended retry; 0 for none
	signal  *Signal // the claimed signal, until consumed
	// unreadable is why the store could not read the claimed instance.
	unreadable error
	aborted    int   // runs in a row before this one that committed nothing
	refused    error // the store's error, neither transient nor fencing, that stopped the run
	// pinKey says that a failure keeping the last frame records the step
	// key in it (see pinStepKey): the frame is known to be readable.
	pinKey bool
	// upgradeFrom is the earlier layout the claimed instance is stored
	// under, when the machine's (upgradeTo) resumes it (see upgrade).
	upgradeFrom, upgradeTo string

	clock time.Time // store clock at the claim
	// start is the local monotonic clock when the claim was sent. The
	// store read its clock after that, so the durable time, clock plus
	// the time elapsed since start, never lags the store's clock: a timer
	// armed from it falls late by up to the claim's round trip, never
	// early (measuring from the claim's answer, it fell early by as much).
	start time.Time

	stopping <-chan struct{} // closed when the worker stops: hand over at the next commit

	enc   Encoder
	spare []byte // buffer for the next frame
	last  []byte // the last committed frame
	cp    Checkpoint
	pend  pending
	tbuf  []byte // formatted times for event details

	abort    error // the run stops with this error at its next checkpoint
	finished bool  // a terminal status was committed

	seed  uint64 // Random: derived from the instance ID
	draws uint64 // Random: draws since the last commit
	dctx  durable.Context

	saga sagaHook // compensations of the frame (see UseSaga)

	cancelReason string // a graceful cancel was requested (CancelRequester)
	canceling    bool   // the run ends the instance canceled
}

func newExec(ctx context.Context, store Store, cfg *execConfig, known knownErrors, inst *Instance, l *lease, stopping <-chan struct{}) *Exec {
	x := &Exec{
		ctx:      ctx,
		storeCtx: ctx,
		store:    store,
		cfg:      cfg,
		known:    known,
		id:       inst.ID,
		key:      inst.Key(),
		epoch:    inst.Epoch,
		lease:    l,
		seq:      inst.Seq,
		attempt:  inst.Attempt,
		signal:   inst.Signal,
		clock:    inst.Now,
		start:    l.sentAt(),
		stopping: stopping,
		last:     inst.Frame,
		seed:     seedOf(inst.ID),
	}
	x.unreadable = inst.Unreadable
	x.aborted = inst.Aborted
	x.cancelReason = inst.CancelReason
	if x.clock.IsZero() {
		x.clock = x.start.Round(0)
	}
	x.enc.known = known
	return x
}

// Context returns the workflow's durable.Context for the code between
// checkpoints: its deterministic helpers ([durable.UUID], [durable.Random],
// [durable.IdempotencyKey]) give the same values when a run resumes from
// the same checkpoint.
func (x *Exec) Context() durable.Context {
	if x.dctx == nil {
		x.dctx = durable.NewContext(x.ctx, x.id, (*execRuntime)(x))
	}
	return x.dctx
}

// now returns the durable time: the store's clock at the claim plus the
// monotonic time elapsed since, unless the worker was given a clock.
func (x *Exec) now() time.Time {
	if now := x.cfg.now; now != nil {
		return now()
	}
	return x.clock.Add(time.Since(x.start))
}

func (x *Exec) codec() Codec { return x.cfg.codec }

// begin starts recording the operation of checkpoint s.
func (x *Exec) begin(s *Site, kind string) *pending {
	x.pend = pending{set: true, site: s, kind: kind, status: StatusRunning}
	return &x.pend
}

func (x *Exec) failWith(err error) {
	if x.abort != nil || x.pend.stay {
		return
	}
	x.pend.fail = err
}

func (x *Exec) sleepUntil(s *Site, t time.Time) error {
	if x.abort != nil {
		return x.abort
	}
	p := x.begin(s, "sleep")
	p.wakeAt = t
	x.tbuf = t.AppendFormat(x.tbuf[:0], time.RFC3339Nano)
	p.detail = x.tbuf
	if t.After(x.now()) {
		p.status = StatusSleeping
	}
	return nil
}

func (x *Exec) recordNow(s *Site) time.Time {
	t := x.now()
	if x.abort != nil {
		return t
	}
	p := x.begin(s, "now")
	x.tbuf = t.AppendFormat(x.tbuf[:0], time.RFC3339Nano)
	p.detail = x.tbuf
	return t
}

func (x *Exec) record(s *Site, kind string) {
	if x.abort == nil {
		x.begin(s, kind)
	}
}

// await consumes the claimed signal if it is the one s waits for, and
// otherwise makes the following Commit wait for it.
func (x *Exec) await(s *Site, decode func(payload []byte) error) error {
	return x.awaitUntil(s, time.Time{}, decode)
}

// awaitUntil is await with a deadline (none if zero): once it has passed
// without the signal, the await ends without calling decode.
func (x *Exec) awaitUntil(s *Site, deadline time.Time, decode func(payload []byte) error) error {
	if x.abort != nil {
		return x.abort
	}
	p := x.begin(s, "await")
	sig := x.signal
	if sig == nil || sig.Name != s.Name {
		if !deadline.IsZero() && !x.now().Before(deadline) {
			p.errMsg = "timed out"
			return nil
		}
		p.status = StatusWaiting
		p.awaitName = s.Name
		p.wakeAt = deadline
		p.stay = true
		return nil
	}
	p.consume = sig.ID
	p.detail = sig.Payload
	if err := decode(sig.Payload); err != nil {
		err = fmt.Errorf("decode signal %q of instance %s: %w", s.Name, x.id, err)
		p.errMsg = err.Error()
		return err
	}
	return nil
}

// Commit is the checkpoint: it sets *pc to next (unless the operation
// just recorded must run again when the instance resumes: an await whose
// signal has not arrived, a retry suspended for a long backoff), encodes
// the frame and commits it with the operation's history event in one
// fenced store call.
//
// It returns nil when the run continues, an internal sentinel that the
// machine must return when the instance was suspended or failed, and
// otherwise the error that stopped the run (the store's, [ErrFenced], a
// test hook's).
func (x *Exec) Commit(pc *int, next int) error {
	if x.abort != nil {
		return x.abort
	}
	if err := x.ctx.Err(); err != nil {
		return x.stop(context.Cause(x.ctx))
	}
	p := &x.pend
	if p.fail != nil {
		if h := &x.saga; h.saga != nil && len(h.saga.List) > 0 {
			// A value-only step failed for good: compensate first.
			err := p.fail
			x.pend = pending{}
			if ferr := x.failSaga(err); ferr != nil {
				return ferr
			}
			return errSuspended
		}
		return x.finishWith(x.last, nil, p.fail, p)
	}
	if !p.stay {
		*pc = next
	}
	return x.commit()
}

// commit stores the pending operation with the frame as it is now, in
// one fenced store call (see [Exec.Commit]).
func (x *Exec) commit() error {
	p := &x.pend
	frame, err := x.encodeFrame(p.stepSeq)
	if err == nil && len(frame) > x.cfg.maxPayload {
		err = checkPayload(fmt.Sprintf("frame of instance %s at checkpoint %d", x.id, x.seq+1), len(frame), x.cfg.maxPayload, "WorkerOptions.MaxPayload")
	}
	if err != nil {
		return x.finishWith(x.last, nil, durable.Permanent(err), p)
	}
	status := p.status
	handOver := false
	if status == StatusRunning && x.isStopping() {
		status, handOver = StatusReady, true
	}
	cp := x.checkpoint(frame, status, p)
	cp.WakeAt = p.wakeAt
	cp.AwaitName = p.awaitName
	cp.Attempt = p.attempt
	cp.ConsumeSignal = p.consume
	if err := x.commitCheckpoint(cp); err != nil {
		return x.stop(fmt.Errorf("commit checkpoint %d of instance %s: %w", cp.Seq, x.id, err))
	}
	x.committed(frame)
	x.attempt = p.attempt
	x.stepSeq = p.stepSeq
	if p.consume != 0 {
		x.signal = nil
	}
	site := p.site
	x.pend = pending{}
	if err := x.afterCommit(site); err != nil {
		return err
	}
	if status != StatusRunning {
		if handOver {
			x.cfg.logger.Debug("instance handed over at shutdown", "instance", x.id, "seq", x.seq)
		}
		return errSuspended
	}
	return nil
}

// checkpoint fills the reused Checkpoint for the next sequence number.
func (x *Exec) checkpoint(frame []byte, status Status, p *pending) *Checkpoint {
	x.cp = Checkpoint{
		ID:     x.id,
		Epoch:  x.epoch,
		Seq:    x.seq + 1,
		Frame:  frame,
		Status: status,
	}
	kind := p.kind
	if !p.set {
		kind = "checkpoint"
	}
	detail := p.detail
	if len(detail) > x.cfg.maxPayload {
		detail = nil // a copy for inspection: the frame has what counts
	}
	x.cp.Event = Event{
		Seq:      x.seq + 1,
		Kind:     kind,
		Attempts: p.attempts,
		Error:    storedText(p.errMsg, maxErrorText),
		Detail:   detail,
		At:       x.now(),
	}
	if p.site != nil {
		x.cp.Event.Name = p.site.Name
		x.cp.Event.Site = p.site.ID
	}
	return &x.cp
}

// stepSeqField is the frame field, next to the machine's own, that keeps
// the step key of a retry suspended for a long backoff: the retry's
// checkpoints take sequence numbers, but the key stays that of the first
// attempt. Generated frames ignore fields they do not know.
const stepSeqField = "$stepseq"

// encodeFrame encodes the machine's frame into the spare buffer, with
// the step key sequence of a suspended retry if stepSeq is not 0.
func (x *Exec) encodeFrame(stepSeq int64) ([]byte, error) {
	x.enc.Reset(x.spare)
	x.m.MarshalFrame(&x.enc)
	if stepSeq != 0 {
		x.enc.Int(stepSeqField, stepSeq)
	}
	b, err := x.enc.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encode frame of instance %s at checkpoint %d: %w", x.id, x.seq+1, err)
	}
	return b, nil
}

// committed records that frame is now the instance's committed frame.
func (x *Exec) committed(frame []byte) {
	if len(frame) > 0 && len(x.last) > 0 && &frame[0] == &x.last[0] {
		x.spare = nil
	} else {
		x.spare = x.last[:0]
	}
	x.last = frame
	x.seq++
	x.draws = 0
}

func (x *Exec) afterCommit(s *Site) error {
	if h := x.cfg.hooks.AfterCommit; h != nil {
		if err := h(x.id, x.seq, s); err != nil {
			return x.stop(err)
		}
	}
	return nil
}

// stop makes err the outcome of the run: every later checkpoint returns it.
func (x *Exec) stop(err error) error {
	if x.abort == nil {
		x.abort = err
	}
	return x.abort
}

func (x *Exec) isStopping() bool {
	if x.stopping == nil {
		return false
	}
	select {
	case <-x.stopping:
		return true
	default:
		return false
	}
}

// finish commits the workflow's result (see [Return]).
func (x *Exec) finish(out []byte, err error) error {
	if x.abort != nil {
		return x.abort
	}
	frame, ferr := x.encodeFrame(0)
	if ferr == nil {
		ferr = checkPayload("final frame", len(frame), x.cfg.maxPayload, "WorkerOptions.MaxPayload")
	}
	if ferr != nil {
		frame = x.last
	}
	if len(out) > x.cfg.maxPayload {
		out, err = nil, durable.Permanent(checkPayload("output of instance "+x.id, len(out), x.cfg.maxPayload, "WorkerOptions.MaxPayload"))
	}
	return x.finishWith(frame, out, err, nil)
}

// finishWith commits the terminal status: completed with out, or failed
// with err. p, if not nil, is the operation that failed the workflow.
func (x *Exec) finishWith(frame, out []byte, err error, p *pending) error {
	status, kind := StatusCompleted, "complete"
	if err != nil {
		status, kind = StatusFailed, "fail"
	}
	if x.canceling {
		status, kind = StatusCanceled, "cancel"
	}
	var ev pending
	if p != nil {
		ev = *p
	}
	ev.set = true
	ev.kind = kind
	ev.detail = out
	if err != nil {
		ev.errMsg = err.Error()
	}
	cp := x.checkpoint(frame, status, &ev)
	cp.Output = out
	encode := encodeError
	if p != nil && err != nil {
		// frame is the last committed one: mark it for Client.Retry, and
		// keep the key of the step at its checkpoint for the retried run.
		encode = encodeKeptError
		if x.pinKey {
			frame = pinStepKey(frame, x.stepKeySeq())
			cp.Frame = frame
		}
	}
	cp.Error = encode(err, x.known)
	if len(cp.Error) > x.cfg.maxPayload {
		// Too long to keep whole: its message, cut.
		cp.Error = encode(errors.New(storedText(err.Error(), maxErrorText)), x.known)
	}
	if x.canceling {
		var comps []string
		if x.saga.saga != nil {
			comps = x.saga.saga.Errors
		}
		cp.Error = storedText(canceledError(x.cancelReason, comps), x.cfg.maxPayload)
		cp.Event.Error = storedText(cp.Error, maxErrorText)
	}
	// A child wakes its parent in its terminal commit where the store can
	// (no crash in between leaves the parent waiting), else right after.
	woken := false
	if parent, ok := parentOf(x.id); ok {
		if _, ok := x.store.(ParentWaker); ok {
			cp.Wake, woken = &WakeSignal{ID: parent, Name: childSignal(x.id)}, true
		}
	}
	if serr := x.commitCheckpoint(cp); serr != nil {
		return x.stop(fmt.Errorf("commit %s of instance %s: %w", status, x.id, serr))
	}
	x.committed(frame)
	x.finished = true
	if !woken {
		x.notifyParent()
	}
	x.pend = pending{}
	if err := x.afterCommit(ev.site); err != nil {
		return err
	}
	if p != nil {
		return errSuspended
	}
	return nil
}

// stepKeySeq returns the sequence number in the key of the step at the
// current checkpoint (see durable.StepKey): the one of its first attempt,
// however many checkpoints the instance committed since without moving
// past it (a suspended retry, a child it waits for, a hand-back at
// shutdown, a retry of the failed instance), and otherwise the sequence
// number its checkpoint will have.
func (x *Exec) stepKeySeq() int64 {
	if x.stepSeq != 0 {
		return x.stepSeq
	}
	return x.seq + 1
}

// pinStepKey returns frame with the sequence number of the key of the
// step at its checkpoint stored in it (stepSeqField, set to seq unless the
// frame has it already), for a commit that keeps the frame but takes a
// sequence number: the step's next attempt gets the key of its first. A
// frame that is not an object is returned unchanged.
func pinStepKey(frame []byte, seq int64) []byte {
	d := NewDecoder(frame, nil)
	fields := 0
	for d.Next() {
		if d.Key() == stepSeqField {
			return frame
		}
		fields++
	}
	end := bytes.LastIndexByte(frame, '}')
	if d.Err() != nil || end < 0 {
		return frame
	}
	out := make([]byte, 0, len(frame)+len(stepSeqField)+24)
	out = append(out, frame[:end]...)
	if fields > 0 {
		out = append(out, ',')
	}
	out = append(out, '"')
	out = append(out, stepSeqField...)
	out = append(out, '"', ':')
	out = strconv.AppendInt(out, seq, 10)
	return append(out, frame[end:]...)
}

// release hands a run that was stopped between checkpoints, or an
// instance claimed but not run, back to the store: the last committed
// frame becomes runnable again at once.
// The step that was cut keeps its key: the frame records it.
func (x *Exec) release() error {
	frame := x.last
	if x.unreadable == nil {
		frame = pinStepKey(frame, x.stepKeySeq())
	}
	cp := x.checkpoint(frame, StatusReady, &pending{set: true, kind: "release"})
	cp.Attempt = x.attempt
	if err := x.commitCheckpoint(cp); err != nil {
		return fmt.Errorf("release instance %s: %w", x.id, err)
	}
	x.committed(frame)
	return nil
}
