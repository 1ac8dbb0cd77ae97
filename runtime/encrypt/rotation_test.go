package encrypt_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/durablegen/durable/examples/transfer/payments"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
)

// keyOf returns the ID of the key that sealed b, failing the test if b is
// not sealed.
func keyOf(t *testing.T, what string, b []byte) string {
	t.Helper()
	id, err := encrypt.KeyID(b)
	if err != nil {
		t.Fatalf("KeyID(%s) = %v", what, err)
	}
	return id
}

// TestRotation starts a transfer under key kA, which waits for approval;
// the keyring is rotated to primary kB with kA kept; the instance
// resumes, its next checkpoint is sealed with kB, and its old history
// stays under kA.
func TestRotation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	inner := openSQLite(t)
	kA, kB := newKey(t, "kA"), newKey(t, "kB")
	bank := payments.Bank{Path: filepath.Join(dir, "bank.db")}

	before := wrap(t, inner, ring(t, kA))
	w := runtime.NewWorker(before, runtime.WorkerOptions{Logger: quiet()})
	if err := w.Register(payments.TransferWorkflow); err != nil {
		t.Fatal(err)
	}
	if _, err := runtime.Start(ctx, runtime.NewClient(before), payments.TransferWorkflow, "tx", payments.TransferRequest{From: "a", To: "b", Amount: 2_000_000, Bank: bank}); err != nil {
		t.Fatal(err)
	}
	drainAll(t, w, 1)
	raw, err := inner.Get(ctx, "tx")
	if err != nil {
		t.Fatal(err)
	}
	if raw.Status != runtime.StatusWaiting || keyOf(t, "frame", raw.Frame) != "kA" {
		t.Fatalf("before rotation: %s, frame sealed with %s, want waiting under kA", raw.Status, keyOf(t, "frame", raw.Frame))
	}
	rotatedAt := raw.Seq

	after := wrap(t, inner, ring(t, kB, kA))
	var next []string // key of the stored frame after each commit following the rotation
	w = runtime.NewWorker(after, runtime.WorkerOptions{Logger: quiet(), Hooks: runtime.Hooks{
		AfterCommit: func(id string, seq int64, _ *runtime.Site) error {
			got, err := inner.Get(ctx, id)
			if err != nil {
				return err
			}
			next = append(next, keyOf(t, "frame", got.Frame))
			return nil
		},
	}})
	if err := w.Register(payments.TransferWorkflow); err != nil {
		t.Fatal(err)
	}
	c := runtime.NewClient(after)
	if err := c.Signal(ctx, "tx", "approval", payments.Approval{Approved: true, By: "ann"}); err != nil {
		t.Fatal(err)
	}
	drainAll(t, w, 1)
	r, err := runtime.Attach[payments.Receipt](c, "tx").Result(ctx)
	if err != nil || r.ApprovedBy != "ann" {
		t.Fatalf("Result() after rotation = %+v, %v, want approved by ann", r, err)
	}
	if len(next) == 0 || next[0] != "kB" {
		t.Errorf("frames committed after the rotation sealed with %v, want kB first", next)
	}
	raw, err = inner.Get(ctx, "tx")
	if err != nil {
		t.Fatal(err)
	}
	if k := keyOf(t, "output", raw.Output); k != "kB" {
		t.Errorf("output sealed with %s, want kB", k)
	}
	evs, err := inner.History(ctx, "tx")
	if err != nil {
		t.Fatal(err)
	}
	sealedWith := map[string]int{}
	for _, ev := range evs {
		if len(ev.Detail) == 0 {
			continue
		}
		want := "kA"
		if ev.Seq > rotatedAt {
			want = "kB"
		}
		k := keyOf(t, "detail", ev.Detail)
		if k != want {
			t.Errorf("event %d (%s) detail sealed with %s, want %s", ev.Seq, ev.Kind, k, want)
		}
		sealedWith[k]++
	}
	if sealedWith["kA"] == 0 || sealedWith["kB"] == 0 {
		t.Errorf("event details sealed with %v, want some under each key", sealedWith)
	}
	if _, err := c.History(ctx, "tx"); err != nil {
		t.Errorf("History() with both keys = %v, want nil", err)
	}

	// Without kA the history written before the rotation no longer opens.
	onlyB := wrap(t, inner, ring(t, kB))
	_, err = onlyB.History(ctx, "tx")
	var oe *encrypt.OpenError
	if !errors.As(err, &oe) || oe.KeyID != "kA" || !errors.Is(err, encrypt.ErrUnknownKey) || !strings.Contains(err.Error(), "sealed with key kA, which the keyring does not hold; add it to the keyring") {
		t.Errorf("History() without kA = %v, want an OpenError naming kA", err)
	}
}
