package payments

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// TestTransfer runs the workflow through the engine on an in-memory store,
// with the approval signal sent, withheld or refused.
func TestTransfer(t *testing.T) {
	tests := []struct {
		name     string
		amount   int64
		approval *Approval // nil: no signal is sent
		wantErr  string
		wantOps  string // applied bank operations, in order
	}{
		{name: "small", amount: 250_00, wantOps: "charge poll poll poll credit"},
		{name: "approved", amount: 15_000_00, approval: &Approval{Approved: true, By: "carol"}, wantOps: "charge poll poll poll credit"},
		{name: "rejected", amount: 15_000_00, approval: &Approval{By: "dave"}, wantErr: "transfer of $15,000.00 rejected by dave", wantOps: "charge poll poll poll refund"},
		{name: "at the threshold", amount: ApprovalThreshold, wantOps: "charge poll poll poll credit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			bank := Bank{Path: filepath.Join(t.TempDir(), "bank.db")}
			store := memstore.New()
			w := runtime.NewWorker(store, runtime.WorkerOptions{})
			if err := w.Register(TransferWorkflow); err != nil {
				t.Fatal(err)
			}
			c := runtime.NewClient(store)
			h, err := runtime.Start(ctx, c, TransferWorkflow, "tx", TransferRequest{From: "a", To: "b", Amount: tc.amount, Bank: bank})
			if err != nil {
				t.Fatal(err)
			}
			drain(t, w)
			if tc.approval != nil {
				if err := c.Signal(ctx, "tx", "approval", *tc.approval); err != nil {
					t.Fatal(err)
				}
				drain(t, w)
			}
			inst, err := c.Get(ctx, "tx")
			if err != nil {
				t.Fatal(err)
			}
			if !inst.Status.Terminal() {
				t.Fatalf("instance status after the runs = %s, want terminal", inst.Status)
			}
			receipt, err := h.Result(ctx)
			if got := fmt.Sprint(err); (tc.wantErr == "" && err != nil) || !strings.Contains(got, tc.wantErr) {
				t.Errorf("Result() error = %v, want %q", err, tc.wantErr)
			}
			if err == nil && (receipt.Polls != SettleAfter || receipt.Amount != tc.amount || receipt.CreditID == "") {
				t.Errorf("Result() = %+v, want %d polls of %d cents and a credit", receipt, SettleAfter, tc.amount)
			}
			if got := appliedOps(t, bank, "tx"); got != tc.wantOps {
				t.Errorf("applied bank operations = %q, want %q", got, tc.wantOps)
			}
		})
	}
}

// TestTransferDirect calls the workflow function directly: no store, steps
// inline, the real clock.
func TestTransferDirect(t *testing.T) {
	bank := Bank{Path: filepath.Join(t.TempDir(), "bank.db")}
	got, err := Transfer(durable.Background(), TransferRequest{From: "a", To: "b", Amount: 100, Bank: bank})
	if err != nil {
		t.Fatalf("Transfer() error = %v", err)
	}
	if got.Polls != SettleAfter || got.ChargeID == "" || got.CreditID == "" {
		t.Errorf("Transfer() = %+v, want %d polls, a charge and a credit", got, SettleAfter)
	}
}

func TestBankUnknownCharge(t *testing.T) {
	bank := Bank{Path: filepath.Join(t.TempDir(), "bank.db")}
	ctx := durable.WithStep(context.Background(), durable.StepInfo{InstanceID: "x", Seq: 1})
	if _, err := bank.PollStatus(ctx, "ch_none"); !errors.Is(err, errUnknownCharge) {
		t.Errorf("PollStatus(ch_none) error = %v, want %v", err, errUnknownCharge)
	}
	if err := bank.Refund(ctx, "ch_none"); !errors.Is(err, errUnknownCharge) {
		t.Errorf("Refund(ch_none) error = %v, want %v", err, errUnknownCharge)
	}
}

func drain(t *testing.T, w *runtime.Worker) {
	t.Helper()
	if _, err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// appliedOps returns the operations the bank applied for instance id.
func appliedOps(t *testing.T, bank Bank, id string) string {
	t.Helper()
	calls, err := bank.Calls(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, c := range calls {
		if c.Outcome == "applied" {
			ops = append(ops, c.Op)
		}
	}
	return strings.Join(ops, " ")
}
