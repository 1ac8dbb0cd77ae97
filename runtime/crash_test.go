package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable/internal/equiv"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// outcome is what a transfer run produced, comparable across runs.
type outcome struct {
	Receipt Receipt
	Err     string
	Effects []effect // de-duplicated by step key
}

// runTransfer runs one transfer to its end with the given hooks and
// returns its outcome, the bank, and how many runs crashed.
func runTransfer(t *testing.T, in TransferRequest, hooks runtime.Hooks) (outcome, *bank, int) {
	t.Helper()
	b := &bank{}
	wf := transferWorkflow(b)
	h := newHarness(t, runtime.WorkerOptions{Hooks: hooks}, wf)
	ctx := context.Background()
	hd, err := runtime.Start(ctx, h.client, wf, "transfer-1", in)
	if err != nil {
		t.Fatalf("Start() = %v, want nil", err)
	}
	crashes := h.drive(hd.ID())
	r, err := hd.Result(ctx)
	if err == nil && r.At.IsZero() {
		t.Errorf("Result().At is zero, want the durable time")
	}
	r.At = time.Time{}
	out := outcome{Receipt: r, Effects: b.dedup()}
	if err != nil {
		out.Err = err.Error()
		if in.Amount <= 0 && !errors.Is(err, errInsufficientFunds) {
			t.Errorf("Result() = %v, want an error matching errInsufficientFunds", err)
		}
	}
	return out, b, crashes
}

// phaseHooks returns hooks whose phase hook fails with errCrash at its
// k-th call (never if k is 0) and counts its calls in *calls.
func phaseHooks(phase string, k int, calls *int) runtime.Hooks {
	hook := func(id string, seq int64, s *runtime.Site) error {
		*calls++
		if *calls == k {
			return fmt.Errorf("%s of checkpoint %d: %w", phase, seq, errCrash)
		}
		return nil
	}
	switch phase {
	case "BeforeStep":
		return runtime.Hooks{BeforeStep: hook}
	case "AfterStep":
		return runtime.Hooks{AfterStep: hook}
	default:
		return runtime.Hooks{AfterCommit: hook}
	}
}

// TestCrashAtEveryCheckpoint crashes a transfer once at every hook call
// of every phase and checks that the resumed run ends like the uncrashed
// one: same result, same de-duplicated effects, and no step whose
// checkpoint committed ran again.
func TestCrashAtEveryCheckpoint(t *testing.T) {
	inputs := []struct {
		name string
		in   TransferRequest
	}{
		{"small", TransferRequest{From: "alice", To: "bob", Amount: 500}},
		{"approved", TransferRequest{From: "alice", To: "bob", Amount: 5000}},
		{"declined", TransferRequest{From: "alice", To: "bob", Amount: -1}},
	}
	for _, tc := range inputs {
		t.Run(tc.name, func(t *testing.T) {
			want, _, crashes := runTransfer(t, tc.in, runtime.Hooks{})
			if crashes != 0 {
				t.Fatalf("uncrashed run crashed %d times", crashes)
			}
			for _, phase := range []string{"BeforeStep", "AfterStep", "AfterCommit"} {
				total := 0
				runTransfer(t, tc.in, phaseHooks(phase, 0, &total))
				if total == 0 {
					t.Fatalf("%s hook never called", phase)
				}
				for k := 1; k <= total; k++ {
					t.Run(fmt.Sprintf("%s-%d", phase, k), func(t *testing.T) {
						calls := 0
						got, b, crashes := runTransfer(t, tc.in, phaseHooks(phase, k, &calls))
						if crashes != 1 {
							t.Errorf("crashes = %d, want 1", crashes)
						}
						if !reflect.DeepEqual(got, want) {
							t.Errorf("outcome after crash = %+v, want %+v", got, want)
						}
						checkRuns(t, b, phase)
					})
				}
			}
		})
	}
}

// checkRuns checks that every step key ran once, except the step that
// crashed after running (AfterStep), which ran twice.
func checkRuns(t *testing.T, b *bank, phase string) {
	t.Helper()
	runs := b.runs()
	twice := 0
	for _, k := range sortedKeys(runs) {
		switch n := runs[k]; {
		case n == 2 && phase == "AfterStep":
			twice++
		case n != 1:
			t.Errorf("step %s ran %d times, want 1", k, n)
		}
	}
	if phase == "AfterStep" && twice != 1 {
		t.Errorf("steps that ran twice after an AfterStep crash = %d, want 1", twice)
	}
}

// TestUncrashedHistory pins the checkpoints of the transfer.
func TestUncrashedHistory(t *testing.T) {
	tests := []struct {
		name string
		in   TransferRequest
		want []string
	}{
		{"small", TransferRequest{Amount: 500}, []string{"step", "step", "sleep", "step", "sleep", "step", "step", "now", "complete"}},
		{"approved", TransferRequest{Amount: 5000}, []string{"step", "step", "sleep", "step", "sleep", "step", "await", "await", "step", "now", "complete"}},
		{"declined", TransferRequest{Amount: -1}, []string{"step", "fail"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &bank{}
			wf := transferWorkflow(b)
			h := newHarness(t, runtime.WorkerOptions{}, wf)
			hd, err := runtime.Start(context.Background(), h.client, wf, "t", tc.in)
			if err != nil {
				t.Fatalf("Start() = %v, want nil", err)
			}
			h.drive(hd.ID())
			if got := h.kinds("t"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("History kinds = %v, want %v", got, tc.want)
			}
		})
	}
}

// slowClaimStore answers every claim late, as a store whose commit (or
// the network) is slow after it read its clock.
type slowClaimStore struct {
	runtime.Store
	delay time.Duration

	mu    sync.Mutex
	early []time.Duration // per sleeping checkpoint: how much earlier than asked its timer falls
}

func (s *slowClaimStore) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	insts, err := s.Store.Claim(ctx, req)
	time.Sleep(s.delay)
	return insts, err
}

func (s *slowClaimStore) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	if cp.Status == runtime.StatusSleeping {
		// The timer was armed just before this call: it must fall at
		// least its 30 minutes after now.
		early := time.Until(cp.WakeAt) - 30*time.Minute
		s.mu.Lock()
		s.early = append(s.early, -early)
		s.mu.Unlock()
	}
	return s.Store.Checkpoint(ctx, cp)
}

// TestSleepNotEarlyAfterSlowClaim: the durable clock of a run starts from
// the store's clock at the claim, which the store read before its answer
// came back; a timer armed from it must not fall earlier than asked in
// real time, however long the claim's answer took.
func TestSleepNotEarlyAfterSlowClaim(t *testing.T) {
	ctx := context.Background()
	store := &slowClaimStore{Store: memstore.New(), delay: 100 * time.Millisecond}
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet()})
	if err := w.Register(equiv.ForeverBreakWorkflow); err != nil {
		t.Fatal(err)
	}
	if _, err := runtime.Start(ctx, runtime.NewClient(store), equiv.ForeverBreakWorkflow, "sleepy", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if len(store.early) != 1 {
		t.Fatalf("%d sleeping checkpoints, want 1", len(store.early))
	}
	if early := store.early[0]; early > time.Millisecond {
		t.Errorf("the timer of Sleep(30m) falls %v early in real time, after a claim that answered %v late", early, store.delay)
	}
}
