package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
)

// Workflow keys used by the suite.
const (
	workflow = "order"
	version  = "v1"
	key      = workflow + "@" + version
)

// Durations used by the suite: short leases expire while the suite polls;
// long ones and far timers never do during a test.
const (
	shortLease  = 250 * time.Millisecond // long enough to claim and commit under it on a loaded machine
	longLease   = time.Minute
	pollTimeout = 5 * time.Second
	pollEvery   = 10 * time.Millisecond
)

// Run runs the conformance suite against the stores newStore returns,
// one fresh store per subtest. See the package documentation for what it
// checks.
func Run(t *testing.T, newStore func(t *testing.T) runtime.Store) {
	t.Helper()
	for _, group := range [][]testCase{createCases(), claimCases(), checkpointCases(), signalCases(), lifecycleCases(), adminCases(), cancelCases(), concurrentCases()} {
		for _, tc := range group {
			t.Run(tc.name, func(t *testing.T) {
				tc.run(&harness{t: t, s: newStore(t), ctx: t.Context()})
			})
		}
	}
}

// testCase is one subtest of the suite.
type testCase struct {
	name string
	run  func(h *harness)
}

// harness wraps a store with calls that fail the test on error.
type harness struct {
	t   *testing.T
	s   runtime.Store
	ctx context.Context
}

// create creates a ready instance id of the suite's workflow.
func (h *harness) create(id string) *runtime.Instance {
	h.t.Helper()
	return h.createInstance(&runtime.Instance{ID: id, Workflow: workflow, Version: version, Frame: []byte("frame0")})
}

func (h *harness) createInstance(inst *runtime.Instance) *runtime.Instance {
	h.t.Helper()
	got, created, err := h.s.Create(h.ctx, inst)
	if err != nil {
		h.t.Fatalf("Create(%s) error = %v, want nil", inst.ID, err)
	}
	if !created {
		h.t.Fatalf("Create(%s) created = false, want true", inst.ID)
	}
	return got
}

// claim claims up to limit instances of keys for owner.
func (h *harness) claim(owner string, lease time.Duration, limit int, keys ...string) []*runtime.Instance {
	h.t.Helper()
	got, err := h.s.Claim(h.ctx, runtime.ClaimRequest{Owner: owner, Workflows: keys, Limit: limit, Lease: lease})
	if err != nil {
		h.t.Fatalf("Claim(%s, %v) error = %v, want nil", owner, keys, err)
	}
	return got
}

// claimID claims for owner and requires that the result is exactly id.
func (h *harness) claimID(owner, id string, lease time.Duration) *runtime.Instance {
	h.t.Helper()
	got := h.claim(owner, lease, 10, key)
	if len(got) != 1 || got[0].ID != id {
		h.t.Fatalf("Claim(%s) = %v, want [%s]", owner, ids(got), id)
	}
	return got[0]
}

// claimNone requires that a claim for every key of the suite finds nothing.
func (h *harness) claimNone(why string) {
	h.t.Helper()
	if got := h.claim("nobody", longLease, 10, key); len(got) != 0 {
		h.t.Fatalf("Claim() %s = %v, want none", why, ids(got))
	}
}

// waitClaim polls until owner claims id, for at most pollTimeout.
func (h *harness) waitClaim(owner, id string, lease time.Duration) *runtime.Instance {
	h.t.Helper()
	deadline := time.Now().Add(pollTimeout)
	for {
		got := h.claim(owner, lease, 10, key)
		if len(got) > 1 || len(got) == 1 && got[0].ID != id {
			h.t.Fatalf("Claim(%s) = %v, want [%s]", owner, ids(got), id)
		}
		if len(got) == 1 {
			return got[0]
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("Claim(%s) found nothing for %v, want [%s]", owner, pollTimeout, id)
		}
		time.Sleep(pollEvery)
	}
}

// start creates instance id and claims it for owner with a long lease.
func (h *harness) start(id, owner string) *runtime.Instance {
	h.t.Helper()
	h.create(id)
	return h.claimID(owner, id, longLease)
}

func (h *harness) checkpoint(cp *runtime.Checkpoint) {
	h.t.Helper()
	if err := h.s.Checkpoint(h.ctx, cp); err != nil {
		h.t.Fatalf("Checkpoint(%s seq %d epoch %d %s) error = %v, want nil", cp.ID, cp.Seq, cp.Epoch, cp.Status, err)
	}
}

// checkpointErr requires that Checkpoint fails with want.
func (h *harness) checkpointErr(cp *runtime.Checkpoint, want error) {
	h.t.Helper()
	if err := h.s.Checkpoint(h.ctx, cp); !errors.Is(err, want) {
		h.t.Fatalf("Checkpoint(%s seq %d epoch %d) error = %v, want %v", cp.ID, cp.Seq, cp.Epoch, err, want)
	}
}

func (h *harness) get(id string) *runtime.Instance {
	h.t.Helper()
	inst, err := h.s.Get(h.ctx, id)
	if err != nil {
		h.t.Fatalf("Get(%s) error = %v, want nil", id, err)
	}
	return inst
}

func (h *harness) signal(id, name string, payload []byte) {
	h.t.Helper()
	if err := h.s.Signal(h.ctx, id, name, payload); err != nil {
		h.t.Fatalf("Signal(%s, %q) error = %v, want nil", id, name, err)
	}
}

func (h *harness) history(id string) []runtime.Event {
	h.t.Helper()
	evs, err := h.s.History(h.ctx, id)
	if err != nil {
		h.t.Fatalf("History(%s) error = %v, want nil", id, err)
	}
	return evs
}

// wantStatus requires that instance id has status want.
func (h *harness) wantStatus(id string, want runtime.Status) *runtime.Instance {
	h.t.Helper()
	inst := h.get(id)
	if inst.Status != want {
		h.t.Fatalf("Get(%s).Status = %s, want %s", id, inst.Status, want)
	}
	return inst
}

// step returns a running checkpoint of inst with sequence seq.
func step(inst *runtime.Instance, seq int64, frame []byte) *runtime.Checkpoint {
	return &runtime.Checkpoint{
		ID:     inst.ID,
		Epoch:  inst.Epoch,
		Seq:    seq,
		Frame:  frame,
		Status: runtime.StatusRunning,
		Event:  runtime.Event{Seq: seq, Kind: "step", Name: "charge", Site: int(seq), Attempts: 1},
	}
}

// suspend returns a checkpoint of inst that leaves it in status.
func suspend(inst *runtime.Instance, seq int64, status runtime.Status) *runtime.Checkpoint {
	cp := step(inst, seq, []byte(fmt.Sprintf("frame%d", seq)))
	cp.Status = status
	cp.Event.Kind = string(status)
	return cp
}

// wait returns a checkpoint of inst that waits for signal name.
func wait(inst *runtime.Instance, seq int64, name string, wakeAt time.Time) *runtime.Checkpoint {
	cp := suspend(inst, seq, runtime.StatusWaiting)
	cp.AwaitName = name
	cp.WakeAt = wakeAt
	cp.Event.Kind = "await"
	cp.Event.Name = name
	return cp
}

func ids(insts []*runtime.Instance) []string {
	out := make([]string, len(insts))
	for i, inst := range insts {
		out[i] = inst.ID
	}
	return out
}

// allBytes returns the 256 byte values, twice, once in each order.
func allBytes() []byte {
	b := make([]byte, 512)
	for i := range 256 {
		b[i] = byte(i)
		b[511-i] = byte(i)
	}
	return b
}

// bigFrame returns n bytes of a non-repeating pattern.
func bigFrame(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}
