package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/durablegen/durable/chaos/load"
	"github.com/durablegen/durable/chaos/trace"
	"github.com/durablegen/durable/runtime"
)

// These tests show that each check of the checker catches what it is
// meant to, on evidence made by hand: a clean run of one instance, then
// that run with one fault planted.

var t0 = time.Unix(1_800_000_000, 0)

// at returns t0 plus ms milliseconds, in Unix nanoseconds.
func at(ms int) int64 { return t0.Add(time.Duration(ms) * time.Millisecond).UnixNano() }

// cleanRun is instance "a" of two steps run by worker w0 (epoch 1): each
// step executed once, then committed; then the completion.
func cleanRun() *evidence {
	in := load.Input{Steps: 2}
	out, _ := json.Marshal(load.Output{Steps: 2, Sum: 1})
	return &evidence{
		started: map[string]load.Input{"a": in},
		insts:   map[string]*runtime.Instance{"a": {ID: "a", Status: runtime.StatusCompleted, Seq: 3, Output: out}},
		history: map[string][]runtime.Event{"a": {{Seq: 1, Kind: "step", Name: "Step"}, {Seq: 2, Kind: "step", Name: "Step"}, {Seq: 3, Kind: "complete"}}},
		execs: []load.Execution{
			{Key: "a/1", Instance: "a", Seq: 1, Step: "Step", Index: 0, Owner: "w0", Epoch: 1, At: at(10)},
			{Key: "a/2", Instance: "a", Seq: 2, Step: "Step", Index: 1, Owner: "w0", Epoch: 1, At: at(30)},
		},
		procs: []procTrace{{owner: "w0", events: []trace.Event{
			{Op: trace.OpClaim, Sent: at(0), At: at(1), ID: "a", Epoch: 1},
			{Op: trace.OpCommit, Sent: at(20), At: at(21), ID: "a", Epoch: 1, Seq: 1, Status: runtime.StatusRunning},
			{Op: trace.OpCommit, Sent: at(40), At: at(41), ID: "a", Epoch: 1, Seq: 2, Status: runtime.StatusRunning},
			{Op: trace.OpCommit, Sent: at(50), At: at(51), ID: "a", Epoch: 1, Seq: 3, Status: runtime.StatusCompleted},
		}}},
		lease: time.Second, poll: 50 * time.Millisecond,
	}
}

// figureOf reads the figure a test is about.
var figureOf = map[string]func(f *figures) int{
	"double commits":                     func(f *figures) int { return f.doubleCommits },
	"stale writes accepted":              func(f *figures) int { return f.staleAccepted },
	"stale writes rejected":              func(f *figures) int { return f.staleRejected },
	"lost":                               func(f *figures) int { return f.lost },
	"stranded":                           func(f *figures) int { return f.stranded },
	"healthy instances failed as poison": func(f *figures) int { return f.abortedOut },
	"parents not woken":                  func(f *figures) int { return f.unwoken },
	"committed steps run again":          func(f *figures) int { return f.reruns },
	"step keys changed":                  func(f *figures) int { return f.keyChanges },
	"timers fired early":                 func(f *figures) int { return f.early },
	"slow recoveries":                    func(f *figures) int { return len(f.examples["slow recoveries"]) },
}

func TestCheckClean(t *testing.T) {
	f := check(cleanRun())
	for name, get := range figureOf {
		if n := get(f); n != 0 {
			t.Errorf("clean run: %s = %d, want 0 (%v)", name, n, f.examples[name])
		}
	}
}

func TestCheckCatches(t *testing.T) {
	w1 := func(ev *evidence, events ...trace.Event) {
		ev.procs = append(ev.procs, procTrace{owner: "w1", events: events})
	}
	tests := []struct {
		figure string
		plant  func(ev *evidence)
	}{
		{"double commits", func(ev *evidence) {
			w1(ev, trace.Event{Op: trace.OpCommit, Sent: at(22), At: at(23), ID: "a", Epoch: 2, Seq: 1, Status: runtime.StatusRunning})
		}},
		{"double commits", func(ev *evidence) { // an epoch claimed twice
			w1(ev, trace.Event{Op: trace.OpClaim, Sent: at(5), At: at(6), ID: "a", Epoch: 1})
		}},
		{"stale writes accepted", func(ev *evidence) { // w1 claimed epoch 2 at seq 1; w0's epoch-1 commit of seq 2 landed after
			w1(ev, trace.Event{Op: trace.OpClaim, Sent: at(25), At: at(26), ID: "a", Epoch: 2, Seq: 1})
		}},
		{"stale writes rejected", func(ev *evidence) {
			w1(ev, trace.Event{Op: trace.OpCommit, Sent: at(60), At: at(61), ID: "a", Epoch: 2, Seq: 3, Err: "fenced", Fenced: true})
		}},
		{"lost", func(ev *evidence) { delete(ev.insts, "a") }},
		{"lost", func(ev *evidence) { ev.insts["a"].Output = []byte(`{"Steps":2,"Sum":7}`) }},
		{"lost", func(ev *evidence) { ev.history["a"] = ev.history["a"][1:] }},
		{"lost", func(ev *evidence) { ev.execs = ev.execs[1:] }}, // a committed step that never ran
		{"lost", func(ev *evidence) { ev.kept = []runtime.Event{{Name: "a", Seq: 4, Kind: "step"}} }},
		{"stranded", func(ev *evidence) { ev.insts["a"].Status = runtime.StatusRunning }},
		{"healthy instances failed as poison", func(ev *evidence) {
			ev.insts["a"].Status, ev.insts["a"].Error = runtime.StatusFailed, "instance a: its last 3 runs ended without committing anything (...); failed rather than run again (WorkerOptions.MaxAbortedRuns)"
		}},
		{"lost", func(ev *evidence) { // failed, for another reason
			ev.insts["a"].Status, ev.insts["a"].Error = runtime.StatusFailed, "boom"
		}},
		{"parents not woken", func(ev *evidence) {
			ev.insts["a"].Status, ev.insts["a"].AwaitName = runtime.StatusWaiting, childAwait+"a/child-2"
			ev.insts["a/child-2"] = &runtime.Instance{ID: "a/child-2", Status: runtime.StatusCompleted}
		}},
		{"committed steps run again", func(ev *evidence) { // step 2 started again after its commit at 41 ms
			ev.execs = append(ev.execs, load.Execution{Key: "a/2", Instance: "a", Seq: 2, Step: "Step", Index: 1, Owner: "w1", Epoch: 2, At: at(45)})
		}},
		{"step keys changed", func(ev *evidence) {
			ev.execs = append(ev.execs, load.Execution{Key: "a/3", Instance: "a", Seq: 3, Step: "Step", Index: 1, Owner: "w1", Epoch: 2, At: at(35)})
		}},
		{"timers fired early", func(ev *evidence) { // a 100 ms sleep after step 0, but step 1 started 20 ms after it
			in := ev.started["a"]
			in.SleepEvery, in.Sleep = 1, 100*time.Millisecond
			ev.started["a"] = in
		}},
		{"slow recoveries", func(ev *evidence) { // w0 killed at 25 ms holding "a"; w1's takeover sent 5 s later
			ev.faults = []fault{{kind: "kill", owner: "w0", at: time.Unix(0, at(25))}}
			ev.procs[0].events = ev.procs[0].events[:2]
			w1(ev, trace.Event{Op: trace.OpClaim, Sent: at(5025), At: at(5026), ID: "a", Epoch: 2, Seq: 1},
				trace.Event{Op: trace.OpCommit, Sent: at(5040), At: at(5041), ID: "a", Epoch: 2, Seq: 2, Status: runtime.StatusRunning},
				trace.Event{Op: trace.OpCommit, Sent: at(5050), At: at(5051), ID: "a", Epoch: 2, Seq: 3, Status: runtime.StatusCompleted})
		}},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%d %s", i, tc.figure), func(t *testing.T) {
			ev := cleanRun()
			tc.plant(ev)
			f := check(ev)
			if n := figureOf[tc.figure](f); n == 0 {
				t.Errorf("%s = 0 with the fault planted, want > 0", tc.figure)
			}
		})
	}
}

// TestCheckHandBack: a step cut at shutdown is handed back (a "release"
// commit, seq 2) and run again by the next worker under the key of its
// first attempt (a/2), then committed at seq 3: nothing is lost or run
// again, though the step's key and its result's sequence numbers differ.
func TestCheckHandBack(t *testing.T) {
	in := load.Input{Steps: 2}
	out, _ := json.Marshal(load.Output{Steps: 2, Sum: 1})
	ev := &evidence{
		started: map[string]load.Input{"a": in},
		insts:   map[string]*runtime.Instance{"a": {ID: "a", Status: runtime.StatusCompleted, Seq: 4, Output: out}},
		history: map[string][]runtime.Event{"a": {{Seq: 1, Kind: "step", Name: "Step"}, {Seq: 2, Kind: "release"}, {Seq: 3, Kind: "step", Name: "Step"}, {Seq: 4, Kind: "complete"}}},
		execs: []load.Execution{
			{Key: "a/1", Instance: "a", Seq: 1, Step: "Step", Index: 0, Owner: "w0", Epoch: 1, At: at(10)},
			{Key: "a/2", Instance: "a", Seq: 2, Step: "Step", Index: 1, Owner: "w0", Epoch: 1, At: at(30)},
			{Key: "a/2", Instance: "a", Seq: 2, Step: "Step", Index: 1, Owner: "w1", Epoch: 2, At: at(70)},
		},
		procs: []procTrace{
			{owner: "w0", events: []trace.Event{
				{Op: trace.OpClaim, Sent: at(0), At: at(1), ID: "a", Epoch: 1},
				{Op: trace.OpCommit, Sent: at(20), At: at(21), ID: "a", Epoch: 1, Seq: 1, Status: runtime.StatusRunning},
				{Op: trace.OpCommit, Sent: at(50), At: at(51), ID: "a", Epoch: 1, Seq: 2, Status: runtime.StatusReady},
			}},
			{owner: "w1", events: []trace.Event{
				{Op: trace.OpClaim, Sent: at(60), At: at(61), ID: "a", Epoch: 2, Seq: 2},
				{Op: trace.OpCommit, Sent: at(80), At: at(81), ID: "a", Epoch: 2, Seq: 3, Status: runtime.StatusRunning},
				{Op: trace.OpCommit, Sent: at(90), At: at(91), ID: "a", Epoch: 2, Seq: 4, Status: runtime.StatusCompleted},
			}},
		},
		lease: time.Second, poll: 50 * time.Millisecond,
	}
	f := check(ev)
	for name, get := range figureOf {
		if n := get(f); n != 0 && name != "stale writes rejected" {
			t.Errorf("%s = %d, want 0: %v", name, n, f.examples[name])
		}
	}
	// The same execution after the step's result committed is a rerun.
	ev.execs = append(ev.execs, load.Execution{Key: "a/2", Instance: "a", Seq: 2, Step: "Step", Index: 1, Owner: "w1", Epoch: 2, At: at(85)})
	if f := check(ev); f.reruns == 0 {
		t.Errorf("committed steps run again = 0 after a/2 ran past its result's commit at seq 3, want > 0")
	}
}

// TestCheckTakeoverInTime: a takeover within the bound is measured and
// is not slow.
func TestCheckTakeoverInTime(t *testing.T) {
	ev := cleanRun()
	ev.faults = []fault{{kind: "kill", owner: "w0", at: time.Unix(0, at(25))}}
	ev.procs[0].events = ev.procs[0].events[:2]
	ev.procs = append(ev.procs, procTrace{owner: "w1", events: []trace.Event{
		{Op: trace.OpClaim, Sent: at(1100), At: at(1101), ID: "a", Epoch: 2, Seq: 1},
		{Op: trace.OpCommit, Sent: at(1140), At: at(1141), ID: "a", Epoch: 2, Seq: 2, Status: runtime.StatusRunning},
		{Op: trace.OpCommit, Sent: at(1150), At: at(1151), ID: "a", Epoch: 2, Seq: 3, Status: runtime.StatusCompleted},
	}})
	f := check(ev)
	if f.recoveries != 1 || f.slowest != 1075*time.Millisecond || len(f.examples["slow recoveries"]) != 0 {
		t.Errorf("recoveries %d, slowest %v, slow %v; want 1, 1.075s, none", f.recoveries, f.slowest, f.examples["slow recoveries"])
	}
}

// TestCheckSuspendedNotARecovery: a worker killed as its commit of a
// wait for a child landed (untraced) left the instance waiting, not
// orphaned: the claim a minute later is its wake-up, not a takeover,
// though the sampler saw it running under the dead worker after the kill.
func TestCheckSuspendedNotARecovery(t *testing.T) {
	ev := cleanRun()
	ev.history["a"][2] = runtime.Event{Seq: 3, Kind: "child", Name: "Leaf"}
	ev.history["a"] = append(ev.history["a"], runtime.Event{Seq: 4, Kind: "complete"})
	ev.insts["a"].Seq = 4
	ev.faults = []fault{{kind: "kill", owner: "w0", at: time.Unix(0, at(45))}}
	ev.procs[0].events = ev.procs[0].events[:3] // the commit of seq 3 landed, untraced
	ev.held = map[heldKey][]heldSample{{"w0", "a", 1}: {{time.Unix(0, at(46)), 2}}}
	ev.procs = append(ev.procs, procTrace{owner: "w1", events: []trace.Event{
		{Op: trace.OpClaim, Sent: at(60_000), At: at(60_001), ID: "a", Epoch: 2, Seq: 3},
		{Op: trace.OpCommit, Sent: at(60_010), At: at(60_011), ID: "a", Epoch: 2, Seq: 4, Status: runtime.StatusCompleted},
	}})
	if f := check(ev); f.recoveries != 0 {
		t.Errorf("recoveries = %d (slowest %v), want 0: the instance was waiting, not orphaned", f.recoveries, f.slowest)
	}
}
