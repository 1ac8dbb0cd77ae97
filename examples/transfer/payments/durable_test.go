package payments

import (
	"os"
	"path/filepath"
	"testing"
	"time"

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
			reset := durabletest.WithReset(func() {
				for _, suffix := range []string{"", "-wal", "-shm"} {
					os.Remove(bank.Path + suffix)
				}
			})
			in := TransferRequest{From: "alice", To: "bob", Amount: tc.amount, PollEvery: 30 * time.Minute, Bank: bank}
			r := durabletest.Run(t, TransferWorkflow, in, append(tc.opts, reset)...)
			t.Logf("%d checkpoints, %d crash runs", r.Checkpoints, r.CrashRuns)
		})
	}
}
