package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/internal/equiv"
	"github.com/durablegen/durable/internal/equiv/ext"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// lossyStore drops the signals that wake a parent when its child ends, and
// can fail the next checkpoint of one instance, as a crash would.
type lossyStore struct {
	runtime.Store
	dropped  atomic.Int32
	failNext atomic.Pointer[string] // instance whose next checkpoint fails
}

func (s *lossyStore) Signal(ctx context.Context, id, name string, payload []byte) error {
	if strings.HasPrefix(name, "$child:") {
		s.dropped.Add(1)
		return nil
	}
	return s.Store.Signal(ctx, id, name, payload)
}

func (s *lossyStore) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	if id := s.failNext.Load(); id != nil && *id == cp.ID {
		s.failNext.Store(nil)
		return errors.New("lossy: the process died before this commit")
	}
	return s.Store.Checkpoint(ctx, cp)
}

func register(t *testing.T, w *runtime.Worker, defs ...durable.Definition) {
	t.Helper()
	for _, d := range defs {
		if err := w.Register(d); err != nil {
			t.Fatal(err)
		}
	}
}

// drive runs the workers until instance id ends, moving the fake clock to
// the next wake-up (or past a lease) whenever nothing is runnable, and
// returns how many rounds it took.
func drive(t *testing.T, c *runtime.Client, clock *durabletest.Clock, w *runtime.Worker, id string) int {
	t.Helper()
	ctx := context.Background()
	for round := 1; round < 1000; round++ {
		w.Drain(ctx) // errors: the simulated crashes
		insts, err := c.List(ctx, runtime.ListOptions{IDPrefix: id})
		if err != nil {
			t.Fatal(err)
		}
		var wake time.Time
		for _, in := range insts {
			if in.ID == id && in.Status.Terminal() {
				return round
			}
			switch in.Status {
			case runtime.StatusRunning:
				wake = clock.Now().Add(2 * time.Minute) // past the lease
			case runtime.StatusSleeping, runtime.StatusWaiting:
				if !in.WakeAt.IsZero() && (wake.IsZero() || in.WakeAt.Before(wake)) {
					wake = in.WakeAt
				}
			}
		}
		if wake.IsZero() {
			t.Fatalf("instance %s is stuck: %+v", id, insts)
		}
		clock.Set(wake)
	}
	t.Fatalf("instance %s did not end", id)
	return 0
}

// onboardSetup returns a lossy in-memory store on a fake clock and a
// worker and client for equiv.Onboard and its child, Drip.
func onboardSetup(t *testing.T) (*lossyStore, *durabletest.Clock, *runtime.Worker, *runtime.Client) {
	t.Helper()
	clock := durabletest.NewClock()
	store := &lossyStore{Store: memstore.NewWithClock(clock.Now)}
	w := runtime.NewWorker(store, runtime.WorkerOptions{Lease: time.Minute, Logger: quiet()})
	register(t, w, equiv.OnboardWorkflow, equiv.DripWorkflow)
	return store, clock, w, runtime.NewClient(store)
}

// TestChildSignalLost: a parent whose child's completion signal is lost
// still gets the child's result, at its next check of the child.
func TestChildSignalLost(t *testing.T) {
	ctx := context.Background()
	store, clock, w, c := onboardSetup(t)
	h, err := runtime.Start(ctx, c, equiv.OnboardWorkflow, "onboard-1", []string{"ann", "bob"})
	if err != nil {
		t.Fatal(err)
	}
	rounds := drive(t, c, clock, w, "onboard-1")
	got, err := h.Result(ctx)
	if err != nil || got != "welcome ann+tips ann;welcome bob+tips bob;done" {
		t.Fatalf("Result = %q, %v", got, err)
	}
	if store.dropped.Load() != 2 {
		t.Errorf("%d child signals dropped, want 2 (the test must lose them)", store.dropped.Load())
	}
	// Each child sleeps 7 days; the parent's checks back off to hourly,
	// so it is claimed about 7*24 times per child, not once a minute.
	if rounds > 500 {
		t.Errorf("%d rounds to finish: the parent's checks do not back off", rounds)
	}
	t.Logf("finished in %d rounds", rounds)
}

// TestChildCrashBeforeWait: the parent dies after starting its child and
// before committing that it waits; the resumed parent finds the same child
// instead of starting another.
func TestChildCrashBeforeWait(t *testing.T) {
	ctx := context.Background()
	store, clock, w, c := onboardSetup(t)
	h, err := runtime.Start(ctx, c, equiv.OnboardWorkflow, "onboard-2", []string{"cy"})
	if err != nil {
		t.Fatal(err)
	}
	parent := "onboard-2"
	store.failNext.Store(&parent)
	drive(t, c, clock, w, parent)
	got, err := h.Result(ctx)
	if err != nil || got != "welcome cy+tips cy;done" {
		t.Fatalf("Result = %q, %v", got, err)
	}
	insts, err := c.List(ctx, runtime.ListOptions{IDPrefix: parent + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(insts) != 1 || insts[0].ID != runtime.ChildID(parent, 1) {
		var ids []string
		for _, in := range insts {
			ids = append(ids, in.ID)
		}
		t.Errorf("children = %q, want one, %s", ids, runtime.ChildID(parent, 1))
	}
}

func (s *lossyStore) List(ctx context.Context, opts runtime.ListOptions) ([]*runtime.Instance, error) {
	return s.Store.(runtime.Admin).List(ctx, opts)
}

func (s *lossyStore) Retry(ctx context.Context, req runtime.RetryRequest) error {
	return s.Store.(runtime.Admin).Retry(ctx, req)
}

// TestCancelParentCancelsChildren: cancelling a parent that waits for its
// child cancels the child too, with a requested cancel as with an
// immediate one.
func TestCancelParentCancelsChildren(t *testing.T) {
	for _, graceful := range []bool{false, true} {
		ctx := context.Background()
		store, _, w, c := onboardSetup(t)
		id := fmt.Sprintf("onboard-cancel-%v", graceful)
		if _, err := runtime.Start(ctx, c, equiv.OnboardWorkflow, id, []string{"ann"}); err != nil {
			t.Fatal(err)
		}
		w.Drain(ctx) // the parent waits; the child sleeps for a week
		var err error
		if graceful {
			err = c.RequestCancel(ctx, id, "stop")
			w.Drain(ctx)
		} else {
			err = c.Cancel(ctx, id, "stop")
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []string{id, runtime.ChildID(id, 1)} {
			got, err := store.Get(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != runtime.StatusCanceled {
				t.Errorf("graceful=%v: %s is %s, want canceled", graceful, in, got.Status)
			}
		}
	}
}

func (s *lossyStore) RequestCancel(ctx context.Context, id, reason string) error {
	return s.Store.(runtime.CancelRequester).RequestCancel(ctx, id, reason)
}

// slowFinishStore holds every terminal commit of a child for a while
// after it committed, so that the run's heartbeat fires meanwhile and
// finds the instance no longer running.
type slowFinishStore struct {
	runtime.Store
	lateHeartbeats atomic.Int32 // heartbeats refused after a child's terminal commit
}

func (s *slowFinishStore) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	err := s.Store.Checkpoint(ctx, cp)
	if err == nil && cp.Status.Terminal() && strings.Contains(cp.ID, "/child-") {
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

func (s *slowFinishStore) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	err := s.Store.Heartbeat(ctx, id, epoch, lease)
	if errors.Is(err, runtime.ErrFenced) && strings.Contains(id, "/child-") {
		s.lateHeartbeats.Add(1)
	}
	return err
}

// TestChildSignalAfterLateHeartbeat: a heartbeat that fails because the
// child's own terminal commit just ended its run must not cancel the
// signal that wakes the parent (the parent would wait for its next check
// of the child, a minute later).
func TestChildSignalAfterLateHeartbeat(t *testing.T) {
	store := &slowFinishStore{Store: memstore.New()}
	w := runtime.NewWorker(store, runtime.WorkerOptions{Lease: 30 * time.Millisecond, PollInterval: 5 * time.Millisecond, Logger: quiet()})
	register(t, w, equiv.LoudWorkflow, ext.ShoutWorkflow)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	c := runtime.NewClient(store)
	h, err := runtime.Start(ctx, c, equiv.LoudWorkflow, "loud-1", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	if _, err := h.Result(rctx); err != nil {
		t.Fatalf("Result = %v: the parent was not woken by its child", err)
	}
	if store.lateHeartbeats.Load() == 0 {
		t.Errorf("no heartbeat of the child failed after its terminal commit: the test did not make the race")
	}
}
