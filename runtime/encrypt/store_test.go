package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
	"github.com/durablegen/durable/runtime/memstore"
)

func TestWrapErrors(t *testing.T) {
	tests := []struct {
		name    string
		inner   runtime.Store
		ring    *encrypt.Keyring
		wantErr string
	}{
		{"nil store", nil, testRing(t), "nil inner store"},
		{"nil keyring", memstore.New(), nil, "nil keyring"},
		{"zero keyring", memstore.New(), &encrypt.Keyring{}, "nil keyring"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := encrypt.Wrap(tc.inner, tc.ring)
			if s != nil || err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Wrap() = %v, %v, want an error containing %q", s, err, tc.wantErr)
			}
		})
	}
}

// claimRaw claims one instance from inner, failing the test unless it is
// id.
func claimRaw(t *testing.T, inner runtime.Store, id string) *runtime.Instance {
	t.Helper()
	insts, err := inner.Claim(context.Background(), runtime.ClaimRequest{Owner: "o", Workflows: []string{"w@v1"}, Limit: 1, Lease: time.Minute})
	if err != nil || len(insts) != 1 || insts[0].ID != id {
		t.Fatalf("Claim() = %v, %v, want %s", insts, err, id)
	}
	return insts[0]
}

// TestValueBoundToField moves sealed values to other columns and
// instances behind the store's back: each fails to open with an error
// naming the field, instance and key.
func TestValueBoundToField(t *testing.T) {
	ctx := context.Background()
	inner := memstore.New()
	store := wrap(t, inner, testRing(t))
	for _, id := range []string{"a", "b"} {
		if _, _, err := store.Create(ctx, &runtime.Instance{ID: id, Workflow: "w", Version: "v1", Frame: []byte("frame of " + id)}); err != nil {
			t.Fatal(err)
		}
	}
	rawA, err := inner.Get(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	// a completes with its own frame as its output, and as its history detail.
	inst := claimRaw(t, inner, "a")
	if err := inner.Checkpoint(ctx, &runtime.Checkpoint{ID: "a", Epoch: inst.Epoch, Seq: 1, Frame: rawA.Frame, Status: runtime.StatusCompleted, Output: rawA.Frame, Event: runtime.Event{Kind: "complete", Detail: rawA.Frame}}); err != nil {
		t.Fatal(err)
	}
	_, err = store.Get(ctx, "a")
	var oe *encrypt.OpenError
	if !errors.As(err, &oe) || oe.Field != "output" || oe.Instance != "a" || oe.KeyID != "k1" || !errors.Is(err, encrypt.ErrAuthentication) {
		t.Errorf("Get(a) with its frame as output = %v, want an OpenError for the output of a under k1", err)
	}
	if _, err := store.History(ctx, "a"); err == nil || !strings.Contains(err.Error(), "event 1 detail of instance a sealed with key k1 fails authentication") {
		t.Errorf("History(a) with the frame as detail = %v, want an authentication error for event 1 detail", err)
	}
	// b gets a's frame.
	inst = claimRaw(t, inner, "b")
	if err := inner.Checkpoint(ctx, &runtime.Checkpoint{ID: "b", Epoch: inst.Epoch, Seq: 1, Frame: rawA.Frame, Status: runtime.StatusReady, Event: runtime.Event{Kind: "tamper"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, "b"); err == nil || !strings.Contains(err.Error(), "frame of instance b sealed with key k1 fails authentication") {
		t.Errorf("Get(b) with a's frame = %v, want an authentication error for the frame of b", err)
	}
	// Claim reports it on the instance, not as an error.
	insts, err := store.Claim(ctx, runtime.ClaimRequest{Owner: "o", Workflows: []string{"w@v1"}, Limit: 10, Lease: time.Minute})
	if err != nil || len(insts) != 1 || insts[0].ID != "b" {
		t.Fatalf("Claim() = %v, %v, want b", insts, err)
	}
	if !errors.As(insts[0].Unreadable, &oe) || oe.Field != "frame" || !bytes.Equal(insts[0].Frame, rawA.Frame) {
		t.Errorf("Claim() = frame %x, unreadable %v, want the stored frame %x and an OpenError", insts[0].Frame, insts[0].Unreadable, rawA.Frame)
	}
}

// TestSealedFields checks what the inner store receives: every payload
// sealed (errors in text form), names and IDs in clear, empty values
// empty, and the caller's checkpoint untouched.
func TestSealedFields(t *testing.T) {
	ctx := context.Background()
	inner := memstore.New()
	store := wrap(t, inner, testRing(t))
	if _, _, err := store.Create(ctx, &runtime.Instance{ID: "x", Workflow: "w", Version: "v1"}); err != nil {
		t.Fatal(err)
	}
	raw, err := inner.Get(ctx, "x")
	if err != nil || len(raw.Frame) != 0 {
		t.Fatalf("raw instance created with no frame = %q, %v, want an empty frame", raw.Frame, err)
	}
	if err := store.Signal(ctx, "x", "ping", nil); err != nil {
		t.Fatal(err)
	}
	if err := store.Signal(ctx, "x", "pong", []byte(`"secret payload"`)); err != nil {
		t.Fatal(err)
	}
	inst, err := store.Claim(ctx, runtime.ClaimRequest{Owner: "o", Workflows: []string{"w@v1"}, Limit: 1, Lease: time.Minute})
	if err != nil || len(inst) != 1 {
		t.Fatalf("Claim() = %v, %v", inst, err)
	}
	cp := &runtime.Checkpoint{
		ID: "x", Epoch: inst[0].Epoch, Seq: 1, Status: runtime.StatusFailed,
		Frame: []byte(`{"pc":3,"acct":"secret"}`), Error: `{"m":"secret error"}`,
		Event: runtime.Event{Kind: "fail", Name: "charge", Error: "secret step error", Detail: []byte("secret detail")},
	}
	orig := *cp
	origFrame := bytes.Clone(cp.Frame)
	if err := store.Checkpoint(ctx, cp); err != nil {
		t.Fatal(err)
	}
	if cp.Error != orig.Error || cp.Event.Error != orig.Event.Error || !bytes.Equal(cp.Frame, origFrame) || &cp.Frame[0] != &orig.Frame[0] || !bytes.Equal(cp.Event.Detail, []byte("secret detail")) {
		t.Errorf("Checkpoint() changed its argument: %+v, want %+v", cp, orig)
	}
	raw, err = inner.Get(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := inner.History(ctx, "x")
	if err != nil || len(evs) != 1 {
		t.Fatalf("raw History() = %v, %v", evs, err)
	}
	for what, v := range map[string]string{"frame": string(raw.Frame), "error": raw.Error, "event error": evs[0].Error, "detail": string(evs[0].Detail)} {
		if strings.Contains(v, "secret") {
			t.Errorf("raw %s = %q, want it sealed", what, v)
		}
		if k, err := encrypt.KeyID([]byte(v)); k != "k1" || err != nil {
			t.Errorf("KeyID(raw %s) = %q, %v, want k1", what, k, err)
		}
	}
	if !strings.HasPrefix(raw.Error, "enc:") || !strings.HasPrefix(evs[0].Error, "enc:") {
		t.Errorf("raw errors = %q, %q, want the text form enc:...", raw.Error, evs[0].Error)
	}
	if evs[0].Name != "charge" || evs[0].Kind != "fail" || raw.Workflow != "w" {
		t.Errorf("raw names = %q %q %q, want them in clear", evs[0].Name, evs[0].Kind, raw.Workflow)
	}
	got, err := store.Get(ctx, "x")
	if err != nil || string(got.Frame) != string(orig.Frame) || got.Error != orig.Error {
		t.Errorf("Get() = %q %q, %v, want the committed frame and error", got.Frame, got.Error, err)
	}
	h, err := store.History(ctx, "x")
	if err != nil || h[0].Error != "secret step error" || string(h[0].Detail) != "secret detail" {
		t.Errorf("History() = %+v, %v, want the event in clear", h, err)
	}
}

func TestCancelReasonSealed(t *testing.T) {
	ctx := context.Background()
	inner := memstore.New()
	store := wrap(t, inner, testRing(t))
	for _, id := range []string{"a", "b"} {
		if _, _, err := store.Create(ctx, &runtime.Instance{ID: id, Workflow: "w", Version: "v1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Cancel(ctx, "a", "customer 4111-1111 asked"); err != nil {
		t.Fatal(err)
	}
	if err := store.Cancel(ctx, "b", ""); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"a": "customer 4111-1111 asked", "b": ""} {
		raw, err := inner.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(raw.Error, "4111") || (want == "") != (raw.Error == "") {
			t.Errorf("raw error of %s = %q, want %q sealed", id, raw.Error, want)
		}
		got, err := store.Get(ctx, id)
		if err != nil || got.Error != want || got.Status != runtime.StatusCanceled {
			t.Errorf("Get(%s) = %v, %v, want canceled with error %q", id, got, err, want)
		}
		evs, err := store.History(ctx, id)
		if err != nil || len(evs) != 1 || evs[0].Error != want {
			t.Errorf("History(%s) = %+v, %v, want one cancel event with %q", id, evs, err, want)
		}
	}
}

// waiterStore is a store with the optional methods an encrypting store
// must forward.
type waiterStore struct {
	runtime.Store
	waits, closes int
}

func (s *waiterStore) WaitForWork(ctx context.Context, timeout time.Duration) { s.waits++ }
func (s *waiterStore) Close() error                                           { s.closes++; return errors.New("closed") }

// closer has a Close method without a result, like the PostgreSQL store.
type closer struct {
	runtime.Store
	closes int
}

func (s *closer) Close() { s.closes++ }

func TestOptionalInterfaces(t *testing.T) {
	ctx := context.Background()
	ws := &waiterStore{Store: memstore.New()}
	s := wrap(t, ws, testRing(t))
	s.WaitForWork(ctx, time.Hour)
	if err := s.Close(); err == nil || ws.waits != 1 || ws.closes != 1 {
		t.Errorf("WaitForWork and Close reached the inner store %d and %d times (Close() = %v), want once each with its error", ws.waits, ws.closes, err)
	}
	c := &closer{Store: memstore.New()}
	if err := wrap(t, c, testRing(t)).Close(); err != nil || c.closes != 1 {
		t.Errorf("Close() = %v after %d inner closes, want nil after 1", err, c.closes)
	}
	// An inner store that cannot wait: WaitForWork sleeps until ctx ends.
	plain := wrap(t, struct{ runtime.Store }{memstore.New()}, testRing(t))
	done, cancel := context.WithCancel(ctx)
	cancel()
	plain.WaitForWork(done, time.Hour) // returns at once: ctx is done
	if err := plain.Close(); err != nil {
		t.Errorf("Close() of a store without Close = %v, want nil", err)
	}
}

// TestListUnreadable lists an instance sealed with a key the keyring
// lacks next to a readable one: the listing succeeds, the unreadable
// instance carries the OpenError with its sealed fields cleared.
func TestListUnreadable(t *testing.T) {
	ctx := context.Background()
	inner := memstore.New()
	old := wrap(t, inner, ring(t, newKey(t, "k0")))
	store := wrap(t, inner, testRing(t))
	if _, _, err := old.Create(ctx, &runtime.Instance{ID: "a", Workflow: "w", Version: "v1", Frame: []byte("frame a")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.Create(ctx, &runtime.Instance{ID: "b", Workflow: "w", Version: "v1", Frame: []byte("frame b")}); err != nil {
		t.Fatal(err)
	}
	if err := old.Cancel(ctx, "a", "reason a"); err != nil {
		t.Fatal(err)
	}
	insts, err := store.List(ctx, runtime.ListOptions{Payloads: true})
	if err != nil || len(insts) != 2 {
		t.Fatalf("List() = %v, %v, want 2 instances", insts, err)
	}
	a, b := insts[0], insts[1]
	if !errors.Is(a.Unreadable, encrypt.ErrUnknownKey) || a.Frame != nil || a.Error != "" || a.Status != runtime.StatusCanceled {
		t.Errorf("List() a = frame %q error %q status %s unreadable %v, want cleared fields and ErrUnknownKey", a.Frame, a.Error, a.Status, a.Unreadable)
	}
	if b.Unreadable != nil || string(b.Frame) != "frame b" {
		t.Errorf("List() b = frame %q unreadable %v, want its frame", b.Frame, b.Unreadable)
	}
	if _, err := runtime.StateOf(a); err == nil || !strings.Contains(err.Error(), "sealed with key k0") {
		t.Errorf("StateOf(a) = %v, want the OpenError", err)
	}
}

func TestAdminUnsupported(t *testing.T) {
	s := wrap(t, struct{ runtime.Store }{memstore.New()}, testRing(t))
	if _, err := s.List(context.Background(), runtime.ListOptions{}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("List() on a store without Admin = %v, want ErrUnsupported", err)
	}
	if err := s.Retry(context.Background(), runtime.RetryRequest{ID: "x"}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Retry() on a store without Admin = %v, want ErrUnsupported", err)
	}
}
