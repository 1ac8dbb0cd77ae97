package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/durablegen/durable/runtime"
)

// runsCases check the optional [runtime.Continuer] capability: a
// checkpoint that continues the instance as new. A store without it
// skips them.
func runsCases() []testCase {
	return []testCase{
		{"Runs/FirstRun", testRunsFirst},
		{"Runs/Continue", testContinue},
		{"Runs/ContinueAgain", testContinueAgain},
		{"Runs/ContinueFlushed", testContinueFlushed},
		{"Runs/ContinueSignals", testContinueSignals},
		{"Runs/ContinueFenced", testContinueFenced},
		{"Runs/ContinueInvalid", testContinueInvalid},
		{"Runs/Kept", testRunsKept},
	}
}

// continuer returns the store's Continuer capability, or skips the test.
func (h *harness) continuer() runtime.Continuer {
	h.t.Helper()
	c, ok := h.s.(runtime.Continuer)
	if !ok {
		h.t.Skipf("%T does not implement runtime.Continuer, an optional capability: nothing to check", h.s)
	}
	return c
}

func (h *harness) runs(id string) []runtime.Run {
	h.t.Helper()
	runs, err := h.continuer().Runs(h.ctx, id)
	if err != nil {
		h.t.Fatalf("Runs(%s) error = %v, want nil", id, err)
	}
	return runs
}

// continuation returns the checkpoint of inst at seq that continues it
// as new with input.
func continuation(inst *runtime.Instance, seq int64, input string) *runtime.Checkpoint {
	return &runtime.Checkpoint{
		ID:       inst.ID,
		Epoch:    inst.Epoch,
		Seq:      seq,
		Frame:    []byte("first frame of " + input),
		Status:   runtime.StatusReady,
		Continue: &runtime.Continuation{Input: []byte(input)},
		Event:    runtime.Event{Seq: seq, Kind: "continue", Detail: []byte(input)},
	}
}

// steps commits running checkpoints from+1..to of inst.
func (h *harness) steps(inst *runtime.Instance, from, to int64) {
	h.t.Helper()
	for seq := from + 1; seq <= to; seq++ {
		h.checkpoint(step(inst, seq, []byte(fmt.Sprintf("frame%d", seq))))
	}
}

func testRunsFirst(h *harness) {
	h.continuer()
	h.create("r1")
	if got := h.get("r1").Run; got != 1 {
		h.t.Errorf("Get(r1).Run = %d for a new instance, want 1", got)
	}
	if got := h.runs("r1"); len(got) != 0 {
		h.t.Errorf("Runs(r1) = %v for a new instance, want none", got)
	}
	_, err := h.continuer().Runs(h.ctx, "missing")
	if !errors.Is(err, runtime.ErrNotFound) {
		h.t.Errorf("Runs(missing) error = %v, want ErrNotFound", err)
	}
}

// testContinue checks one continuation: same ID, next run number, fresh
// frame and history, a summary of the run that ended, runnable again.
func testContinue(h *harness) {
	h.continuer()
	before := time.Now()
	inst := h.start("c1", "worker-a")
	h.steps(inst, 0, 2)
	h.checkpoint(continuation(inst, 3, "in2"))

	got := h.wantStatus("c1", runtime.StatusReady)
	if got.Run != 2 || got.Seq != 3 || string(got.Frame) != "first frame of in2" || got.Owner != "" || len(got.Output) != 0 || got.Error != "" {
		h.t.Errorf("Get(c1) after continuing = run %d seq %d frame %q owner %q output %q error %q, want run 2 seq 3 frame %q, no owner, output or error",
			got.Run, got.Seq, got.Frame, got.Owner, got.Output, got.Error, "first frame of in2")
	}
	evs := h.history("c1")
	if len(evs) != 1 || evs[0].Seq != 3 || evs[0].Kind != "continue" || string(evs[0].Detail) != "in2" {
		h.t.Errorf("History(c1) after continuing = %v, want only the continue event at seq 3", kinds(evs))
	}
	runs := h.runs("c1")
	if len(runs) != 1 {
		h.t.Fatalf("Runs(c1) = %d runs, want 1", len(runs))
	}
	r := runs[0]
	if r.Run != 1 || r.Seq != 2 || string(r.Output) != "in2" {
		h.t.Errorf("Runs(c1)[0] = run %d seq %d output %q, want run 1 seq 2 output %q", r.Run, r.Seq, r.Output, "in2")
	}
	if r.StartedAt.IsZero() || r.EndedAt.Before(r.StartedAt) || !sameInstant(r.StartedAt, got.CreatedAt) {
		h.t.Errorf("Runs(c1)[0] started %v ended %v, want started at the instance's creation %v and ended after", r.StartedAt, r.EndedAt, got.CreatedAt)
	}
	if r.EndedAt.Before(before.Add(-time.Minute)) || r.EndedAt.After(time.Now().Add(time.Minute)) {
		h.t.Errorf("Runs(c1)[0].EndedAt = %v, want about now", r.EndedAt)
	}
	// The next run is claimed like any ready instance, under a new epoch.
	next := h.claimID("worker-b", "c1", longLease)
	if next.Epoch <= inst.Epoch || string(next.Frame) != "first frame of in2" || next.Seq != 3 {
		h.t.Errorf("Claim(c1) after continuing = epoch %d seq %d frame %q, want epoch > %d, seq 3, the new frame", next.Epoch, next.Seq, next.Frame, inst.Epoch)
	}
	h.checkpoint(step(next, 4, []byte("frame4")))
	if evs := h.history("c1"); len(evs) != 2 || evs[1].Seq != 4 {
		h.t.Errorf("History(c1) = %v, want the continue event then seq 4", kinds(evs))
	}
}

// sameInstant compares times as stores keep them (microseconds at least).
func sameInstant(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Microsecond && d < time.Microsecond
}

// testContinueAgain continues twice: the runs are numbered and chained,
// each history holds its own run's events only.
func testContinueAgain(h *harness) {
	h.continuer()
	inst := h.start("c2", "worker-a")
	h.steps(inst, 0, 1)
	h.checkpoint(continuation(inst, 2, "in2"))
	inst = h.claimID("worker-a", "c2", longLease)
	h.steps(inst, 2, 4)
	h.checkpoint(continuation(inst, 5, "in3"))
	got := h.get("c2")
	if got.Run != 3 || got.Seq != 5 {
		h.t.Errorf("Get(c2) = run %d seq %d, want run 3 seq 5", got.Run, got.Seq)
	}
	if evs := h.history("c2"); len(evs) != 1 || evs[0].Seq != 5 {
		h.t.Errorf("History(c2) = %v, want only the continue event at seq 5", kinds(evs))
	}
	runs := h.runs("c2")
	if len(runs) != 2 || runs[0].Run != 1 || runs[1].Run != 2 || runs[0].Seq != 1 || runs[1].Seq != 4 ||
		string(runs[0].Output) != "in2" || string(runs[1].Output) != "in3" {
		h.t.Fatalf("Runs(c2) = %+v, want run 1 (seq 1, in2) then run 2 (seq 4, in3)", runs)
	}
	if !sameInstant(runs[1].StartedAt, runs[0].EndedAt) {
		h.t.Errorf("Runs(c2)[1].StartedAt = %v, want the end of run 1, %v", runs[1].StartedAt, runs[0].EndedAt)
	}
	// The instance finishes in its third run like any other.
	inst = h.claimID("worker-a", "c2", longLease)
	cp := suspend(inst, 6, runtime.StatusCompleted)
	cp.Output = []byte("done")
	h.checkpoint(cp)
	if got := h.wantStatus("c2", runtime.StatusCompleted); got.Run != 3 || string(got.Output) != "done" {
		h.t.Errorf("Get(c2) = run %d output %q, want run 3 output %q", got.Run, got.Output, "done")
	}
}

// testContinueFlushed continues after enough checkpoints that some
// events were moved out of the instance's row: none survives.
func testContinueFlushed(h *harness) {
	h.continuer()
	inst := h.start("c3", "worker-a")
	h.steps(inst, 0, 40)
	h.checkpoint(continuation(inst, 41, "in2"))
	if evs := h.history("c3"); len(evs) != 1 || evs[0].Seq != 41 {
		h.t.Errorf("History(c3) after 40 steps and a continuation = %d events %v, want only the continue event", len(evs), kinds(evs))
	}
	inst = h.claimID("worker-a", "c3", longLease)
	h.steps(inst, 41, 80)
	evs := h.history("c3")
	if len(evs) != 40 || evs[0].Seq != 41 || evs[39].Seq != 80 {
		h.t.Errorf("History(c3) = %d events, want 40: seq 41..80", len(evs))
	}
}

// testContinueSignals: a signal the ended run consumed is gone; one it
// did not consume waits for the next run.
func testContinueSignals(h *harness) {
	h.continuer()
	h.create("c4")
	h.signal("c4", "tick", []byte("1"))
	inst := h.claimID("worker-a", "c4", longLease)
	h.checkpoint(wait(inst, 1, "tick", time.Time{})) // ready: tick is pending
	inst = h.claimID("worker-a", "c4", longLease)
	if inst.Signal == nil || string(inst.Signal.Payload) != "1" {
		h.t.Fatalf("Claim(c4).Signal = %v, want tick 1", inst.Signal)
	}
	cp := step(inst, 2, []byte("frame2"))
	cp.ConsumeSignal = inst.Signal.ID
	h.checkpoint(cp)
	h.signal("c4", "tick", []byte("2"))
	h.checkpoint(continuation(inst, 3, "in2"))

	inst = h.claimID("worker-a", "c4", longLease)
	h.checkpoint(wait(inst, 4, "tick", time.Time{}))
	h.wantStatus("c4", runtime.StatusReady) // tick 2 is still pending
	inst = h.claimID("worker-a", "c4", longLease)
	if inst.Signal == nil || string(inst.Signal.Payload) != "2" {
		h.t.Fatalf("Claim(c4).Signal in the next run = %v, want tick 2 (tick 1 was consumed)", inst.Signal)
	}
}

// testContinueFenced: a continuation under a stale epoch changes nothing.
func testContinueFenced(h *harness) {
	h.continuer()
	inst := h.start("c5", "worker-a")
	h.steps(inst, 0, 1)
	stale := *inst
	stale.Epoch--
	h.checkpointErr(continuation(&stale, 2, "in2"), runtime.ErrFenced)
	got := h.get("c5")
	if got.Run != 1 || got.Seq != 1 || string(got.Frame) != "frame1" {
		h.t.Errorf("Get(c5) after a fenced continuation = run %d seq %d frame %q, want run 1 seq 1 frame1", got.Run, got.Seq, got.Frame)
	}
	if runs := h.runs("c5"); len(runs) != 0 {
		h.t.Errorf("Runs(c5) after a fenced continuation = %v, want none", runs)
	}
	if evs := h.history("c5"); len(evs) != 1 {
		h.t.Errorf("History(c5) after a fenced continuation = %v, want the step's event only", kinds(evs))
	}
	// Committed once, a retried continuation commits nothing more.
	h.checkpoint(continuation(inst, 2, "in2"))
	if err := h.s.Checkpoint(h.ctx, continuation(inst, 2, "in2")); err == nil {
		h.t.Errorf("Checkpoint(continuation) again error = nil, want an error")
	}
	if runs := h.runs("c5"); len(runs) != 1 {
		h.t.Errorf("Runs(c5) after a retried continuation = %d runs, want 1", len(runs))
	}
}

// testContinueInvalid: a continuation must be a plain ready checkpoint.
func testContinueInvalid(h *harness) {
	h.continuer()
	inst := h.start("c6", "worker-a")
	for _, tc := range []struct {
		name string
		edit func(cp *runtime.Checkpoint)
	}{
		{"running", func(cp *runtime.Checkpoint) { cp.Status = runtime.StatusRunning }},
		{"completed", func(cp *runtime.Checkpoint) { cp.Status = runtime.StatusCompleted }},
		{"consuming a signal", func(cp *runtime.Checkpoint) { cp.ConsumeSignal = 1 }},
		{"changing the version", func(cp *runtime.Checkpoint) { cp.Version = "v2" }},
	} {
		cp := continuation(inst, 1, "in2")
		tc.edit(cp)
		if err := h.s.Checkpoint(h.ctx, cp); err == nil {
			h.t.Errorf("Checkpoint(continuation %s) error = nil, want an error", tc.name)
		}
	}
	if got := h.get("c6"); got.Run != 1 || got.Seq != 0 || got.Status != runtime.StatusRunning {
		h.t.Errorf("Get(c6) after refused continuations = run %d seq %d %s, want run 1 seq 0 running", got.Run, got.Seq, got.Status)
	}
}

// testRunsKept: the store keeps the most recent KeptRuns summaries.
func testRunsKept(h *harness) {
	h.continuer()
	h.create("c7")
	n := runtime.KeptRuns + 3
	for i := 1; i <= n; i++ {
		inst := h.claimID("worker-a", "c7", longLease)
		h.checkpoint(continuation(inst, int64(i), fmt.Sprintf("in%d", i+1)))
	}
	runs := h.runs("c7")
	if len(runs) != runtime.KeptRuns {
		h.t.Fatalf("Runs(c7) after %d continuations = %d runs, want %d", n, len(runs), runtime.KeptRuns)
	}
	if first, last := runs[0], runs[len(runs)-1]; first.Run != n-runtime.KeptRuns+1 || last.Run != n || !bytes.Equal(last.Output, []byte(fmt.Sprintf("in%d", n+1))) {
		h.t.Errorf("Runs(c7) = runs %d..%d (last output %q), want %d..%d", first.Run, last.Run, last.Output, n-runtime.KeptRuns+1, n)
	}
	if got := h.get("c7").Run; got != n+1 {
		h.t.Errorf("Get(c7).Run = %d, want %d", got, n+1)
	}
}
