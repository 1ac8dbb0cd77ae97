package memstore

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
)

// fill gives s instances in every state a clone must keep: running with
// a lease, sleeping, waiting with and without a deadline, ready with a
// pending signal, failed, and a history longer than a chunk.
func fill(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		_, _, err := s.Create(ctx, &runtime.Instance{ID: fmt.Sprint("i", i), Workflow: "wf", Version: "v1", Frame: []byte("{}")})
		must(err)
	}
	must(s.Signal(ctx, "i3", "go", []byte(`"early"`)))
	insts, err := s.Claim(ctx, runtime.ClaimRequest{Owner: "w", Workflows: []string{"wf@v1"}, Limit: 6, Lease: time.Minute})
	must(err)
	cp := func(in *runtime.Instance, seq int64, st runtime.Status, mod func(*runtime.Checkpoint)) {
		t.Helper()
		c := &runtime.Checkpoint{ID: in.ID, Epoch: in.Epoch, Seq: seq, Frame: fmt.Appendf(nil, `{"pc":%d}`, seq), Status: st,
			Event: runtime.Event{Kind: "step", Name: "s", Detail: []byte("d")}}
		if mod != nil {
			mod(c)
		}
		must(s.Checkpoint(ctx, c))
	}
	for seq := int64(1); seq <= historyChunk+3; seq++ {
		cp(insts[0], seq, runtime.StatusRunning, nil)
	}
	cp(insts[1], 1, runtime.StatusSleeping, func(c *runtime.Checkpoint) { c.WakeAt = s.clock().Add(time.Hour) })
	cp(insts[2], 1, runtime.StatusWaiting, func(c *runtime.Checkpoint) { c.AwaitName = "go" })
	cp(insts[3], 1, runtime.StatusWaiting, func(c *runtime.Checkpoint) {
		c.AwaitName, c.WakeAt, c.Attempt = "go", s.clock().Add(time.Minute), 2
	})
	cp(insts[4], 1, runtime.StatusFailed, func(c *runtime.Checkpoint) { c.Error = "boom" })
	must(s.Signal(ctx, "i2", "other", []byte(`1`)))
	must(s.Signal(ctx, "i5", "go", []byte(`2`)))
	must(s.RequestCancel(ctx, "i5", "stop"))
	// An instance in its second run.
	_, _, err = s.Create(ctx, &runtime.Instance{ID: "i6", Workflow: "wf2", Version: "v1", Frame: []byte("{}")})
	must(err)
	insts, err = s.Claim(ctx, runtime.ClaimRequest{Owner: "w", Workflows: []string{"wf2@v1"}, Limit: 1, Lease: time.Minute})
	must(err)
	cp(insts[0], 1, runtime.StatusReady, func(c *runtime.Checkpoint) {
		c.Continue, c.Event.Kind = &runtime.Continuation{Input: []byte("2")}, "continue"
	})
}

// TestCloneKeepsEverything compares every field of a clone with the
// original's, so that a field added to the store and not copied fails here.
func TestCloneKeepsEverything(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewWithClock(func() time.Time { return now })
	fill(t, s)
	c := s.Clone(s.clock)
	if !reflect.DeepEqual(c.insts, s.insts) || !reflect.DeepEqual(c.queues, s.queues) || c.order != s.order || c.signalID != s.signalID {
		t.Fatalf("Clone() differs from the store:\n got %+v\nwant %+v", c.insts, s.insts)
	}
	for id, r := range s.insts {
		if c.insts[id] == r {
			t.Errorf("Clone() shares the record of %s", id)
		}
	}
}

// TestCloneIsIndependent changes a store and its clone differently and
// checks that each sees only its own changes: frames, signals, histories
// (also where they share a chunk) and claims.
func TestCloneIsIndependent(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewWithClock(func() time.Time { return now })
	fill(t, s)
	later := now.Add(2 * time.Minute) // the leases have expired; i3's deadline has passed
	c := s.Clone(func() time.Time { return later })
	for _, tc := range []struct {
		st    *Store
		frame string
	}{{s, `{"pc":"s"}`}, {c, `{"pc":"c"}`}} {
		in := tc.st.insts["i0"].inst
		err := tc.st.Checkpoint(ctx, &runtime.Checkpoint{ID: "i0", Epoch: in.Epoch, Seq: in.Seq + 1, Frame: []byte(tc.frame), Status: runtime.StatusRunning,
			Event: runtime.Event{Kind: tc.frame}})
		if tc.st == c && err == nil {
			t.Errorf("Checkpoint() on the clone after the lease expired = nil, want fenced")
		}
		if tc.st == s && err != nil {
			t.Fatalf("Checkpoint() on the original = %v, want nil", err)
		}
	}
	got, err := c.Claim(ctx, runtime.ClaimRequest{Owner: "w2", Workflows: []string{"wf@v1"}, Limit: 10, Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	byID := map[string]*runtime.Instance{}
	for _, in := range got {
		ids = append(ids, in.ID)
		byID[in.ID] = in
	}
	// In the order they became claimable: i3 when its wait found the
	// signal pending, i5 at its cancel request, i0 when its lease expired.
	if want := []string{"i3", "i5", "i0"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("Claim() on the clone = %v, want %v", ids, want)
	}
	i0 := byID["i0"]
	if err := c.Checkpoint(ctx, &runtime.Checkpoint{ID: "i0", Epoch: i0.Epoch, Seq: i0.Seq + 1, Frame: []byte(`{"pc":"c"}`), Status: runtime.StatusRunning,
		Event: runtime.Event{Kind: "clone"}}); err != nil {
		t.Fatalf("Checkpoint() on the clone after its claim = %v, want nil", err)
	}
	i3 := byID["i3"]
	if i3.Signal == nil || string(i3.Signal.Payload) != `"early"` {
		t.Fatalf("Claim() of i3 on the clone has signal %+v, want the pending one", i3.Signal)
	}
	if err := c.Checkpoint(ctx, &runtime.Checkpoint{ID: "i3", Epoch: i3.Epoch, Seq: i3.Seq + 1, Status: runtime.StatusCompleted,
		ConsumeSignal: i3.Signal.ID, Event: runtime.Event{Kind: "complete"}}); err != nil {
		t.Fatalf("Checkpoint() of i3 on the clone = %v, want nil", err)
	}
	if n := len(c.insts["i3"].signals); n != 0 {
		t.Errorf("the clone's i3 has %d pending signals after consuming one, want 0", n)
	}
	for _, tc := range []struct {
		st         *Store
		frame, ev  string
		claimedNow bool
	}{{s, `{"pc":"s"}`, `{"pc":"s"}`, false}, {c, `{"pc":"c"}`, "clone", true}} {
		r := tc.st.insts["i0"]
		if string(r.inst.Frame) != tc.frame {
			t.Errorf("frame of i0 = %s, want %s", r.inst.Frame, tc.frame)
		}
		evs := r.history.copy()
		if n := len(evs); n != historyChunk+4 || evs[n-1].Kind != tc.ev || evs[n-2].Kind != "step" {
			t.Errorf("history of i0 has %d events ending with %q, want %d ending with %q", n, evs[n-1].Kind, historyChunk+4, tc.ev)
		}
		if owner := r.inst.Owner; (owner == "w2") != tc.claimedNow {
			t.Errorf("owner of i0 = %q, claimed by the clone: %v", owner, tc.claimedNow)
		}
	}
	if n := len(s.insts["i3"].signals); n != 1 {
		t.Errorf("the original's i3 has %d pending signals, want 1", n)
	}
}
