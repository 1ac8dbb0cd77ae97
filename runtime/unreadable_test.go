package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// unreadableStore reports the claimed instance bad as unreadable, as a
// decrypting store does when it lacks the key.
type unreadableStore struct {
	runtime.Store
	bad string
}

var errNoKey = errors.New("frame of instance bad sealed with key k1, which the keyring does not hold")

func (s *unreadableStore) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	insts, err := s.Store.Claim(ctx, req)
	for _, inst := range insts {
		if inst.ID == s.bad {
			inst.Unreadable = errNoKey
		}
	}
	return insts, err
}

func TestUnreadableInstanceFailsOnlyItself(t *testing.T) {
	ctx := context.Background()
	wf := napWorkflow(0)
	store := &unreadableStore{Store: memstore.New(), bad: "bad"}
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet()})
	if err := w.Register(wf); err != nil {
		t.Fatalf("Register() = %v, want nil", err)
	}
	c := runtime.NewClient(store)
	bad := mustStart(t, c, wf, "bad", 1)
	good := mustStart(t, c, wf, "good", 1)
	before, err := store.Get(ctx, "bad")
	if err != nil {
		t.Fatalf("Get(bad) = %v, want nil", err)
	}
	mustDrain(t, w, 2)
	if out, err := good.Result(ctx); out != 2 || err != nil {
		t.Errorf("good Result() = %d, %v, want 2, nil", out, err)
	}
	if _, err := bad.Result(ctx); err == nil || !strings.Contains(err.Error(), errNoKey.Error()) {
		t.Errorf("bad Result() error = %v, want %q", err, errNoKey)
	}
	after, err := store.Get(ctx, "bad")
	if err != nil {
		t.Fatalf("Get(bad) = %v, want nil", err)
	}
	if after.Status != runtime.StatusFailed || string(after.Frame) != string(before.Frame) {
		t.Errorf("bad after the run = %s with frame %q, want failed with its frame %q kept", after.Status, after.Frame, before.Frame)
	}
}
