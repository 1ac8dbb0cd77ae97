package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/internal/equiv"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
	"github.com/durablegen/durable/runtime/sqlite"
)

// cancelStores are the stores a requested cancel is tested on.
func cancelStores(t *testing.T, clock *durabletest.Clock) map[string]runtime.Store {
	t.Helper()
	sq, err := sqlite.New(sqlite.Config{Path: filepath.Join(t.TempDir(), "cancel.db"), Synchronous: "NORMAL", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	return map[string]runtime.Store{"memstore": memstore.NewWithClock(clock.Now), "sqlite": sq}
}

// TestRequestCancel: an instance waiting for a signal is asked to cancel;
// its compensations run, last first, and it ends canceled with the reason.
// One that registered none ends canceled at once; a finished one refuses.
func TestRequestCancel(t *testing.T) {
	for name, store := range cancelStores(t, durabletest.NewClock()) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet()})
			register(t, w, equiv.BookingWorkflow, equiv.ApprovalWorkflow)
			c := runtime.NewClient(store)
			id := fmt.Sprintf("booking-%s-%d", name, time.Now().UnixNano())
			h, err := runtime.Start(ctx, c, equiv.BookingWorkflow, id, []string{"flight", "hotel"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			if inst, _ := c.Get(ctx, id); inst.Status != runtime.StatusWaiting {
				t.Fatalf("status before the cancel = %s, want waiting", inst.Status)
			}
			if err := c.RequestCancel(ctx, id, "customer changed plans"); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			_, err = h.Result(ctx)
			if !errors.Is(err, runtime.ErrCanceled) || !strings.HasSuffix(err.Error(), ": customer changed plans") {
				t.Errorf("Result error = %v, want canceled: customer changed plans", err)
			}
			want := []string{"echo book flight", "echo book hotel", "note unbook hotel", "note unbook flight"}
			if got := equiv.Effects.Effects(id); !slices.Equal(got, want) {
				t.Errorf("effects = %q, want %q", got, want)
			}
			if err := c.RequestCancel(ctx, id, "again"); !errors.Is(err, runtime.ErrFinished) {
				t.Errorf("RequestCancel of a canceled instance = %v, want ErrFinished", err)
			}
			if err := c.RequestCancel(ctx, "missing", "x"); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("RequestCancel of a missing instance = %v, want ErrNotFound", err)
			}

			// No compensations: canceled at once.
			id2 := "approval-" + name
			h2, err := runtime.Start(ctx, c, equiv.ApprovalWorkflow, id2, 50_000_00)
			if err != nil {
				t.Fatal(err)
			}
			w.Drain(ctx)
			if err := c.RequestCancel(ctx, id2, "stop"); err != nil {
				t.Fatal(err)
			}
			w.Drain(ctx)
			if _, err := h2.Result(ctx); !errors.Is(err, runtime.ErrCanceled) {
				t.Errorf("Result of a cancelled instance without compensations = %v, want ErrCanceled", err)
			}
		})
	}
}

// TestRequestCancelCrash: the worker dies after the first compensation
// committed; the next one finishes the others, and none runs twice.
func TestRequestCancelCrash(t *testing.T) {
	clock := durabletest.NewClock()
	for name, store := range cancelStores(t, clock) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			crashed := false
			hooks := runtime.Hooks{AfterCommit: func(id string, seq int64, s *runtime.Site) error {
				if s != nil && s.Kind == "compensate" && !crashed {
					crashed = true
					return errors.New("crash")
				}
				return nil
			}}
			w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet(), Lease: time.Minute, Hooks: hooks})
			register(t, w, equiv.BookingWorkflow)
			c := runtime.NewClient(store)
			id := fmt.Sprintf("booking-crash-%s-%d", name, time.Now().UnixNano())
			h, err := runtime.Start(ctx, c, equiv.BookingWorkflow, id, []string{"a", "b", "c"})
			if err != nil {
				t.Fatal(err)
			}
			w.Drain(ctx)
			if err := c.RequestCancel(ctx, id, "stop"); err != nil {
				t.Fatal(err)
			}
			w.Drain(ctx) // crashes after the first compensation's commit
			if !crashed {
				t.Fatal("the crash hook did not fire")
			}
			clock.Advance(2 * time.Minute) // the dead worker's lease expires
			w2 := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet(), Lease: time.Minute})
			register(t, w2, equiv.BookingWorkflow)
			w2.Drain(ctx)
			if _, err := h.Result(ctx); !errors.Is(err, runtime.ErrCanceled) {
				t.Fatalf("Result = %v, want ErrCanceled", err)
			}
			want := []string{"echo book a", "echo book b", "echo book c", "note unbook c", "note unbook b", "note unbook a"}
			if got := equiv.Effects.All(id); !slices.Equal(got, want) {
				t.Errorf("effects, repeats included = %q, want %q", got, want)
			}
		})
	}
}

// TestCompensateAfterValueStepFails: a step without an error result that
// fails for good fails the workflow at its commit; the compensations
// registered before it still run.
func TestCompensateAfterValueStepFails(t *testing.T) {
	ctx := context.Background()
	store := memstore.New()
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet()})
	register(t, w, equiv.SagaValueFailWorkflow)
	c := runtime.NewClient(store)
	id := fmt.Sprintf("value-fail-%d", time.Now().UnixNano())
	h, err := runtime.Start(ctx, c, equiv.SagaValueFailWorkflow, id, 7)
	if err != nil {
		t.Fatal(err)
	}
	w.Drain(ctx)
	_, err = h.Result(ctx)
	if err == nil || !strings.Contains(err.Error(), "boom 7") {
		t.Fatalf("Result error = %v, want the step's panic", err)
	}
	if got := equiv.Effects.All(id); !slices.Equal(got, []string{"note undo 7"}) {
		t.Errorf("effects = %q, want the compensation once", got)
	}
}
