package trace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/durablegen/durable/runtime"
)

// A Fault is an action a worker does to itself at a point of a store
// call: "kill after-commit" dies by SIGKILL right after a checkpoint
// returned. It fires once, at the next call that reaches its point.
type Fault struct {
	Action Action
	Point  Point
}

// Action is what a fault does to the worker process.
type Action string

// Actions.
const (
	Kill Action = "kill" // SIGKILL: the process dies at once
	Stop Action = "stop" // SIGSTOP: the process freezes until the harness sends SIGCONT
	Term Action = "term" // SIGTERM: the worker shuts down gracefully
)

// Point is where in a store call a fault fires.
type Point string

// Points.
const (
	BeforeCommit Point = "before-commit" // the step ran; its checkpoint is not sent
	DuringCommit Point = "during-commit" // the checkpoint was sent 0-2 ms ago; it may or may not commit
	AfterCommit  Point = "after-commit"  // the checkpoint committed; the worker has not gone on
	DuringClaim  Point = "during-claim"  // a claim was sent 0-2 ms ago
)

// ParseFault parses "action point", as the harness writes it.
func ParseFault(s string) (Fault, error) {
	a, p, ok := strings.Cut(strings.TrimSpace(s), " ")
	f := Fault{Action(a), Point(p)}
	switch {
	case !ok:
	case f.Action != Kill && f.Action != Stop && f.Action != Term:
	case f.Point != BeforeCommit && f.Point != DuringCommit && f.Point != AfterCommit && f.Point != DuringClaim:
	default:
		return f, nil
	}
	return Fault{}, fmt.Errorf("fault %q: want kill|stop|term before-commit|during-commit|after-commit|during-claim", s)
}

func (f Fault) String() string { return string(f.Action) + " " + string(f.Point) }

// Store is a runtime.Store that traces the calls of a worker and fires
// the faults armed with [Store.Arm]. A store that implements
// runtime.WorkWaiter keeps waking the worker.
type Store struct {
	runtime.Store
	waiter runtime.WorkWaiter // nil if the store is none

	mu     sync.Mutex
	out    io.Writer
	armed  []Fault
	epochs map[string]int64 // instance → epoch of its last claim here
	rng    *rand.Rand
}

// CommitsWake: the harness runs the SQLite and PostgreSQL stores, which
// commit a child's wake-up of its parent with its terminal checkpoint
// (runtime.ParentWaker); Wrap refuses any other.
func (s *Store) CommitsWake() {}

// Wrap returns store tracing to out. The store must be a
// runtime.ParentWaker (see CommitsWake).
func Wrap(store runtime.Store, out io.Writer, seed uint64) *Store {
	if _, ok := store.(runtime.ParentWaker); !ok {
		panic(fmt.Sprintf("trace: %T does not commit wake-ups with checkpoints", store))
	}
	ww, _ := store.(runtime.WorkWaiter)
	return &Store{Store: store, waiter: ww, out: out, epochs: map[string]int64{}, rng: rand.New(rand.NewPCG(seed, seed))}
}

var (
	_ runtime.Store      = (*Store)(nil)
	_ runtime.WorkWaiter = (*Store)(nil)
)

// Arm arms f: it fires at the next call that reaches its point.
func (s *Store) Arm(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed = append(s.armed, f)
}

// take disarms and returns the first armed fault at one of points.
func (s *Store) take(points ...Point) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.armed {
		for _, p := range points {
			if f.Point == p {
				s.armed = append(s.armed[:i], s.armed[i+1:]...)
				return f, true
			}
		}
	}
	return Fault{}, false
}

// Epoch returns the epoch under which this worker last claimed id.
func (s *Store) Epoch(id string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.epochs[id]
}

// Start traces the worker's start.
func (s *Store) Start(owner string) {
	s.write(Event{Op: OpStart, At: now(), Owner: owner, PID: os.Getpid()})
}

// Claim claims from the store and traces each claimed instance, or the
// failure.
func (s *Store) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	sent := now()
	var insts []*runtime.Instance
	var err error
	if f, ok := s.take(DuringClaim); ok {
		s.during(f, Event{}, func() { insts, err = s.Store.Claim(ctx, req) })
	} else {
		insts, err = s.Store.Claim(ctx, req)
	}
	at := now()
	if err != nil && ctx.Err() == nil {
		s.write(errorEvent(Event{Op: OpClaim, Sent: sent, At: at}, err))
	}
	for _, inst := range insts {
		s.mu.Lock()
		s.epochs[inst.ID] = inst.Epoch
		s.mu.Unlock()
		s.write(Event{Op: OpClaim, Sent: sent, At: at, ID: inst.ID, Epoch: inst.Epoch, Seq: inst.Seq, Clock: inst.Now.UnixNano()})
	}
	return insts, err
}

// Checkpoint commits cp, traces the outcome and fires a fault armed at
// one of the commit points.
func (s *Store) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	ev := Event{Op: OpCommit, ID: cp.ID, Epoch: cp.Epoch, Seq: cp.Seq, Status: cp.Status}
	if !cp.WakeAt.IsZero() {
		ev.WakeAt = cp.WakeAt.UnixNano()
	}
	f, armed := s.take(BeforeCommit, DuringCommit, AfterCommit)
	if armed && f.Point == BeforeCommit {
		s.fire(f, ev)
	}
	ev.Sent = now()
	var err error
	if armed && f.Point == DuringCommit {
		s.during(f, ev, func() { err = s.Store.Checkpoint(ctx, cp) })
	} else {
		err = s.Store.Checkpoint(ctx, cp)
	}
	ev.At = now()
	s.write(errorEvent(ev, err))
	if armed && f.Point == AfterCommit {
		s.fire(f, ev)
	}
	return err
}

// Heartbeat extends the lease and traces a failure.
func (s *Store) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	sent := now()
	err := s.Store.Heartbeat(ctx, id, epoch, lease)
	if err != nil {
		s.write(errorEvent(Event{Op: OpHeartbeat, Sent: sent, At: now(), ID: id, Epoch: epoch}, err))
	}
	return err
}

// WaitForWork waits as the wrapped store does, or sleeps for timeout.
func (s *Store) WaitForWork(ctx context.Context, timeout time.Duration) {
	if s.waiter != nil {
		s.waiter.WaitForWork(ctx, timeout)
		return
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// during runs call and fires f 0-2 ms after it was sent, or when it
// returns if that is sooner: the call is in flight, or just done.
func (s *Store) during(f Fault, ev Event, call func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		call()
	}()
	s.mu.Lock()
	d := time.Duration(s.rng.Int64N(int64(2 * time.Millisecond)))
	s.mu.Unlock()
	t := time.NewTimer(d)
	select {
	case <-t.C:
	case <-done:
	}
	t.Stop()
	s.fire(f, ev)
	<-done
}

// fire traces f and does it to this process.
func (s *Store) fire(f Fault, ev Event) {
	s.write(Event{Op: OpFault, At: now(), ID: ev.ID, Epoch: ev.Epoch, Seq: ev.Seq, Fault: f.String()})
	sig := map[Action]syscall.Signal{Kill: syscall.SIGKILL, Stop: syscall.SIGSTOP, Term: syscall.SIGTERM}[f.Action]
	_ = syscall.Kill(os.Getpid(), sig)
}

func errorEvent(ev Event, err error) Event {
	if err != nil {
		ev.Err = err.Error()
		ev.Fenced = errors.Is(err, runtime.ErrFenced)
		ev.Duplicate = errors.Is(err, runtime.ErrDuplicateSeq)
	}
	return ev
}

// write writes ev as one line, unbuffered, so that a process killed after
// an operation has traced every operation before it.
func (s *Store) write(ev Event) {
	b, _ := json.Marshal(ev) // strings and numbers: it cannot fail
	b = append(b, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	// A reader that went away (the harness died) must not stop the worker.
	_, _ = s.out.Write(b)
}

func now() int64 { return time.Now().UnixNano() }
