package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/durablegen/durable/examples/transfer/payments"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// TestMain makes the test binary the worker child when the demo re-executes
// it, as the program re-executes itself.
func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of a
// parent and the copier of its child's stderr.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var instanceRE = regexp.MustCompile(`instance (transfer-\w+)`)

func TestDemo(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		approvedBy string
		duplicates int  // bank calls de-duplicated: the step the kill interrupted
		rejected   bool // the approval is refused: the compensation refunds
	}{
		{name: "crash", duplicates: 1},
		{name: "crash with approval", args: []string{"-amount", "1500000"}, approvedBy: "carol", duplicates: 1},
		{name: "crash and rejection", args: []string{"-amount", "1500000", "-reject"}, duplicates: 1, rejected: true},
		{name: "no crash", args: []string{"-crash=false"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := filepath.Join(t.TempDir(), "durable.db")
			args := append([]string{"-db", db, "-poll", "50ms", "-lease", "500ms"}, tc.args...)
			var out, errOut lockedBuffer
			code := run(args, &out, &errOut)
			defer func() {
				if t.Failed() {
					t.Logf("output:\n%s\nstderr:\n%s", out.String(), errOut.String())
				}
			}()
			if code != 0 {
				t.Fatalf("run(%q) = %d, want 0", args, code)
			}
			if n := strings.Count(out.String(), "  PASS  "); n != 5 || strings.Contains(out.String(), "FAIL") {
				t.Errorf("run(%q) printed %d PASS lines and FAIL %v, want 5 and false", args, n, strings.Contains(out.String(), "FAIL"))
			}
			m := instanceRE.FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("run(%q) printed no instance ID", args)
			}
			if tc.rejected {
				verifyRefund(t, db, m[1])
				return
			}
			verify(t, db, m[1], tc.approvedBy, tc.duplicates)
		})
	}
}

// verify checks the outcome of a demo from its databases, independently
// of the demo's own checks.
func verify(t *testing.T, db, id, approvedBy string, duplicates int) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	inst, err := store.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if inst.Status != runtime.StatusCompleted {
		t.Fatalf("Get(%s).Status = %s, want %s (error %q)", id, inst.Status, runtime.StatusCompleted, inst.Error)
	}
	var receipt payments.Receipt
	if err := json.Unmarshal(inst.Output, &receipt); err != nil {
		t.Fatal(err)
	}
	if receipt.ApprovedBy != approvedBy || receipt.Polls != payments.SettleAfter {
		t.Errorf("receipt = %+v, want ApprovedBy %q and Polls %d", receipt, approvedBy, payments.SettleAfter)
	}
	bank := payments.Bank{Path: strings.TrimSuffix(db, ".db") + "-bank.db"}
	calls, err := bank.Calls(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range calls {
		got[c.Op+" "+c.Outcome]++
	}
	want := map[string]int{"charge applied": 1, "poll applied": payments.SettleAfter, "credit applied": 1}
	if duplicates > 0 {
		want["poll duplicate"] = duplicates
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("bank calls by op and outcome = %v, want %v", got, want)
	}
}

// verifyRefund checks, from the databases, that a rejected transfer
// failed and that its charge was refunded once and nothing credited.
func verifyRefund(t *testing.T, db, id string) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	inst, err := store.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if inst.Status != runtime.StatusFailed || !strings.Contains(inst.Error, "rejected by carol") {
		t.Fatalf("Get(%s) = %s %q, want failed: rejected by carol", id, inst.Status, inst.Error)
	}
	calls, err := payments.Bank{Path: strings.TrimSuffix(db, ".db") + "-bank.db"}.Calls(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range calls {
		if c.Outcome == "applied" {
			got[c.Op]++
		}
	}
	if got["charge"] != 1 || got["refund"] != 1 || got["credit"] != 0 {
		t.Errorf("applied bank calls = %v, want one charge, one refund, no credit", got)
	}
}

func TestChecks(t *testing.T) {
	const id = "t"
	// A run killed after step 4 ran but before it committed.
	history := []runtime.Event{
		{Seq: 1, Kind: "step", Name: "Charge"},
		{Seq: 2, Kind: "step", Name: "PollStatus"},
		{Seq: 3, Kind: "sleep"},
		{Seq: 4, Kind: "step", Name: "PollStatus"},
		{Seq: 5, Kind: "step", Name: "Credit"},
		{Seq: 6, Kind: "complete"},
	}
	calls := []payments.Call{
		{N: 1, StepKey: "t/1", Op: "charge", Outcome: "applied"},
		{N: 2, StepKey: "t/2", Op: "poll", Outcome: "applied"},
		{N: 3, StepKey: "t/4", Op: "poll", Outcome: "applied"},
		{N: 4, StepKey: "t/4", Op: "poll", Outcome: "duplicate"},
		{N: 5, StepKey: "t/5", Op: "credit", Outcome: "applied"},
	}
	with := func(cs ...payments.Call) []payments.Call {
		return append(append([]payments.Call(nil), calls...), cs...)
	}
	tests := []struct {
		name     string
		history  []runtime.Event
		calls    []payments.Call
		killedAt int64
		failed   []int // indexes of the checks that must fail
	}{
		{name: "good", history: history, calls: calls, killedAt: 3},
		{name: "gap in history", history: append(append([]runtime.Event(nil), history[:2]...), history[3:]...), calls: calls, killedAt: 3, failed: []int{0}},
		{name: "not completed", history: history[:5], calls: calls, killedAt: 3, failed: []int{0}},
		{name: "committed step ran again", history: history, calls: with(payments.Call{N: 6, StepKey: "t/2", Op: "poll", Outcome: "duplicate"}), killedAt: 3, failed: []int{1}},
		{name: "charge applied twice", history: history, calls: with(payments.Call{N: 6, StepKey: "t/1", Op: "charge", Outcome: "applied"}), killedAt: 3, failed: []int{1, 2}},
		{name: "call without a committed step", history: history, calls: with(payments.Call{N: 6, StepKey: "t/7", Op: "credit", Outcome: "applied"}), killedAt: 3, failed: []int{1, 3}},
		{name: "killed step not retried", history: history, calls: append(append([]payments.Call(nil), calls[:3]...), calls[4:]...), killedAt: 3, failed: []int{4}},
		{name: "retry without a crash", history: history, calls: calls, killedAt: -1, failed: []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runChecks(evidence{id: id, history: tc.history, calls: tc.calls, killedAt: tc.killedAt})
			var failed []int
			for i, c := range got {
				if !c.ok {
					failed = append(failed, i)
				}
			}
			if fmt.Sprint(failed) != fmt.Sprint(tc.failed) {
				t.Errorf("runChecks(%s) failed checks %v, want %v: %+v", tc.name, failed, tc.failed, got)
			}
		})
	}
}
