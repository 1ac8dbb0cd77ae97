package storetest

import (
	"errors"
	"time"

	"github.com/durablegen/durable/runtime"
)

// cancelCases check the optional [runtime.CancelRequester] capability. A
// store without it skips them.
func cancelCases() []testCase {
	return []testCase{
		{"RequestCancel/Waiting", testRequestCancelWaiting},
		{"RequestCancel/Sleeping", testRequestCancelSleeping},
		{"RequestCancel/Running", testRequestCancelRunning},
		{"RequestCancel/KeepsFirstReason", testRequestCancelFirstReason},
		{"RequestCancel/Terminal", testRequestCancelTerminal},
	}
}

func (h *harness) requestCancel(id, reason string) error {
	h.t.Helper()
	cr, ok := h.s.(runtime.CancelRequester)
	if !ok {
		h.t.Skipf("%T does not implement runtime.CancelRequester, an optional capability: nothing to check", h.s)
	}
	return cr.RequestCancel(h.ctx, id, reason)
}

// testRequestCancelWaiting: a waiting instance becomes claimable at once,
// with the reason, its frame and sequence unchanged; its commits as
// canceled end it.
func testRequestCancelWaiting(h *harness) {
	h.create("order-1")
	a := h.claimID("worker-a", "order-1", longLease)
	h.checkpoint(wait(a, 1, "approval", time.Time{}))
	if err := h.requestCancel("order-1", "customer left"); err != nil {
		h.t.Fatalf("RequestCancel() error = %v, want nil", err)
	}
	got := h.get("order-1")
	if got.Status != runtime.StatusReady || got.CancelReason != "customer left" || got.Seq != 1 || string(got.Frame) != "frame1" {
		h.t.Errorf("Get() after RequestCancel = status %s reason %q seq %d frame %q, want ready %q 1 frame1", got.Status, got.CancelReason, got.Seq, got.Frame, "customer left")
	}
	b := h.claimID("worker-b", "order-1", longLease)
	if b.CancelReason != "customer left" {
		h.t.Errorf("Claim().CancelReason = %q, want %q", b.CancelReason, "customer left")
	}
	// A compensation step, then the end, canceled.
	h.checkpoint(step(b, 2, []byte("compensated")))
	end := suspend(b, 3, runtime.StatusCanceled)
	end.Error = "customer left"
	h.checkpoint(end)
	if got := h.wantStatus("order-1", runtime.StatusCanceled); got.Error != "customer left" {
		h.t.Errorf("Error = %q, want the reason", got.Error)
	}
}

func testRequestCancelSleeping(h *harness) {
	h.create("order-1")
	a := h.claimID("worker-a", "order-1", longLease)
	cp := suspend(a, 1, runtime.StatusSleeping)
	cp.WakeAt = time.Now().Add(7 * 24 * time.Hour)
	h.checkpoint(cp)
	if err := h.requestCancel("order-1", "stop"); err != nil {
		h.t.Fatalf("RequestCancel() error = %v, want nil", err)
	}
	if b := h.claimID("worker-b", "order-1", longLease); b.CancelReason != "stop" {
		h.t.Errorf("Claim().CancelReason = %q, want stop", b.CancelReason)
	}
}

// testRequestCancelRunning: the owner is fenced; another worker claims the
// instance at once, without waiting for the lease.
func testRequestCancelRunning(h *harness) {
	h.create("order-1")
	a := h.claimID("worker-a", "order-1", longLease)
	if err := h.requestCancel("order-1", "stop"); err != nil {
		h.t.Fatalf("RequestCancel() error = %v, want nil", err)
	}
	h.checkpointErr(step(a, 1, []byte("late")), runtime.ErrFenced)
	b := h.claimID("worker-b", "order-1", longLease)
	if b.CancelReason != "stop" || b.Epoch <= a.Epoch {
		h.t.Errorf("Claim() = reason %q epoch %d, want stop and an epoch after %d", b.CancelReason, b.Epoch, a.Epoch)
	}
	h.checkpoint(step(b, 1, []byte("by b")))
}

func testRequestCancelFirstReason(h *harness) {
	h.create("order-1")
	for _, reason := range []string{"first", "second"} {
		if err := h.requestCancel("order-1", reason); err != nil {
			h.t.Fatalf("RequestCancel(%q) error = %v, want nil", reason, err)
		}
	}
	if got := h.get("order-1"); got.CancelReason != "first" || got.Status != runtime.StatusReady {
		h.t.Errorf("Get() = reason %q status %s, want first, ready", got.CancelReason, got.Status)
	}
}

func testRequestCancelTerminal(h *harness) {
	h.create("order-1")
	a := h.claimID("worker-a", "order-1", longLease)
	done := suspend(a, 1, runtime.StatusCompleted)
	done.Output = []byte("receipt")
	h.checkpoint(done)
	if err := h.requestCancel("order-1", "late"); !errors.Is(err, runtime.ErrFinished) {
		h.t.Errorf("RequestCancel(completed) error = %v, want %v", err, runtime.ErrFinished)
	}
	if got := h.get("order-1"); got.Status != runtime.StatusCompleted || got.CancelReason != "" {
		h.t.Errorf("Get() = status %s reason %q, want completed and no reason", got.Status, got.CancelReason)
	}
	if err := h.requestCancel("missing", "x"); !errors.Is(err, runtime.ErrNotFound) {
		h.t.Errorf("RequestCancel(missing) error = %v, want %v", err, runtime.ErrNotFound)
	}
}
