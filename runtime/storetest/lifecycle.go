package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/durablegen/durable/runtime"
)

func lifecycleCases() []testCase {
	return []testCase{
		{"History/Fields", testHistoryFields},
		{"Cancel/FencesOwner", testCancelFencesOwner},
		{"Cancel/Suspended", testCancelSuspended},
		{"Cancel/Terminal", testCancelTerminal},
		{"Cancel/Missing", testCancelMissing},
		{"Terminal/NeverClaimed", testTerminalNeverClaimed},
		{"Terminal/Completed", testTerminalCompleted},
		{"Terminal/Failed", testTerminalFailed},
		{"Payload/LargeFrame", testPayloadLargeFrame},
		{"Payload/Binary", testPayloadBinary},
	}
}

func testHistoryFields(h *harness) {
	// A fixed time with microsecond precision, which every store keeps.
	at := time.Date(2031, time.March, 4, 5, 6, 7, 890123000, time.UTC)
	inst := h.start("order-1", "worker-a")
	want := []runtime.Event{
		{Seq: 1, Kind: "step", Name: "charge", Site: 3, Attempts: 2, Error: "card declined", Detail: []byte(`{"id":"ch_1"}`), At: at},
		{Seq: 2, Kind: "now", Site: 4, Attempts: 1, Detail: allBytes(), At: at.Add(time.Microsecond)},
		{Seq: 3, Kind: "effect", Name: "σ-effet ✓", Site: 5, Attempts: 1, At: at.Add(time.Hour)},
		{Seq: 4, Kind: "complete", Site: 6, At: at.Add(2 * time.Hour)},
	}
	for _, ev := range want {
		cp := step(inst, ev.Seq, []byte(fmt.Sprintf("frame%d", ev.Seq)))
		cp.Event = ev
		if ev.Kind == "complete" {
			cp.Status = runtime.StatusCompleted
		}
		h.checkpoint(cp)
	}
	got := h.history("order-1")
	if len(got) != len(want) {
		h.t.Fatalf("History() = %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameEvent(got[i], want[i]) {
			h.t.Errorf("History()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func sameEvent(a, b runtime.Event) bool {
	return a.Seq == b.Seq && a.Kind == b.Kind && a.Name == b.Name && a.Site == b.Site &&
		a.Attempts == b.Attempts && a.Error == b.Error && bytes.Equal(a.Detail, b.Detail) && a.At.Equal(b.At)
}

func testCancelFencesOwner(h *harness) {
	inst := h.start("order-1", "worker-a")
	h.checkpoint(step(inst, 1, []byte("frame1")))
	if err := h.s.Cancel(h.ctx, "order-1", "customer asked"); err != nil {
		h.t.Fatalf("Cancel() error = %v, want nil", err)
	}
	got := h.wantStatus("order-1", runtime.StatusCanceled)
	if got.Error != "customer asked" || got.Epoch <= inst.Epoch || got.Owner != "" {
		h.t.Errorf("Get() = error %q epoch %d owner %q, want %q, epoch > %d, no owner",
			got.Error, got.Epoch, got.Owner, "customer asked", inst.Epoch)
	}
	h.checkpointErr(step(inst, 2, nil), runtime.ErrFenced)
	if err := h.s.Heartbeat(h.ctx, "order-1", inst.Epoch, longLease); !errors.Is(err, runtime.ErrFenced) {
		h.t.Errorf("Heartbeat() after Cancel error = %v, want %v", err, runtime.ErrFenced)
	}
	evs := h.history("order-1")
	if n := len(evs); n != 2 || evs[1].Kind != "cancel" || evs[1].Seq <= evs[0].Seq {
		h.t.Errorf("History() = %+v, want the step then a cancel event", evs)
	}
	h.claimNone("after Cancel")
}

func testCancelSuspended(h *harness) {
	for _, status := range []runtime.Status{runtime.StatusSleeping, runtime.StatusWaiting} {
		inst := h.start("order-"+string(status), "worker-a")
		cp := wait(inst, 1, "approval", time.Now().Add(time.Hour))
		cp.Status = status
		h.checkpoint(cp)
	}
	h.create("order-ready")
	for _, id := range []string{"order-ready", "order-sleeping", "order-waiting"} {
		if err := h.s.Cancel(h.ctx, id, "stop"); err != nil {
			h.t.Fatalf("Cancel(%s) error = %v, want nil", id, err)
		}
		h.wantStatus(id, runtime.StatusCanceled)
	}
	h.claimNone("of cancelled instances")
}

func testCancelTerminal(h *harness) {
	inst := h.start("order-1", "worker-a")
	cp := suspend(inst, 1, runtime.StatusCompleted)
	cp.Output = []byte("receipt")
	h.checkpoint(cp)
	before := h.get("order-1")
	if err := h.s.Cancel(h.ctx, "order-1", "too late"); err != nil {
		h.t.Fatalf("Cancel(completed) error = %v, want nil", err)
	}
	got := h.wantStatus("order-1", runtime.StatusCompleted)
	if string(got.Output) != "receipt" || got.Error != "" || got.Epoch != before.Epoch || got.Seq != before.Seq {
		h.t.Errorf("Get() after Cancel(completed) = %+v, want unchanged %+v", got, before)
	}
	if n := len(h.history("order-1")); n != 1 {
		h.t.Errorf("History() after Cancel(completed) = %d events, want 1", n)
	}
}

func testCancelMissing(h *harness) {
	if err := h.s.Cancel(h.ctx, "missing", "stop"); !errors.Is(err, runtime.ErrNotFound) {
		h.t.Fatalf("Cancel(missing) error = %v, want %v", err, runtime.ErrNotFound)
	}
}

// testTerminalNeverClaimed finishes instances under short leases and
// claims after the leases would have expired.
func testTerminalNeverClaimed(h *harness) {
	for _, status := range []runtime.Status{runtime.StatusCompleted, runtime.StatusFailed, runtime.StatusCanceled} {
		id := "order-" + string(status)
		h.create(id)
		inst := h.claimID("worker-a", id, shortLease)
		cp := suspend(inst, 1, status)
		cp.WakeAt = time.Now().Add(-time.Second)
		h.checkpoint(cp)
	}
	time.Sleep(2 * shortLease)
	h.claimNone("of terminal instances")
}

func testTerminalCompleted(h *harness) {
	inst := h.start("order-1", "worker-a")
	cp := suspend(inst, 1, runtime.StatusCompleted)
	cp.Output = allBytes()
	h.checkpoint(cp)
	got := h.wantStatus("order-1", runtime.StatusCompleted)
	if !bytes.Equal(got.Output, cp.Output) || got.Owner != "" {
		h.t.Errorf("Get() = output %x owner %q, want %x and no owner", got.Output, got.Owner, cp.Output)
	}
}

func testTerminalFailed(h *harness) {
	inst := h.start("order-1", "worker-a")
	cp := suspend(inst, 1, runtime.StatusFailed)
	cp.Error = `charge: card declined — "карта отклонена" 💳`
	h.checkpoint(cp)
	got := h.wantStatus("order-1", runtime.StatusFailed)
	if got.Error != cp.Error {
		h.t.Errorf("Get().Error = %q, want %q", got.Error, cp.Error)
	}
}

func testPayloadLargeFrame(h *harness) {
	inst := h.start("order-1", "worker-a")
	frame := bigFrame(1 << 20)
	h.checkpoint(step(inst, 1, frame))
	if got := h.get("order-1"); !bytes.Equal(got.Frame, frame) {
		h.t.Fatalf("Get().Frame = %d bytes, want the %d committed", len(got.Frame), len(frame))
	}
	h.checkpoint(suspend(inst, 2, runtime.StatusReady))
	got := h.claimID("worker-b", "order-1", longLease)
	if string(got.Frame) != "frame2" {
		h.t.Fatalf("Claim().Frame = %q, want frame2", got.Frame)
	}
	h.checkpoint(step(got, 3, frame))
	got = h.get("order-1")
	if !bytes.Equal(got.Frame, frame) {
		h.t.Fatalf("Get().Frame after a second large checkpoint = %d bytes, want the %d committed", len(got.Frame), len(frame))
	}
}

// testPayloadBinary round-trips every byte value through each binary field
// and Unicode through the strings.
func testPayloadBinary(h *harness) {
	bin := allBytes()
	const id, name = "订单-42/ü", "批准 ✓"
	inst := h.createInstance(&runtime.Instance{ID: id, Workflow: workflow, Version: version, Frame: bin})
	if !bytes.Equal(inst.Frame, bin) {
		h.t.Errorf("Create().Frame = %x, want %x", inst.Frame, bin)
	}
	inst = h.claimID("worker-a", id, longLease)
	if !bytes.Equal(inst.Frame, bin) {
		h.t.Errorf("Claim().Frame = %x, want %x", inst.Frame, bin)
	}
	h.checkpoint(wait(inst, 1, name, time.Time{}))
	h.signal(id, name, bin)
	got := h.claimID("worker-b", id, longLease)
	sig := h.wantSignal(got, name, bin)
	cp := step(got, 2, bin)
	cp.ConsumeSignal = sig.ID
	cp.Event.Detail = bin
	cp.Event.Name = name
	h.checkpoint(cp)
	if got := h.get(id); !bytes.Equal(got.Frame, bin) {
		h.t.Errorf("Get().Frame = %x, want %x", got.Frame, bin)
	}
	evs := h.history(id)
	if last := evs[len(evs)-1]; !bytes.Equal(last.Detail, bin) || last.Name != name {
		h.t.Errorf("History() last = %+v, want detail %x name %q", last, bin, name)
	}
}
