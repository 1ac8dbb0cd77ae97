package storetest

import (
	"bytes"
	"errors"
	"time"

	"github.com/durablegen/durable/runtime"
)

func signalCases() []testCase {
	return []testCase{
		{"Signal/WakesWaiting", testSignalWakesWaiting},
		{"Signal/BeforeWait", testSignalBeforeWait},
		{"Signal/OtherName", testSignalOtherName},
		{"Signal/OldestFirst", testSignalOldestFirst},
		{"Signal/ConsumedOnce", testSignalConsumedOnce},
		{"Signal/FencedConsumesNothing", testSignalFencedConsumesNothing},
		{"Signal/Missing", testSignalMissing},
		{"Signal/Finished", testSignalFinished},
	}
}

// wantSignal requires that inst carries a signal name with payload.
func (h *harness) wantSignal(inst *runtime.Instance, name string, payload []byte) *runtime.Signal {
	h.t.Helper()
	sig := inst.Signal
	if sig == nil {
		h.t.Fatalf("Claim(%s).Signal = nil, want %q %q", inst.ID, name, payload)
	}
	if sig.Name != name || !bytes.Equal(sig.Payload, payload) || sig.ID == 0 || sig.CreatedAt.IsZero() {
		h.t.Fatalf("Claim(%s).Signal = %+v, want name %q payload %q, an ID and a time", inst.ID, sig, name, payload)
	}
	return sig
}

func testSignalWakesWaiting(h *harness) {
	inst := h.start("order-1", "worker-a")
	h.checkpoint(wait(inst, 1, "approval", time.Time{}))
	h.wantStatus("order-1", runtime.StatusWaiting)
	h.claimNone("while waiting")
	payload := allBytes()
	h.signal("order-1", "approval", payload)
	h.wantStatus("order-1", runtime.StatusReady)
	got := h.claimID("worker-b", "order-1", longLease)
	sig := h.wantSignal(got, "approval", payload)
	cp := step(got, 2, []byte("approved"))
	cp.ConsumeSignal = sig.ID
	h.checkpoint(cp)
}

// testSignalBeforeWait sends the signal while the instance runs: the
// Waiting checkpoint that follows must store ready, not waiting.
func testSignalBeforeWait(h *harness) {
	inst := h.start("order-1", "worker-a")
	h.signal("order-1", "approval", []byte("yes"))
	h.wantStatus("order-1", runtime.StatusRunning)
	h.checkpoint(wait(inst, 1, "approval", time.Time{}))
	h.wantStatus("order-1", runtime.StatusReady)
	got := h.claimID("worker-b", "order-1", longLease)
	h.wantSignal(got, "approval", []byte("yes"))
}

func testSignalOtherName(h *harness) {
	inst := h.start("order-1", "worker-a")
	h.signal("order-1", "early", []byte("x"))
	h.checkpoint(wait(inst, 1, "approval", time.Time{}))
	h.wantStatus("order-1", runtime.StatusWaiting)
	h.signal("order-1", "rejection", []byte("y"))
	h.wantStatus("order-1", runtime.StatusWaiting)
	h.claimNone("after signals of other names")
}

func testSignalOldestFirst(h *harness) {
	inst := h.start("order-1", "worker-a")
	h.checkpoint(wait(inst, 1, "item", time.Time{}))
	for _, p := range []string{"first", "second", "third"} {
		h.signal("order-1", "item", []byte(p))
	}
	seq := int64(1)
	for _, want := range []string{"first", "second", "third"} {
		got := h.claimID("worker-b", "order-1", longLease)
		sig := h.wantSignal(got, "item", []byte(want))
		seq++
		cp := wait(got, seq, "item", time.Time{})
		cp.ConsumeSignal = sig.ID
		h.checkpoint(cp)
	}
	h.wantStatus("order-1", runtime.StatusWaiting)
	h.claimNone("after every signal was consumed")
}

// testSignalConsumedOnce consumes a signal and then loses the lease: the
// instance taken over must not get the consumed signal again.
func testSignalConsumedOnce(h *harness) {
	h.create("order-1")
	a := h.claimID("worker-a", "order-1", longLease)
	h.checkpoint(wait(a, 1, "approval", time.Time{}))
	h.signal("order-1", "approval", []byte("once"))
	b := h.claimID("worker-b", "order-1", shortLease)
	sig := h.wantSignal(b, "approval", []byte("once"))
	cp := step(b, 2, []byte("consumed"))
	cp.ConsumeSignal = sig.ID
	cp.AwaitName = "approval" // still awaiting the same name: only a new signal may be attached
	h.checkpoint(cp)
	c := h.waitClaim("worker-c", "order-1", longLease)
	if c.Signal != nil {
		h.t.Errorf("Claim() after the signal was consumed = signal %+v, want none", c.Signal)
	}
	h.checkpoint(wait(c, 3, "approval", time.Time{}))
	h.wantStatus("order-1", runtime.StatusWaiting)
}

// testSignalFencedConsumesNothing has a fenced checkpoint try to consume
// a signal: the signal stays pending for the next claim.
func testSignalFencedConsumesNothing(h *harness) {
	inst := h.start("order-1", "worker-a")
	h.checkpoint(wait(inst, 1, "approval", time.Time{}))
	h.signal("order-1", "approval", []byte("keep"))
	a := h.claimID("worker-a", "order-1", shortLease)
	sig := h.wantSignal(a, "approval", []byte("keep"))
	b := h.waitClaim("worker-b", "order-1", longLease)
	h.wantSignal(b, "approval", []byte("keep"))
	cp := step(a, 2, nil)
	cp.ConsumeSignal = sig.ID
	h.checkpointErr(cp, runtime.ErrFenced)
	cp = step(b, 2, nil)
	cp.ConsumeSignal = sig.ID
	h.checkpoint(cp)
}

func testSignalMissing(h *harness) {
	if err := h.s.Signal(h.ctx, "missing", "approval", nil); !errors.Is(err, runtime.ErrNotFound) {
		h.t.Fatalf("Signal(missing) error = %v, want %v", err, runtime.ErrNotFound)
	}
}

func testSignalFinished(h *harness) {
	for _, status := range []runtime.Status{runtime.StatusCompleted, runtime.StatusFailed, runtime.StatusCanceled} {
		id := "order-" + string(status)
		inst := h.start(id, "worker-a")
		h.checkpoint(suspend(inst, 1, status))
		if err := h.s.Signal(h.ctx, id, "approval", []byte("late")); !errors.Is(err, runtime.ErrFinished) {
			h.t.Errorf("Signal(%s instance) error = %v, want %v", status, err, runtime.ErrFinished)
		}
		h.wantStatus(id, status)
	}
}
