package payments

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/durabletest"
)

// TestTransferCrashMatrix runs Transfer directly and through its machine,
// crashing at every checkpoint before the step, after the step and after
// the commit: every resumed run ends like the direct call, and no step
// whose checkpoint committed runs again. The 30-minute polls take no time
// on the fake clock.
func TestTransferCrashMatrix(t *testing.T) {
	tests := []struct {
		name   string
		amount int64
		opts   []durabletest.Option
	}{
		{"small", 250_00, nil},
		{"approved", 15_000_00, []durabletest.Option{durabletest.WithSignal("approval", Approval{Approved: true, By: "carol"})}},
		{"rejected", 15_000_00, []durabletest.Option{durabletest.WithSignal("approval", Approval{By: "dave"})}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bank := Bank{Path: filepath.Join(t.TempDir(), "bank.db")}
			files := []string{bank.Path, bank.Path + "-wal", bank.Path + "-shm"}
			reset := durabletest.WithReset(func() {
				for _, f := range files {
					os.Remove(f)
				}
			})
			// Crashed runs resume from snapshots of the uncrashed run:
			// the bank's files are saved with them.
			snapshot := durabletest.WithSnapshot(func() func() {
				saved := map[string][]byte{}
				for _, f := range files {
					if b, err := os.ReadFile(f); err == nil {
						saved[f] = b
					}
				}
				return func() {
					for _, f := range files {
						os.Remove(f)
						if b, ok := saved[f]; ok {
							if err := os.WriteFile(f, b, 0o600); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
			})
			in := TransferRequest{From: "alice", To: "bob", Amount: tc.amount, PollEvery: 30 * time.Minute, Bank: bank}
			r := durabletest.Run(t, TransferWorkflow, in, append(tc.opts, reset, snapshot)...)
			t.Logf("%d checkpoints, %d crash runs", r.Checkpoints, r.CrashRuns)
		})
	}
}

// TestTransferStubbedBank replaces the bank's steps with fakes: no bank
// file is touched, the charge settles on the third poll, and a frozen
// destination account makes the credit fail for good, which refunds the
// charge. Every crash still resumes to the same receipt (or error) as the
// uncrashed run.
func TestTransferStubbedBank(t *testing.T) {
	var (
		bank  durabletest.Log
		polls map[string]bool // step keys of the polls seen
	)
	fakes := []durabletest.Option{
		durabletest.WithLog(&bank),
		durabletest.WithReset(func() { polls = map[string]bool{} }),
		durabletest.WithSnapshot(func() func() {
			saved := maps.Clone(polls)
			return func() { polls = maps.Clone(saved) }
		}),
		durabletest.Stub(Bank{}.Charge, func(ctx context.Context, acct string, cents int64, key string) (Charge, error) {
			bank.Add(ctx, fmt.Sprintf("charge %s %d", acct, cents))
			return Charge{ID: "ch-" + key}, nil
		}),
		durabletest.Stub(Bank{}.PollStatus, func(ctx context.Context, chargeID string) (ChargeStatus, error) {
			// Keyed by step so that a poll re-run after a crash counts once,
			// as a real bank's answer would not change either.
			polls[durable.StepKey(ctx)] = true
			return ChargeStatus{Settled: len(polls) >= 3}, nil
		}),
		durabletest.Stub(Bank{}.Refund, func(ctx context.Context, chargeID string) error {
			bank.Add(ctx, "refund "+chargeID)
			return nil
		}),
		durabletest.Stub(Bank{}.Credit, func(ctx context.Context, acct string, cents int64) (CreditNote, error) {
			if acct == "frozen" {
				return CreditNote{}, durable.Permanent(errors.New("account frozen"))
			}
			bank.Add(ctx, fmt.Sprintf("credit %s %d", acct, cents))
			return CreditNote{ID: "cr-" + durable.StepKey(ctx)}, nil
		}),
	}

	t.Run("settles on the third poll", func(t *testing.T) {
		in := TransferRequest{From: "alice", To: "bob", Amount: 250_00, PollEvery: 30 * time.Minute}
		r := durabletest.Run(t, TransferWorkflow, in, fakes...)
		if r.Err != nil {
			t.Fatalf("transfer failed: %v", r.Err)
		}
		got := r.Result.(Receipt)
		if got.Polls != 3 || got.Amount != 250_00 || !strings.HasPrefix(got.ChargeID, "ch-") || !strings.HasPrefix(got.CreditID, "cr-") {
			t.Errorf("receipt = %+v, want 3 polls, the fake charge and credit", got)
		}
		if want := []string{"charge alice 25000", "credit bob 25000"}; !slices.Equal(bank.Effects(durabletest.InstanceID), want) {
			t.Errorf("bank effects = %q, want %q", bank.Effects(durabletest.InstanceID), want)
		}
		t.Logf("%d checkpoints, %d crash runs", r.Checkpoints, r.CrashRuns)
	})
	t.Run("frozen account", func(t *testing.T) {
		in := TransferRequest{From: "alice", To: "frozen", Amount: 250_00, PollEvery: 30 * time.Minute}
		r := durabletest.Run(t, TransferWorkflow, in, fakes...)
		if r.Err == nil || r.Err.Error() != "credit frozen: account frozen" {
			t.Fatalf("error = %v, want the credit to fail with the account frozen", r.Err)
		}
		// The compensation refunded the charge.
		effects := bank.Effects(durabletest.InstanceID)
		if len(effects) != 2 || effects[0] != "charge alice 25000" || !strings.HasPrefix(effects[1], "refund ch-") {
			t.Errorf("bank effects = %q, want the charge, then its refund", effects)
		}
	})
}
