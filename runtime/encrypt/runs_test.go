package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// TestRunsSealed: the input a run continued with is stored sealed, bound
// to its instance, and read back in the clear; an inner store that keeps
// no runs refuses a continuation instead of dropping it.
func TestRunsSealed(t *testing.T) {
	ctx := context.Background()
	inner := memstore.New()
	s := wrap(t, inner, testRing(t))
	if _, _, err := s.Create(ctx, &runtime.Instance{ID: "a", Workflow: "w", Version: "v", Frame: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	claimed, err := s.Claim(ctx, runtime.ClaimRequest{Owner: "o", Workflows: []string{"w@v"}, Limit: 1, Lease: time.Minute})
	if err != nil || len(claimed) != 1 {
		t.Fatalf("Claim() = %v, %v", claimed, err)
	}
	secret := []byte(`{"card":"4111-secret"}`)
	cp := &runtime.Checkpoint{ID: "a", Epoch: claimed[0].Epoch, Seq: 1, Frame: []byte("{}"), Status: runtime.StatusReady,
		Continue: &runtime.Continuation{Input: secret}, Event: runtime.Event{Kind: "continue", Detail: secret}}
	if err := s.Checkpoint(ctx, cp); err != nil {
		t.Fatal(err)
	}
	stored, err := inner.Runs(ctx, "a")
	if err != nil || len(stored) != 1 {
		t.Fatalf("inner Runs() = %v, %v", stored, err)
	}
	if bytes.Contains(stored[0].Output, []byte("secret")) || !bytes.HasPrefix(stored[0].Output, []byte("\xde\x01")) {
		t.Errorf("stored run output = %q, want it sealed", stored[0].Output)
	}
	runs, err := s.Runs(ctx, "a")
	if err != nil || len(runs) != 1 || !bytes.Equal(runs[0].Output, secret) {
		t.Errorf("Runs() = %v, %v; want the output in the clear", runs, err)
	}

	plain := wrap(t, onlyStore{memstore.New()}, testRing(t))
	if _, _, err := plain.Create(ctx, &runtime.Instance{ID: "b", Workflow: "w", Version: "v", Frame: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	claimed, _ = plain.Claim(ctx, runtime.ClaimRequest{Owner: "o", Workflows: []string{"w@v"}, Limit: 1, Lease: time.Minute})
	cp.ID, cp.Epoch = "b", claimed[0].Epoch
	if err := plain.Checkpoint(ctx, cp); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Checkpoint(continuation) on a store that keeps no runs = %v, want errors.ErrUnsupported", err)
	}
}

// onlyStore hides the optional capabilities of its store.
type onlyStore struct{ runtime.Store }
