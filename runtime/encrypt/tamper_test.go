package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/durablegen/durable/examples/transfer/payments"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
	"github.com/durablegen/durable/runtime/memstore"
)

var transferKey = payments.TransferWorkflow.Name() + "@" + payments.TransferWorkflow.Version()

// rewrite changes stored frames behind the encrypting store's back: it
// claims every runnable instance from inner and commits each back as
// ready with the frame edit returns (given every claimed raw frame).
func rewrite(t *testing.T, inner runtime.Store, edit func(id string, frames map[string][]byte) []byte) {
	t.Helper()
	ctx := context.Background()
	insts, err := inner.Claim(ctx, runtime.ClaimRequest{Owner: "attacker", Workflows: []string{transferKey}, Limit: 10, Lease: 60e9})
	if err != nil {
		t.Fatal(err)
	}
	frames := make(map[string][]byte)
	for _, inst := range insts {
		frames[inst.ID] = inst.Frame
	}
	for _, inst := range insts {
		cp := &runtime.Checkpoint{ID: inst.ID, Epoch: inst.Epoch, Seq: inst.Seq + 1, Frame: edit(inst.ID, frames), Status: runtime.StatusReady, Event: runtime.Event{Kind: "tamper"}}
		if err := inner.Checkpoint(ctx, cp); err != nil {
			t.Fatal(err)
		}
	}
}

// sealedFrame returns frame as an encrypting store with r stores it for
// instance id.
func sealedFrame(t *testing.T, r *encrypt.Keyring, id string, frame []byte) []byte {
	t.Helper()
	ctx := context.Background()
	mem := memstore.New()
	if _, _, err := wrap(t, mem, r).Create(ctx, &runtime.Instance{ID: id, Workflow: "w", Frame: frame}); err != nil {
		t.Fatal(err)
	}
	raw, err := mem.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return raw.Frame
}

// TestTamperFailsOneInstance alters the stored frame of instance victim
// in several ways; the worker must fail victim alone with an error naming
// the field and the key, and complete bystander.
func TestTamperFailsOneInstance(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(t *testing.T, id string, frames map[string][]byte, plain []byte) []byte
		wantErr string
		is      error
	}{
		{
			name: "flipped byte",
			edit: func(t *testing.T, id string, frames map[string][]byte, _ []byte) []byte {
				f := bytes.Clone(frames[id])
				f[len(f)/2] ^= 0x01
				return f
			},
			wantErr: "frame of instance victim sealed with key k1 fails authentication: it was altered, or sealed for another instance or field",
			is:      encrypt.ErrAuthentication,
		},
		{
			name: "frame of another instance",
			edit: func(t *testing.T, id string, frames map[string][]byte, _ []byte) []byte {
				return frames["bystander"]
			},
			wantErr: "frame of instance victim sealed with key k1 fails authentication",
			is:      encrypt.ErrAuthentication,
		},
		{
			name: "unknown key",
			edit: func(t *testing.T, id string, frames map[string][]byte, plain []byte) []byte {
				return sealedFrame(t, ring(t, newKey(t, "k0")), id, plain)
			},
			wantErr: "frame of instance victim sealed with key k0, which the keyring does not hold; add it to the keyring",
			is:      encrypt.ErrUnknownKey,
		},
		{
			name: "plaintext",
			edit: func(t *testing.T, id string, frames map[string][]byte, plain []byte) []byte {
				return plain
			},
			wantErr: "frame of instance victim cannot be opened: not a sealed value: no sealed header",
			is:      encrypt.ErrNotSealed,
		},
		{
			name: "truncated",
			edit: func(t *testing.T, id string, frames map[string][]byte, _ []byte) []byte {
				return frames[id][:20]
			},
			wantErr: "frame of instance victim cannot be opened: not a sealed value: truncated",
			is:      encrypt.ErrNotSealed,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			inner := memstore.New()
			store := wrap(t, inner, testRing(t))
			w, c := transferWorker(t, store)
			bank := payments.Bank{Path: filepath.Join(t.TempDir(), "bank.db")}
			for _, id := range []string{"bystander", "victim"} {
				if _, err := runtime.Start(ctx, c, payments.TransferWorkflow, id, payments.TransferRequest{From: "a", To: "b", Amount: 100, Bank: bank}); err != nil {
					t.Fatal(err)
				}
			}
			plain, err := store.Get(ctx, "victim")
			if err != nil {
				t.Fatal(err)
			}
			var tampered []byte
			rewrite(t, inner, func(id string, frames map[string][]byte) []byte {
				if id != "victim" {
					return frames[id]
				}
				tampered = tc.edit(t, id, frames, plain.Frame)
				return tampered
			})

			if n, err := w.Drain(ctx); n != 2 || err != nil {
				t.Fatalf("Drain() = %d, %v, want 2 runs and no error", n, err)
			}
			if r, err := runtime.Attach[payments.Receipt](c, "bystander").Result(ctx); err != nil || r.CreditID == "" {
				t.Errorf("bystander Result() = %+v, %v, want a completed transfer", r, err)
			}
			_, err = runtime.Attach[payments.Receipt](c, "victim").Result(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, tc.is) {
				t.Errorf("victim Result() error = %v, want %q matching %v", err, tc.wantErr, tc.is)
			}
			// The failed instance keeps its unreadable frame as it was.
			raw, err := inner.Get(ctx, "victim")
			if err != nil || raw.Status != runtime.StatusFailed || !bytes.Equal(raw.Frame, tampered) {
				t.Fatalf("stored victim = %v, %v, want failed with the frame %x kept", raw, err, tampered)
			}
		})
	}
}

// TestTamperedSignalFailsOneInstance delivers to victim the sealed payload
// of a signal sent to bystander: victim fails with an error naming the
// signal, bystander completes.
func TestTamperedSignalFailsOneInstance(t *testing.T) {
	ctx := context.Background()
	rec := &signalRecorder{Store: memstore.New()}
	store := wrap(t, rec, testRing(t))
	w, c := transferWorker(t, store)
	bank := payments.Bank{Path: filepath.Join(t.TempDir(), "bank.db")}
	for _, id := range []string{"bystander", "victim"} {
		if _, err := runtime.Start(ctx, c, payments.TransferWorkflow, id, payments.TransferRequest{From: "a", To: "b", Amount: 2_000_000, Bank: bank}); err != nil {
			t.Fatal(err)
		}
	}
	drainAll(t, w, 2) // both wait for approval
	if err := c.Signal(ctx, "bystander", "approval", payments.Approval{Approved: true, By: "ann"}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Store.Signal(ctx, "victim", "approval", rec.last); err != nil {
		t.Fatal(err)
	}
	drainAll(t, w, 2)
	if r, err := runtime.Attach[payments.Receipt](c, "bystander").Result(ctx); err != nil || r.ApprovedBy != "ann" {
		t.Errorf("bystander Result() = %+v, %v, want approved by ann", r, err)
	}
	want := `signal "approval" of instance victim sealed with key k1 fails authentication`
	if _, err := runtime.Attach[payments.Receipt](c, "victim").Result(ctx); err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, encrypt.ErrAuthentication) {
		t.Errorf("victim Result() error = %v, want %q matching ErrAuthentication", err, want)
	}
}

// signalRecorder keeps the last payload signalled through it.
type signalRecorder struct {
	runtime.Store
	last []byte
}

func (s *signalRecorder) Signal(ctx context.Context, id, name string, payload []byte) error {
	s.last = bytes.Clone(payload)
	return s.Store.Signal(ctx, id, name, payload)
}

// transferWorker returns a worker and a client of store for transfers;
// the errors of this package keep matching with errors.Is in results.
func transferWorker(t *testing.T, store runtime.Store) (*runtime.Worker, *runtime.Client) {
	t.Helper()
	known := []error{encrypt.ErrUnknownKey, encrypt.ErrAuthentication, encrypt.ErrNotSealed}
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet(), Errors: known})
	if err := w.Register(payments.TransferWorkflow); err != nil {
		t.Fatal(err)
	}
	return w, runtime.NewClient(store, runtime.WithErrors(known...))
}

// TestRetryOnceKeyIsBack: an instance sealed with a key missing from the
// keyring fails; once the key is added back, Client.Retry resumes it from
// its stored frame and it completes.
func TestRetryOnceKeyIsBack(t *testing.T) {
	ctx := context.Background()
	inner := memstore.New()
	k0, k1 := newKey(t, "k0"), newKey(t, "k1")
	bank := payments.Bank{Path: filepath.Join(t.TempDir(), "bank.db")}
	old := wrap(t, inner, ring(t, k0))
	if _, err := runtime.Start(ctx, runtime.NewClient(old), payments.TransferWorkflow, "tx", payments.TransferRequest{From: "a", To: "b", Amount: 100, Bank: bank}); err != nil {
		t.Fatal(err)
	}
	stored, err := inner.Get(ctx, "tx")
	if err != nil {
		t.Fatal(err)
	}

	forgot := wrap(t, inner, ring(t, k1)) // k0 left out by mistake
	w, c := transferWorker(t, forgot)
	drainAll(t, w, 1)
	want := "frame of instance tx sealed with key k0, which the keyring does not hold; add it to the keyring"
	if _, err := runtime.Attach[payments.Receipt](c, "tx").Result(ctx); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Result() = %v, want %q", err, want)
	}
	if err := c.Retry(ctx, "tx", runtime.RetryOptions{}); !errors.Is(err, encrypt.ErrUnknownKey) {
		t.Errorf("Retry() without k0 = %v, want %v", err, encrypt.ErrUnknownKey)
	}
	raw, err := inner.Get(ctx, "tx")
	if err != nil || raw.Status != runtime.StatusFailed || !bytes.Equal(raw.Frame, stored.Frame) {
		t.Fatalf("failed instance = %v, %v, want failed with its frame as stored", raw, err)
	}

	fixed := wrap(t, inner, ring(t, k1, k0))
	w, c = transferWorker(t, fixed)
	if err := c.Retry(ctx, "tx", runtime.RetryOptions{Reason: "k0 restored"}); err != nil {
		t.Fatalf("Retry() with k0 back = %v", err)
	}
	drainAll(t, w, 1)
	if r, err := runtime.Attach[payments.Receipt](c, "tx").Result(ctx); err != nil || r.CreditID == "" {
		t.Errorf("Result() after Retry = %+v, %v, want a completed transfer", r, err)
	}
	evs, err := c.History(ctx, "tx")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
		if ev.Kind == "resume" && ev.Error != "k0 restored" {
			t.Errorf("resume event error = %q, want the retry reason", ev.Error)
		}
	}
	if got := strings.Join(kinds, " "); !strings.HasPrefix(got, "fail resume ") || !strings.HasSuffix(got, " complete") {
		t.Errorf("history = %s, want fail, resume, ..., complete", got)
	}
}
