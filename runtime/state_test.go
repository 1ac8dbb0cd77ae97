package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/durablegen/durable/internal/equiv"
	"github.com/durablegen/durable/runtime"
)

// TestStateSleeping reads the variables of a generated workflow while it
// sleeps between two polls, and again after it completes.
func TestStateSleeping(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, runtime.WorkerOptions{}, equiv.ForeverBreakWorkflow)
	hd := mustStart(t, h.client, equiv.ForeverBreakWorkflow, "poll", 1)
	mustDrain(t, h.worker, 1)
	st, err := hd.State(ctx)
	if err != nil {
		t.Fatalf("State() = %v, want nil", err)
	}
	if st.ID != "poll" || st.Status != runtime.StatusSleeping || st.Workflow != equiv.ForeverBreakWorkflow.Name() ||
		st.Version != equiv.ForeverBreakWorkflow.Version() || st.Seq != 2 || st.PC == 0 {
		t.Errorf("State() = %+v, want sleeping poll of ForeverBreak at seq 2 and a program counter", st)
	}
	if got, want := st.Names(), []string{"count", "err", "err1", "polls", "settled"}; !slices.Equal(got, want) {
		t.Errorf("State().Names() = %v, want %v", got, want)
	}
	var count, polls int
	var settled bool
	var stepErr error = errors.New("not read")
	for name, v := range map[string]any{"count": &count, "polls": &polls, "settled": &settled, "err": &stepErr} {
		if err := st.Var(name, v); err != nil {
			t.Errorf("Var(%s) = %v, want nil", name, err)
		}
	}
	if count != 1 || polls != 1 || settled || stepErr != nil {
		t.Errorf("Var() = count %d polls %d settled %v err %v, want 1 1 false nil", count, polls, settled, stepErr)
	}

	h.clock.Advance(31 * time.Minute)
	mustDrain(t, h.worker, 1)
	if out, err := hd.Result(ctx); out != 2 || err != nil {
		t.Fatalf("Result() = %d, %v, want 2, nil", out, err)
	}
	st, err = h.client.State(ctx, "poll")
	if err != nil {
		t.Fatalf("State() after completion = %v, want nil", err)
	}
	if err := st.Var("count", &count); err != nil || count != 2 || st.Status != runtime.StatusCompleted {
		t.Errorf("State() after completion = %s, count %d (%v), want completed, 2", st.Status, count, err)
	}
}

// TestStateWaiting reads a generated workflow waiting for a signal.
func TestStateWaiting(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, runtime.WorkerOptions{}, equiv.ApprovalWorkflow)
	hd := mustStart(t, h.client, equiv.ApprovalWorkflow, "big", int64(20_000_00))
	mustDrain(t, h.worker, 1)
	st, err := hd.State(ctx)
	if err != nil {
		t.Fatalf("State() = %v, want nil", err)
	}
	var cents int64
	var a equiv.Decision
	if err := st.Var("cents", &cents); err != nil || cents != 20_000_00 {
		t.Errorf("Var(cents) = %d, %v, want 2000000, nil", cents, err)
	}
	if err := st.Var("a", &a); err != nil || a != (equiv.Decision{}) {
		t.Errorf("Var(a) = %+v, %v, want the zero Decision before the signal", a, err)
	}
	if st.Status != runtime.StatusWaiting {
		t.Errorf("State().Status = %s, want waiting", st.Status)
	}
	if err := st.Var("nope", &a); !errors.Is(err, runtime.ErrNoVariable) {
		t.Errorf("Var(nope) = %v, want %v", err, runtime.ErrNoVariable)
	}
	if err := st.Var("cents", &a); err == nil {
		t.Errorf("Var(cents) into a Decision = nil error, want one")
	}
	if err := h.client.Signal(ctx, "big", "approval", equiv.Decision{By: "ann", OK: true}); err != nil {
		t.Fatal(err)
	}
	mustDrain(t, h.worker, 1)
	if out, err := hd.Result(ctx); out != "approved by ann" || err != nil {
		t.Fatalf("Result() = %q, %v, want approved by ann", out, err)
	}
	st, err = hd.State(ctx)
	if err != nil || st.Var("a", &a) != nil || a != (equiv.Decision{By: "ann", OK: true}) {
		t.Errorf("State() after the signal: a = %+v (%v), want the signal's Decision", a, err)
	}
}

func TestStateOf(t *testing.T) {
	errOdd := errors.New("odd number")
	tests := []struct {
		name    string
		frame   string
		wantPC  int
		names   []string
		wantErr bool
	}{
		{"empty frame", "", 0, []string{}, false},
		{"engine fields hidden", `{"pc":7,"x":1,"$stepseq":3}`, 7, []string{"x"}, false},
		{"nested values", `{"pc":1,"in":{"From":"a","To":"b"},"xs":[1,2]}`, 1, []string{"in", "xs"}, false},
		{"not an object", `[1,2]`, 0, nil, true},
		{"truncated", `{"pc":1,"x":`, 0, nil, true},
		{"bad pc", `{"pc":"seven"}`, 0, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := runtime.StateOf(&runtime.Instance{ID: "i", Frame: []byte(tc.frame)})
			if tc.wantErr {
				if err == nil {
					t.Fatalf("StateOf(%s) = %+v, want an error", tc.frame, st)
				}
				return
			}
			if err != nil || st.PC != tc.wantPC || !slices.Equal(st.Names(), tc.names) {
				t.Fatalf("StateOf(%s) = %+v, %v, want pc %d and %v", tc.frame, st, err, tc.wantPC, tc.names)
			}
		})
	}
	st, err := runtime.StateOf(&runtime.Instance{ID: "i", Frame: []byte(`{"pc":2,"err":{"m":"check 3: odd number","is":["odd number"]},"raw":{"k":[1]}}`)}, errOdd)
	if err != nil {
		t.Fatal(err)
	}
	var got error
	if err := st.Var("err", &got); err != nil || !errors.Is(got, errOdd) || got.Error() != "check 3: odd number" {
		t.Errorf("Var(err) = %v (%v), want an error matching the known sentinel", got, err)
	}
	var raw json.RawMessage
	if err := st.Var("raw", &raw); err != nil || string(raw) != `{"k":[1]}` {
		t.Errorf("Var(raw) = %s, %v, want the JSON as stored", raw, err)
	}
	if _, err := runtime.StateOf(&runtime.Instance{ID: "i", Unreadable: errors.New("sealed with key k1")}); err == nil {
		t.Errorf("StateOf(unreadable) = nil error, want the store's")
	}
}

func TestStateMissing(t *testing.T) {
	h := newHarness(t, runtime.WorkerOptions{}, equiv.ApprovalWorkflow)
	if _, err := h.client.State(context.Background(), "missing"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("State(missing) = %v, want %v", err, runtime.ErrNotFound)
	}
}
