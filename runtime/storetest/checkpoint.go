package storetest

import (
	"errors"
	"time"

	"github.com/durablegen/durable/runtime"
)

func checkpointCases() []testCase {
	return []testCase{
		{"Checkpoint/Commit", testCheckpointCommit},
		{"Checkpoint/WrongEpoch", testCheckpointWrongEpoch},
		{"Checkpoint/FencedAfterTakeover", testCheckpointFencedAfterTakeover},
		{"Checkpoint/FencedAfterLeaseExpiry", testCheckpointFencedAfterExpiry},
		{"Checkpoint/DuplicateSeq", testCheckpointDuplicateSeq},
		{"Checkpoint/RetryAfterCommit", testCheckpointRetryAfterCommit},
		{"Checkpoint/Release", testCheckpointRelease},
		{"Checkpoint/NotClaimed", testCheckpointNotClaimed},
		{"Checkpoint/Version", testCheckpointVersion},
		{"Checkpoint/Wake", testCheckpointWake},
		{"Heartbeat/Extends", testHeartbeatExtends},
		{"Heartbeat/FencedAfterTakeover", testHeartbeatFencedAfterTakeover},
		{"Timer/NotDue", testTimerNotDue},
		{"Timer/Due", testTimerDue},
		{"Timer/FiresLater", testTimerFiresLater},
		{"Timer/AwaitTimeout", testTimerAwaitTimeout},
	}
}

func testCheckpointCommit(h *harness) {
	inst := h.start("order-1", "worker-a")
	h.checkpoint(step(inst, 1, []byte("frame1")))
	cp := step(inst, 2, []byte("frame2"))
	cp.Attempt = 3
	h.checkpoint(cp)
	got := h.wantStatus("order-1", runtime.StatusRunning)
	if string(got.Frame) != "frame2" || got.Seq != 2 || got.Attempt != 3 {
		h.t.Errorf("Get() = frame %q seq %d attempt %d, want frame2 2 3", got.Frame, got.Seq, got.Attempt)
	}
	if got.Owner != "worker-a" || got.Epoch != inst.Epoch || !got.LeaseUntil.Equal(inst.LeaseUntil) {
		h.t.Errorf("Get() = owner %q epoch %d lease %v, want the claim kept: worker-a %d %v",
			got.Owner, got.Epoch, got.LeaseUntil, inst.Epoch, inst.LeaseUntil)
	}
	h.claimNone("while running")
}

func testCheckpointWrongEpoch(h *harness) {
	inst := h.start("order-1", "worker-a")
	for _, epoch := range []int64{inst.Epoch - 1, inst.Epoch + 1, 0} {
		cp := step(inst, 1, []byte("stale"))
		cp.Epoch = epoch
		h.checkpointErr(cp, runtime.ErrFenced)
	}
	if got := h.get("order-1"); got.Seq != 0 || string(got.Frame) != "frame0" {
		h.t.Errorf("Get() after fenced checkpoints = seq %d frame %q, want 0 %q", got.Seq, got.Frame, "frame0")
	}
	h.checkpoint(step(inst, 1, []byte("frame1")))
}

// testCheckpointFencedAfterExpiry: a worker whose lease expired cannot
// commit, even before another worker takes the instance over. (A heartbeat
// may still renew a lease no one else claimed; the epoch fences it after a
// takeover.)
func testCheckpointFencedAfterExpiry(h *harness) {
	h.create("order-1")
	a := h.claimID("worker-a", "order-1", shortLease)
	h.checkpoint(step(a, 1, []byte("by a")))
	time.Sleep(3 * shortLease)
	h.checkpointErr(step(a, 2, []byte("late a")), runtime.ErrFenced)
	b := h.waitClaim("worker-b", "order-1", longLease)
	if b.Seq != 1 || string(b.Frame) != "by a" {
		h.t.Errorf("takeover Claim() = seq %d frame %q, want 1 %q", b.Seq, b.Frame, "by a")
	}
}

func testCheckpointFencedAfterTakeover(h *harness) {
	h.create("order-1")
	a := h.claimID("worker-a", "order-1", shortLease)
	h.checkpoint(step(a, 1, []byte("by a")))
	b := h.waitClaim("worker-b", "order-1", longLease)
	if string(b.Frame) != "by a" || b.Seq != 1 {
		h.t.Errorf("takeover Claim() = frame %q seq %d, want %q 1", b.Frame, b.Seq, "by a")
	}
	h.checkpointErr(step(a, 2, []byte("late a")), runtime.ErrFenced)
	h.checkpointErr(suspend(a, 2, runtime.StatusCompleted), runtime.ErrFenced)
	h.checkpoint(step(b, 2, []byte("by b")))
	if got := h.get("order-1"); string(got.Frame) != "by b" || got.Owner != "worker-b" {
		h.t.Errorf("Get() = frame %q owner %q, want %q worker-b", got.Frame, got.Owner, "by b")
	}
}

func testCheckpointDuplicateSeq(h *harness) {
	inst := h.start("order-1", "worker-a")
	h.checkpoint(step(inst, 1, []byte("frame1")))
	h.checkpointErr(step(inst, 1, []byte("again")), runtime.ErrDuplicateSeq)
	h.checkpointErr(suspend(inst, 1, runtime.StatusCompleted), runtime.ErrDuplicateSeq)
	got := h.wantStatus("order-1", runtime.StatusRunning)
	if string(got.Frame) != "frame1" || got.Seq != 1 {
		h.t.Errorf("Get() after duplicate = frame %q seq %d, want frame1 1", got.Frame, got.Seq)
	}
	if evs := h.history("order-1"); len(evs) != 1 {
		h.t.Errorf("History() = %d events, want 1", len(evs))
	}
	h.checkpoint(step(inst, 2, []byte("frame2")))
}

// testCheckpointRetryAfterCommit checks what a worker that retries a
// checkpoint whose first try committed (its answer lost) relies on: the
// retry commits nothing — it fails with ErrDuplicateSeq when the
// checkpoint kept the lease, ErrFenced when it released it — and the
// instance shows the checkpoint's epoch and sequence number, which tell
// the worker that its first try landed.
func testCheckpointRetryAfterCommit(h *harness) {
	// A checkpoint that consumed a signal, first (ready instances below
	// would be claimed here).
	for _, status := range []runtime.Status{runtime.StatusRunning, runtime.StatusCompleted} {
		id := "signaled-" + string(status)
		h.checkpoint(wait(h.start(id, "worker-a"), 1, "approval", time.Time{}))
		h.signal(id, "approval", []byte("yes"))
		inst := h.claimID("worker-b", id, longLease)
		sig := h.wantSignal(inst, "approval", []byte("yes"))
		cp := suspend(inst, 2, status)
		cp.ConsumeSignal = sig.ID
		h.checkpoint(cp)
		want := runtime.ErrFenced
		if status == runtime.StatusRunning {
			want = runtime.ErrDuplicateSeq
		}
		h.checkpointErr(cp, want)
		if got := h.wantStatus(id, status); got.Epoch != inst.Epoch || got.Seq != 2 {
			h.t.Errorf("Get(%s) after the retry = epoch %d seq %d, want %d 2", id, got.Epoch, got.Seq, inst.Epoch)
		}
	}
	// Ready last: it would be claimed by the next start.
	for _, status := range []runtime.Status{runtime.StatusRunning, runtime.StatusSleeping, runtime.StatusWaiting, runtime.StatusCompleted, runtime.StatusFailed, runtime.StatusReady} {
		id := "order-" + string(status)
		inst := h.start(id, "worker-a")
		h.checkpoint(step(inst, 1, []byte("frame1")))
		cp := suspend(inst, 2, status)
		cp.WakeAt = time.Now().Add(time.Hour)
		cp.AwaitName = "approval"
		h.checkpoint(cp)
		want := runtime.ErrFenced
		if status == runtime.StatusRunning {
			want = runtime.ErrDuplicateSeq
		}
		h.checkpointErr(cp, want)
		got := h.wantStatus(id, status)
		if got.Epoch != inst.Epoch || got.Seq != 2 || string(got.Frame) != "frame2" {
			h.t.Errorf("Get(%s) after the retry = epoch %d seq %d frame %q, want %d 2 frame2", id, got.Epoch, got.Seq, got.Frame, inst.Epoch)
		}
		if evs := h.history(id); len(evs) != 2 {
			h.t.Errorf("History(%s) = %d events, want 2", id, len(evs))
		}
	}
}

// testCheckpointRelease checks that every status but running releases
// the lease.
func testCheckpointRelease(h *harness) {
	for _, status := range []runtime.Status{runtime.StatusReady, runtime.StatusSleeping, runtime.StatusWaiting} {
		id := "order-" + string(status)
		inst := h.start(id, "worker-a")
		cp := suspend(inst, 1, status)
		cp.WakeAt = time.Now().Add(time.Hour)
		cp.AwaitName = "approval"
		h.checkpoint(cp)
		got := h.wantStatus(id, status)
		if got.Owner != "" {
			h.t.Errorf("Get(%s).Owner = %q after a %s checkpoint, want none", id, got.Owner, status)
		}
		h.checkpointErr(step(inst, 2, nil), runtime.ErrFenced)
		if status == runtime.StatusReady {
			h.claimID("worker-b", id, longLease)
		}
	}
	h.claimNone("of suspended instances")
}

func testCheckpointNotClaimed(h *harness) {
	inst := h.create("order-1")
	h.checkpointErr(step(inst, 1, nil), runtime.ErrFenced)
	h.wantStatus("order-1", runtime.StatusReady)
}

func testHeartbeatExtends(h *harness) {
	h.create("order-1")
	inst := h.claimID("worker-a", "order-1", shortLease)
	if err := h.s.Heartbeat(h.ctx, "order-1", inst.Epoch, longLease); err != nil {
		h.t.Fatalf("Heartbeat() error = %v, want nil", err)
	}
	got := h.get("order-1")
	if !got.LeaseUntil.After(inst.LeaseUntil.Add(longLease / 2)) {
		h.t.Errorf("Get().LeaseUntil = %v after Heartbeat(%v), want about %v", got.LeaseUntil, longLease, inst.Now.Add(longLease))
	}
	time.Sleep(2 * shortLease) // the first lease would have expired by now
	h.claimNone("after the heartbeat")
	if err := h.s.Heartbeat(h.ctx, "order-1", inst.Epoch+1, longLease); !errors.Is(err, runtime.ErrFenced) {
		h.t.Errorf("Heartbeat(wrong epoch) error = %v, want %v", err, runtime.ErrFenced)
	}
}

func testHeartbeatFencedAfterTakeover(h *harness) {
	h.create("order-1")
	a := h.claimID("worker-a", "order-1", shortLease)
	b := h.waitClaim("worker-b", "order-1", longLease)
	if err := h.s.Heartbeat(h.ctx, "order-1", a.Epoch, longLease); !errors.Is(err, runtime.ErrFenced) {
		h.t.Errorf("Heartbeat(old epoch) error = %v, want %v", err, runtime.ErrFenced)
	}
	if err := h.s.Heartbeat(h.ctx, "order-1", b.Epoch, longLease); err != nil {
		h.t.Errorf("Heartbeat(new epoch) error = %v, want nil", err)
	}
	if got := h.get("order-1"); got.Owner != "worker-b" || got.Epoch != b.Epoch {
		h.t.Errorf("Get() = owner %q epoch %d, want worker-b %d", got.Owner, got.Epoch, b.Epoch)
	}
}

func testTimerNotDue(h *harness) {
	inst := h.start("order-1", "worker-a")
	cp := suspend(inst, 1, runtime.StatusSleeping)
	cp.WakeAt = time.Now().Add(time.Hour)
	h.checkpoint(cp)
	got := h.wantStatus("order-1", runtime.StatusSleeping)
	if !got.WakeAt.Equal(cp.WakeAt.Truncate(time.Microsecond)) && !got.WakeAt.Equal(cp.WakeAt) {
		h.t.Errorf("Get().WakeAt = %v, want %v", got.WakeAt, cp.WakeAt)
	}
	h.claimNone("before the timer is due")
}

func testTimerDue(h *harness) {
	inst := h.start("order-1", "worker-a")
	cp := suspend(inst, 1, runtime.StatusSleeping)
	cp.WakeAt = time.Now().Add(-time.Second)
	h.checkpoint(cp)
	got := h.claimID("worker-b", "order-1", longLease)
	if got.Epoch != inst.Epoch+1 || string(got.Frame) != "frame1" || got.Seq != 1 {
		h.t.Errorf("Claim() = epoch %d frame %q seq %d, want %d frame1 1", got.Epoch, got.Frame, got.Seq, inst.Epoch+1)
	}
}

func testTimerFiresLater(h *harness) {
	inst := h.start("order-1", "worker-a")
	cp := suspend(inst, 1, runtime.StatusSleeping)
	cp.WakeAt = time.Now().Add(shortLease)
	h.checkpoint(cp)
	got := h.waitClaim("worker-b", "order-1", longLease)
	if got.Now.Before(cp.WakeAt.Add(-time.Millisecond)) {
		h.t.Errorf("Claim().Now = %v, want after WakeAt %v", got.Now, cp.WakeAt)
	}
}

// testTimerAwaitTimeout checks that a wait with a WakeAt is claimable
// when it passes, without a signal, and one without WakeAt never is.
func testTimerAwaitTimeout(h *harness) {
	inst := h.start("order-1", "worker-a")
	h.checkpoint(wait(inst, 1, "approval", time.Now().Add(-time.Second)))
	got := h.claimID("worker-b", "order-1", longLease)
	if got.Signal != nil || got.AwaitName != "approval" {
		h.t.Errorf("Claim() = signal %v await %q, want no signal, awaiting approval", got.Signal, got.AwaitName)
	}
	h.checkpoint(wait(got, 2, "approval", time.Time{}))
	h.claimNone("while waiting without a timeout")
}

// testCheckpointVersion: a checkpoint with a Version moves the instance
// to that version in the same commit (claims by the old key no longer
// find it), a fenced one changes nothing, and a release or a consumed
// signal cannot carry one.
func testCheckpointVersion(h *harness) {
	const newVersion = "v2-resumes-v1"
	newKey := workflow + "@" + newVersion
	inst := h.start("order-1", "worker-a")
	cp := step(inst, 1, []byte("frame1"))
	cp.Version = newVersion
	cp.Epoch = inst.Epoch + 1
	h.checkpointErr(cp, runtime.ErrFenced)
	if got := h.get("order-1"); got.Version != version || got.Seq != 0 {
		h.t.Errorf("Get() after a fenced version change = version %q seq %d, want %q 0", got.Version, got.Seq, version)
	}
	rel := suspend(inst, 1, runtime.StatusReady)
	rel.Version = newVersion
	if err := h.s.Checkpoint(h.ctx, rel); err == nil {
		h.t.Errorf("Checkpoint(release with a Version) error = nil, want an error")
	}
	cp.Epoch = inst.Epoch
	h.checkpoint(cp)
	if got := h.get("order-1"); got.Version != newVersion || got.Seq != 1 || string(got.Frame) != "frame1" {
		h.t.Errorf("Get() after the version change = version %q seq %d frame %q, want %q 1 frame1", got.Version, got.Seq, got.Frame, newVersion)
	}
	h.checkpoint(suspend(inst, 2, runtime.StatusReady))
	if got := h.claim("worker-b", longLease, 10, key); len(got) != 0 {
		h.t.Errorf("Claim(%s) = %v after the version change, want none", key, ids(got))
	}
	if got := h.claim("worker-b", longLease, 10, newKey); len(got) != 1 || got[0].Version != newVersion {
		h.t.Errorf("Claim(%s) = %v, want order-1 at version %s", newKey, ids(got), newVersion)
	}
}

// testCheckpointWake: a store that is a runtime.ParentWaker commits a
// terminal checkpoint's Wake signal with it: the parent waiting for it
// becomes ready with the signal pending; a missing or finished instance
// to wake does not fail the commit; a fenced checkpoint wakes nobody; a
// running checkpoint cannot carry one.
func testCheckpointWake(h *harness) {
	if _, ok := h.s.(runtime.ParentWaker); !ok {
		return // the runtime sends the signal itself
	}
	const name = "$child:parent/child-1"
	parent := h.start("parent", "worker-a")
	h.checkpoint(wait(parent, 1, name, time.Now().Add(time.Hour)))
	child := h.start("parent/child-1", "worker-a")
	run := step(child, 1, []byte("f1"))
	run.Wake = &runtime.WakeSignal{ID: "parent", Name: name}
	if err := h.s.Checkpoint(h.ctx, run); err == nil {
		h.t.Errorf("Checkpoint(running, with a Wake) error = nil, want an error")
	}
	done := suspend(child, 1, runtime.StatusCompleted)
	done.Wake = &runtime.WakeSignal{ID: "parent", Name: name}
	done.Epoch = child.Epoch + 1
	h.checkpointErr(done, runtime.ErrFenced)
	if got := h.get("parent"); got.Status != runtime.StatusWaiting {
		h.t.Errorf("parent after a fenced wake = %s, want waiting", got.Status)
	}
	done.Epoch = child.Epoch
	h.checkpoint(done)
	got := h.waitClaim("worker-b", "parent", longLease)
	if got.Signal == nil || got.Signal.Name != name {
		h.t.Errorf("Claim(parent) signal = %+v, want %s pending", got.Signal, name)
	}
	for _, id := range []string{"nobody", "parent"} { // missing; then finished
		if id == "parent" {
			h.checkpoint(suspend(got, 2, runtime.StatusCompleted))
		}
		other := h.start("other-"+id, "worker-a")
		cp := suspend(other, 1, runtime.StatusFailed)
		cp.Wake = &runtime.WakeSignal{ID: id, Name: name}
		h.checkpoint(cp)
	}
}
