package runtime_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// Faults of commitFaults, one per Checkpoint call.
const (
	faultNone    = ""
	faultRefused = "refused" // a transient error before the call reached the store
	faultLost    = "lost"    // the checkpoint committed, but its answer was a transient error
	faultFatal   = "fatal"   // an error that is not transient
	faultAlways  = "always"  // refused, this call and every later one
)

// commitFaults is a store whose Checkpoint calls fail as scripted.
type commitFaults struct {
	runtime.Store
	mu     sync.Mutex
	faults []string
	calls  int
}

var errFatal = errors.New("value too long for the column")

func (s *commitFaults) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	s.mu.Lock()
	s.calls++
	fault := faultNone
	if len(s.faults) > 0 {
		fault = s.faults[0]
		if fault != faultAlways {
			s.faults = s.faults[1:]
		}
	}
	s.mu.Unlock()
	switch fault {
	case faultRefused, faultAlways:
		return errRefused
	case faultFatal:
		return errFatal
	case faultLost:
		if err := s.Store.Checkpoint(ctx, cp); err != nil {
			return err
		}
		return errEOF
	}
	return s.Store.Checkpoint(ctx, cp)
}

func (s *commitFaults) tries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// TestCommitRetry checks that a commit that fails with a transient error
// is retried within the lease, the same checkpoint again, and that a retry
// whose first try had committed is recognised: the run goes on (no lease
// lost), every step runs once and every checkpoint commits once.
func TestCommitRetry(t *testing.T) {
	tests := []struct {
		name       string
		kind       string // "steps": two steps; "nap": a sleep of an hour first
		faults     []string
		wantErr    error // of Drain
		wantStatus runtime.Status
		wantKinds  []string
		wantCalls  int
	}{
		{"refused", "steps", []string{faultRefused, faultRefused, faultRefused}, nil, runtime.StatusCompleted, []string{"step", "step", "complete"}, 6},
		{"answer lost, lease kept", "steps", []string{faultLost}, nil, runtime.StatusCompleted, []string{"step", "step", "complete"}, 4},
		{"answer lost, completed", "steps", []string{faultNone, faultNone, faultLost}, nil, runtime.StatusCompleted, []string{"step", "step", "complete"}, 4},
		{"answer lost, sleeping", "nap", []string{faultLost}, nil, runtime.StatusSleeping, []string{"sleep"}, 2},
		// A store may answer the retry of a commit that landed with an
		// error of its own (PostgreSQL did, for a consumed signal).
		{"answer lost, retry refused", "steps", []string{faultLost, faultFatal}, nil, runtime.StatusCompleted, []string{"step", "step", "complete"}, 4},
		{"refused then lost", "steps", []string{faultRefused, faultLost, faultRefused}, nil, runtime.StatusCompleted, []string{"step", "step", "complete"}, 6},
		{"not transient", "steps", []string{faultFatal}, errFatal, runtime.StatusRunning, nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			led := newLedger()
			wf := effectsWorkflow("step", 2, led)
			if tc.kind == "nap" {
				wf = napWorkflow(time.Hour)
			}
			clock := newFakeClock()
			mem := memstore.NewWithClock(clock.Now)
			store := &commitFaults{Store: mem, faults: tc.faults}
			w := runtime.NewWorker(store, runtime.WorkerOptions{Lease: testLease, Logger: quiet()})
			register(t, w, wf)
			mustStart(t, runtime.NewClient(mem), wf, "c", 0)
			n, err := w.Drain(context.Background())
			if n != 1 || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("Drain() = %d, %v, want 1, %v", n, err, tc.wantErr)
			}
			inst, gerr := mem.Get(context.Background(), "c")
			if gerr != nil {
				t.Fatal(gerr)
			}
			if inst.Status != tc.wantStatus {
				t.Errorf("status = %s, want %s", inst.Status, tc.wantStatus)
			}
			evs, _ := mem.History(context.Background(), "c")
			var kinds []string
			for _, ev := range evs {
				kinds = append(kinds, ev.Kind)
			}
			if !reflect.DeepEqual(kinds, tc.wantKinds) {
				t.Errorf("history = %v, want %v", kinds, tc.wantKinds)
			}
			if again := led.again(); len(again) > 0 {
				t.Errorf("steps run more than once: %v", again)
			}
			if got := store.tries(); got != tc.wantCalls {
				t.Errorf("Checkpoint calls = %d, want %d", got, tc.wantCalls)
			}
		})
	}
}

// TestCommitRetryEndsWithTheLease checks that a commit that keeps failing
// is given up once the lease the run can prove has run out.
func TestCommitRetryEndsWithTheLease(t *testing.T) {
	const lease = 80 * time.Millisecond
	led := newLedger()
	wf := effectsWorkflow("step", 1, led)
	// On the store's clock, which stands still, the lease never expires:
	// Drain runs the instance once.
	store := &commitFaults{Store: memstore.NewWithClock(newFakeClock().Now), faults: []string{faultAlways}}
	w := runtime.NewWorker(store, runtime.WorkerOptions{Lease: lease, Logger: quiet()})
	register(t, w, wf)
	mustStart(t, runtime.NewClient(store), wf, "c", 0)
	start := time.Now()
	_, err := w.Drain(context.Background())
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "until the lease ran out") {
		t.Errorf("Drain() = %v, want the commit given up when the lease ran out", err)
	}
	if n := store.tries(); n < 2 {
		t.Errorf("Checkpoint calls = %d, want retries", n)
	}
	if took > 10*lease {
		t.Errorf("Drain() took %v with a lease of %v, want it bounded by the lease", took, lease)
	}
}
