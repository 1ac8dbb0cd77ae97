package memstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/durablegen/durable/runtime"
)

var _ runtime.Store = (*Store)(nil)
var _ runtime.WorkWaiter = (*Store)(nil)

// Store is an in-memory [runtime.Store]. It is safe for concurrent use.
// It keeps its own copies of everything it is given and returns copies.
type Store struct {
	clock func() time.Time

	mu       sync.Mutex
	insts    map[string]*record
	queues   map[string]*queue // by workflow@version
	order    uint64            // queueing order, for ties
	signalID int64
	changed  chan struct{} // closed at the next change; nil when no one waits
}

// record is one stored instance.
type record struct {
	inst    runtime.Instance // Signal and Now are never set here
	signals []runtime.Signal // unconsumed, oldest first
	history history
	due     time.Time // when it becomes claimable, while queued
	order   uint64
	index   int // in its queue; -1 when not queued
	// claimSeq is the instance's Seq at its last claim, and aborted the
	// count of runs in a row that committed nothing (Instance.Aborted).
	claimSeq int64
	aborted  int
}

// New returns an empty store on the real clock.
func New() *Store { return NewWithClock(time.Now) }

// NewWithClock returns an empty store whose clock is now.
func NewWithClock(now func() time.Time) *Store {
	return &Store{
		clock:  now,
		insts:  make(map[string]*record),
		queues: make(map[string]*queue),
	}
}

// Create inserts inst (status ready if unset) unless its ID exists.
func (s *Store) Create(ctx context.Context, inst *runtime.Instance) (*runtime.Instance, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if inst == nil || inst.Workflow == "" {
		return nil, false, errors.New("create instance: ID and workflow are required")
	}
	if err := runtime.CheckID(inst.ID); err != nil {
		return nil, false, fmt.Errorf("create instance: %w", err)
	}
	status := inst.Status
	if status == "" {
		status = runtime.StatusReady
	}
	switch status {
	case runtime.StatusReady, runtime.StatusSleeping, runtime.StatusWaiting:
	default:
		return nil, false, fmt.Errorf("create instance %s: initial status %q (want ready, sleeping or waiting)", inst.ID, status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.insts[inst.ID]; ok {
		return r.snapshot(), false, nil
	}
	now := s.clock()
	r := &record{index: -1, inst: runtime.Instance{
		ID:        inst.ID,
		Workflow:  inst.Workflow,
		Version:   inst.Version,
		Status:    status,
		Frame:     bytes.Clone(inst.Frame),
		WakeAt:    inst.WakeAt,
		AwaitName: inst.AwaitName,
		CreatedAt: now,
		UpdatedAt: now,
	}}
	s.insts[inst.ID] = r
	s.reschedule(r, now)
	s.notify()
	return r.snapshot(), true, nil
}

// Claim leases up to req.Limit runnable instances of req.Workflows, the
// one runnable longest first.
func (s *Store) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.Lease <= 0 {
		return nil, fmt.Errorf("claim: lease %v must be positive", req.Lease)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	var out []*runtime.Instance
	for len(out) < req.Limit {
		r := s.next(req.Workflows, now)
		if r == nil {
			break
		}
		if r.inst.Status == runtime.StatusRunning && r.inst.Seq == r.claimSeq {
			r.aborted++ // the last run's lease expired before it committed
		} else {
			r.aborted = 0
		}
		r.claimSeq = r.inst.Seq
		r.inst.Status = runtime.StatusRunning
		r.inst.Owner = req.Owner
		r.inst.Epoch++
		r.inst.LeaseUntil = now.Add(req.Lease)
		r.inst.UpdatedAt = now
		s.reschedule(r, now)
		inst := r.snapshot()
		inst.Now = now
		inst.Aborted = r.aborted
		if i := r.pendingSignal(r.inst.AwaitName); i >= 0 {
			sig := r.signals[i]
			sig.Payload = bytes.Clone(sig.Payload)
			inst.Signal = &sig
		}
		out = append(out, inst)
	}
	return out, nil
}

// Checkpoint commits cp, fenced by its epoch.
func (s *Store) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch cp.Status {
	case runtime.StatusRunning, runtime.StatusReady, runtime.StatusSleeping, runtime.StatusWaiting,
		runtime.StatusCompleted, runtime.StatusFailed, runtime.StatusCanceled:
	default:
		return fmt.Errorf("checkpoint %d of instance %s: status %q cannot be committed", cp.Seq, cp.ID, cp.Status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.insts[cp.ID]
	if !ok {
		return fmt.Errorf("checkpoint instance %s: %w", cp.ID, runtime.ErrNotFound)
	}
	if r.inst.Status != runtime.StatusRunning || r.inst.Epoch != cp.Epoch || s.clock().After(r.inst.LeaseUntil) {
		return fmt.Errorf("checkpoint %d of instance %s at epoch %d: %w", cp.Seq, cp.ID, cp.Epoch, runtime.ErrFenced)
	}
	if cp.Seq <= r.inst.Seq {
		return fmt.Errorf("checkpoint %d of instance %s: %w", cp.Seq, cp.ID, runtime.ErrDuplicateSeq)
	}
	if cp.Seq != r.inst.Seq+1 {
		return fmt.Errorf("checkpoint %d of instance %s: sequence gap after %d", cp.Seq, cp.ID, r.inst.Seq)
	}
	if err := cp.CheckExtras(); err != nil {
		return err
	}
	consumed := -1
	if cp.ConsumeSignal != 0 {
		if consumed = r.signalIndex(cp.ConsumeSignal); consumed < 0 {
			return fmt.Errorf("checkpoint %d of instance %s: signal %d is not pending", cp.Seq, cp.ID, cp.ConsumeSignal)
		}
	}

	now := s.clock()
	if consumed >= 0 {
		r.signals = append(r.signals[:consumed], r.signals[consumed+1:]...)
	}
	in := &r.inst
	in.Frame = append(in.Frame[:0], cp.Frame...) // never shared: readers get copies
	in.Seq = cp.Seq
	if cp.Version != "" && cp.Version != in.Version {
		s.schedule(r, time.Time{}, false) // out of the old version's queue
		in.Version = cp.Version
	}
	in.Status = cp.Status
	in.Attempt = cp.Attempt
	in.WakeAt = cp.WakeAt
	in.AwaitName = cp.AwaitName
	in.Output = bytes.Clone(cp.Output)
	in.Error = cp.Error
	in.UpdatedAt = now
	if in.Status != runtime.StatusRunning {
		in.Owner = ""
		in.LeaseUntil = time.Time{}
	}
	if in.Status == runtime.StatusWaiting && r.pendingSignal(in.AwaitName) >= 0 {
		in.Status = runtime.StatusReady
	}
	ev := cp.Event
	ev.Seq = cp.Seq
	ev.Detail = bytes.Clone(ev.Detail)
	if ev.At.IsZero() {
		ev.At = now
	}
	r.history.add(ev)
	s.reschedule(r, now)
	if in.Status != runtime.StatusRunning {
		s.notify()
	}
	if w := cp.Wake; w != nil {
		if p, ok := s.insts[w.ID]; ok && !p.inst.Status.Terminal() {
			s.deliver(p, w.Name, nil, now)
		}
	}
	return nil
}

// Heartbeat extends the lease of a claimed instance, fenced by epoch.
func (s *Store) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.insts[id]
	if !ok {
		return fmt.Errorf("heartbeat instance %s: %w", id, runtime.ErrNotFound)
	}
	now := s.clock()
	if r.inst.Status != runtime.StatusRunning || r.inst.Epoch != epoch {
		return fmt.Errorf("heartbeat instance %s at epoch %d: %w", id, epoch, runtime.ErrFenced)
	}
	r.inst.LeaseUntil = now.Add(lease)
	s.reschedule(r, now)
	return nil
}

// CommitsWake says that Checkpoint commits a checkpoint's Wake signal
// with it (runtime.ParentWaker).
func (s *Store) CommitsWake() {}

// Signal records signal name for instance id and makes the instance
// runnable if it waits for it. A signal to a terminal instance is refused
// with [runtime.ErrFinished]: nothing would ever consume it.
func (s *Store) Signal(ctx context.Context, id, name string, payload []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.insts[id]
	if !ok {
		return fmt.Errorf("signal instance %s: %w", id, runtime.ErrNotFound)
	}
	if r.inst.Status.Terminal() {
		return fmt.Errorf("signal instance %s (%s): %w", id, r.inst.Status, runtime.ErrFinished)
	}
	s.deliver(r, name, payload, s.clock())
	return nil
}

// deliver adds a signal to r, which is not terminal, and readies it if it
// waits for it.
func (s *Store) deliver(r *record, name string, payload []byte, now time.Time) {
	s.signalID++
	r.signals = append(r.signals, runtime.Signal{ID: s.signalID, Name: name, Payload: bytes.Clone(payload), CreatedAt: now})
	if r.inst.Status == runtime.StatusWaiting && r.inst.AwaitName == name {
		r.inst.Status = runtime.StatusReady
		r.inst.UpdatedAt = now
		s.reschedule(r, now)
	}
	s.notify()
}

// Get returns a copy of instance id.
func (s *Store) Get(ctx context.Context, id string) (*runtime.Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.insts[id]
	if !ok {
		return nil, fmt.Errorf("get instance %s: %w", id, runtime.ErrNotFound)
	}
	return r.snapshot(), nil
}

// Cancel cancels a non-terminal instance and fences its owner; a terminal
// instance is left unchanged.
func (s *Store) Cancel(ctx context.Context, id, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.insts[id]
	if !ok {
		return fmt.Errorf("cancel instance %s: %w", id, runtime.ErrNotFound)
	}
	if r.inst.Status.Terminal() {
		return nil
	}
	now := s.clock()
	in := &r.inst
	in.Status = runtime.StatusCanceled
	in.Error = reason
	in.Epoch++
	in.Seq++
	in.Owner = ""
	in.LeaseUntil = time.Time{}
	in.WakeAt = time.Time{}
	in.UpdatedAt = now
	r.history.add(runtime.Event{Seq: in.Seq, Kind: "cancel", Error: reason, At: now})
	s.reschedule(r, now)
	s.notify()
	return nil
}

// History returns copies of the events of instance id in sequence order.
func (s *Store) History(ctx context.Context, id string) ([]runtime.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.insts[id]
	if !ok {
		return nil, fmt.Errorf("history of instance %s: %w", id, runtime.ErrNotFound)
	}
	return r.history.copy(), nil
}

// WaitForWork blocks until an instance is created, signalled or released,
// the earliest queued timer or lease falls due, timeout passes, or ctx is
// done.
func (s *Store) WaitForWork(ctx context.Context, timeout time.Duration) {
	s.mu.Lock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	ch := s.changed
	if due, ok := s.earliest(); ok {
		if d := due.Sub(s.clock()); d > 0 && d < timeout {
			timeout = d
		}
	}
	s.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
}

// notify wakes the callers of WaitForWork. Callers hold s.mu.
func (s *Store) notify() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// reschedule queues r by when it becomes claimable given its status.
// Callers hold s.mu.
func (s *Store) reschedule(r *record, now time.Time) {
	in := &r.inst
	switch {
	case in.Status == runtime.StatusReady:
		if r.index < 0 || r.due.After(now) {
			s.schedule(r, now, true)
		}
	case in.Status == runtime.StatusRunning:
		// A lease is taken over once it has expired: strictly after LeaseUntil.
		s.schedule(r, in.LeaseUntil.Add(time.Nanosecond), true)
	case in.Status == runtime.StatusSleeping:
		s.schedule(r, in.WakeAt, true)
	case in.Status == runtime.StatusWaiting && !in.WakeAt.IsZero():
		s.schedule(r, in.WakeAt, true)
	default: // waiting for a signal only, or terminal
		s.schedule(r, time.Time{}, false)
	}
}

// pendingSignal returns the index of the oldest unconsumed signal named
// name, or -1.
func (r *record) pendingSignal(name string) int {
	if name == "" {
		return -1
	}
	for i, sig := range r.signals {
		if sig.Name == name {
			return i
		}
	}
	return -1
}

func (r *record) signalIndex(id int64) int {
	for i, sig := range r.signals {
		if sig.ID == id {
			return i
		}
	}
	return -1
}

// snapshot returns a copy of the stored instance.
func (r *record) snapshot() *runtime.Instance {
	c := r.inst
	c.Frame = bytes.Clone(c.Frame)
	c.Output = bytes.Clone(c.Output)
	return &c
}

// history holds an instance's events in chunks, so that a long history
// grows without copying.
type history struct {
	chunks [][]runtime.Event
	n      int
}

// Chunks of history grow from firstChunk events to historyChunk, so that
// an instance of a few steps does not hold room for hundreds.
const (
	firstChunk   = 8
	historyChunk = 256
)

func (h *history) add(ev runtime.Event) {
	if k := len(h.chunks); k == 0 || len(h.chunks[k-1]) == cap(h.chunks[k-1]) {
		size := firstChunk
		if k > 0 {
			size = min(2*cap(h.chunks[k-1]), historyChunk)
		}
		h.chunks = append(h.chunks, make([]runtime.Event, 0, size))
	}
	last := &h.chunks[len(h.chunks)-1]
	*last = append(*last, ev)
	h.n++
}

// copy returns copies of the events, in order.
func (h *history) copy() []runtime.Event {
	evs := make([]runtime.Event, 0, h.n)
	for _, c := range h.chunks {
		for _, ev := range c {
			ev.Detail = bytes.Clone(ev.Detail)
			evs = append(evs, ev)
		}
	}
	return evs
}
