package main

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/durablegen/durable/chaos/load"
	"github.com/durablegen/durable/chaos/trace"
	"github.com/durablegen/durable/runtime"
)

// evidence is everything a run left behind: the store's tables, the
// ledger, the workers' traces, and what the harness did and saw.
type evidence struct {
	insts    map[string]*runtime.Instance
	history  map[string][]runtime.Event
	execs    []load.Execution
	procs    []procTrace
	started  map[string]load.Input
	signals  map[string]time.Time
	faults   []fault
	held     map[heldKey][]heldSample
	kept     []runtime.Event // history rows (Name holds the instance) read before a database fault
	lease    time.Duration
	poll     time.Duration
	shutdown time.Duration
}

// procTrace is what one worker process traced, and how it ended.
type procTrace struct {
	owner  string
	events []trace.Event
	exit   time.Time
	status syscall.WaitStatus
}

// figures are what the checker measured in a run.
type figures struct {
	faults        map[string]int
	instances     int // started, children included
	checkpoints   int // history rows
	executions    int // ledger rows
	doubleCommits int // a checkpoint committed twice, or an epoch claimed twice
	staleAccepted int // a commit of an epoch that a later claim had superseded
	staleRejected int // fenced commits and heartbeats
	lost          int // instances missing, with a wrong result or history, or a committed step that never ran
	stranded      int // instances not finished when the run ended
	abortedOut    int // healthy instances failed by WorkerOptions.MaxAbortedRuns (their state kept for Client.Retry)
	unwoken       int // parents still waiting for a child that has ended
	reruns        int // executions of a step that started after its checkpoint had committed
	keyChanges    int // steps executed under more than one step key
	early         int // timers that fired before their time
	backwards     int // durable.Now readings that went backwards
	recoveries    int
	slowest       time.Duration // slowest takeover of an instance cut by a fault: until its claim was sent
	slowestAnswer time.Duration // ... and until that claim's answer came back
	slowestKind   string        // the fault of the slowest takeover
	late          []time.Duration
	signalLate    []time.Duration
	childLate     []time.Duration            // from a child's terminal commit to its parent's next claim
	latency       map[string][]time.Duration // of store calls, by operation
	lease, poll   time.Duration              // of the workers
	shutdown      time.Duration
	elapsed       time.Duration // first claim to last commit
	examples      map[string][]string
}

const maxExamples = 5

func (f *figures) example(name, format string, args ...any) {
	if len(f.examples[name]) < maxExamples {
		f.examples[name] = append(f.examples[name], fmt.Sprintf(format, args...))
	}
}

// check measures ev.
func check(ev *evidence) *figures {
	f := &figures{faults: map[string]int{}, examples: map[string][]string{}, latency: map[string][]time.Duration{}, lease: ev.lease, poll: ev.poll, shutdown: ev.shutdown}
	for _, x := range ev.faults {
		f.faults[x.kind]++
	}
	f.instances = len(ev.insts)
	f.executions = len(ev.execs)
	for _, h := range ev.history {
		f.checkpoints += len(h)
	}
	for _, p := range ev.procs {
		for _, e := range p.events {
			if e.Sent != 0 && e.Op != trace.OpHeartbeat { // heartbeats are traced only when they fail
				f.latency[e.Op] = append(f.latency[e.Op], time.Duration(e.At-e.Sent))
			}
		}
	}
	for _, l := range f.latency {
		slices.Sort(l)
	}
	checkOutcomes(ev, f)
	bounds := checkCommits(ev, f)
	checkExecutions(ev, f, bounds)
	checkRecovery(ev, f)
	checkWakeups(ev, f)
	return f
}

// histKey names a checkpoint: instance and sequence number.
type histKey struct {
	id  string
	seq int64
}

// checkOutcomes counts the instances lost (missing, wrong result, broken
// history, committed steps that never ran, rows gone after a database
// fault) and stranded (not finished).
func checkOutcomes(ev *evidence, f *figures) {
	poisoned := map[string]bool{}
	for _, id := range slices.Sorted(maps.Keys(ev.started)) {
		in := ev.started[id]
		inst, ok := ev.insts[id]
		if !ok {
			f.lost++
			f.example("lost", "%s: started, but not in the store", id)
			continue
		}
		if in.Poison != "" {
			poisoned[id] = true
			continue // judged by its scenario
		}
		if !inst.Status.Terminal() {
			continue // counted below
		}
		want, wantErr := load.Expect(in)
		switch {
		case inst.Status == runtime.StatusFailed && strings.Contains(inst.Error, abortedRunsMark) && !strings.Contains(wantErr, abortedRunsMark):
			// Failed with its reason and its frame kept (Client.Retry runs
			// it again), not lost: counted apart.
			f.abortedOut++
			f.example("healthy instances failed as poison", "%s: %s", id, inst.Error)
		case wantErr != "":
			if inst.Status != runtime.StatusFailed || !strings.Contains(inst.Error, wantErr) {
				f.lost++
				f.example("lost", "%s: %s with %q, want failed with %q", id, inst.Status, inst.Error, wantErr)
			}
		case inst.Status != runtime.StatusCompleted:
			f.lost++
			f.example("lost", "%s: %s with %q, want completed", id, inst.Status, inst.Error)
		default:
			var out load.Output
			if err := (runtime.JSONCodec{}).Unmarshal(inst.Output, &out); err != nil {
				f.lost++
				f.example("lost", "%s: output %q: %v", id, inst.Output, err)
				break
			}
			f.backwards += out.Backwards
			out.Backwards = 0
			if out != want {
				f.lost++
				f.example("lost", "%s: output %+v, want %+v", id, out, want)
			}
		}
	}
	ran := map[string]bool{}
	for _, x := range ev.execs {
		ran[x.Key] = true
	}
	for _, id := range slices.Sorted(maps.Keys(ev.insts)) {
		inst := ev.insts[id]
		switch {
		case inst.Status.Terminal(), poisoned[id]:
		case unwoken(inst, ev.insts):
			f.unwoken++
			f.example("parents not woken", "%s: waits for %s, which has ended", id, strings.TrimPrefix(inst.AwaitName, childAwait))
		default:
			f.stranded++
			f.example("stranded", "%s: %s at seq %d (owner %q, epoch %d)", id, inst.Status, inst.Seq, inst.Owner, inst.Epoch)
		}
		h := ev.history[id]
		if int64(len(h)) != inst.Seq {
			f.lost++
			f.example("lost", "%s: %d history rows, seq %d", id, len(h), inst.Seq)
		}
		for i, e := range h {
			if e.Seq != int64(i+1) {
				f.lost++
				f.example("lost", "%s: history row %d has seq %d", id, i, e.Seq)
				break
			}
			if e.Kind == "step" && !ran[fmt.Sprintf("%s/%d", id, stepKeySeq(h, i))] {
				f.lost++
				f.example("lost", "%s: step %s committed at seq %d never ran", id, e.Name, e.Seq)
			}
		}
	}
	now := map[histKey]runtime.Event{}
	for id, h := range ev.history {
		for _, e := range h {
			now[histKey{id, e.Seq}] = e
		}
	}
	for _, k := range ev.kept {
		got, ok := now[histKey{k.Name, k.Seq}]
		if !ok || got.Kind != k.Kind {
			f.lost++
			f.example("lost", "%s: seq %d (%s), committed before a database fault, is gone", k.Name, k.Seq, k.Kind)
		}
	}
}

// abortedRunsMark is in the error of an instance that
// WorkerOptions.MaxAbortedRuns failed.
const abortedRunsMark = "WorkerOptions.MaxAbortedRuns"

// keepsKey reports whether a history event of kind keeps the key of the
// step at its checkpoint: a hand-back ("release") or a suspended retry
// ("retry"), or a move to a later layout ("upgrade"), commits the frame
// under a new sequence number, and the step's
// next attempt runs under the key of its first (runtime.Exec.stepKeySeq).
func keepsKey(kind string) bool { return kind == "release" || kind == "retry" || kind == "upgrade" }

// stepKeySeq returns the sequence number in the key of the step whose
// result is history event h[i]: that of the first of the key-keeping
// events just before it, else its own.
func stepKeySeq(h []runtime.Event, i int) int64 {
	for i > 0 && keepsKey(h[i-1].Kind) {
		i--
	}
	return h[i].Seq
}

// resultSeq returns the sequence number of the event that commits the
// result of the step run under key sequence number seq: the first event
// from seq on that does not keep the key; 0 when none is committed (the
// step's checkpoint has not been passed).
func resultSeq(h []runtime.Event, seq int64) int64 {
	for i := int(seq) - 1; i >= 0 && i < len(h); i++ {
		if h[i].Seq != int64(i+1) {
			return 0 // a gap, reported as lost
		}
		if !keepsKey(h[i].Kind) {
			return h[i].Seq
		}
	}
	return 0
}

// childAwait starts the name of the signal that wakes a parent when its
// child ends (the runtime's, followed by the child's ID).
const childAwait = "$child:"

// unwoken reports whether inst is a parent waiting for a child that has
// ended.
func unwoken(inst *runtime.Instance, insts map[string]*runtime.Instance) bool {
	child, ok := strings.CutPrefix(inst.AwaitName, childAwait)
	if inst.Status != runtime.StatusWaiting || !ok {
		return false
	}
	c, ok := insts[child]
	return ok && c.Status.Terminal()
}

// traced is a claim or commit as traced, with the process that traced it.
type traced struct {
	trace.Event
	owner string
}

// byInstance returns the successful claims and commits of every trace, by
// instance, in time order.
func byInstance(ev *evidence) (claims, commits map[string][]traced) {
	claims, commits = map[string][]traced{}, map[string][]traced{}
	for _, p := range ev.procs {
		for _, e := range p.events {
			switch {
			case e.Err != "" || e.ID == "":
			case e.Op == trace.OpClaim:
				claims[e.ID] = append(claims[e.ID], traced{e, p.owner})
			case e.Op == trace.OpCommit:
				commits[e.ID] = append(commits[e.ID], traced{e, p.owner})
			}
		}
	}
	for _, m := range []map[string][]traced{claims, commits} {
		for _, l := range m {
			slices.SortFunc(l, func(a, b traced) int { return cmp.Compare(a.At, b.At) })
		}
	}
	return claims, commits
}

// fenced returns the commits and heartbeats of p that the store fenced,
// less the heartbeats in flight when their own run released the instance
// (they fail too, fenced from nothing stale).
func fenced(p procTrace) []trace.Event {
	released := map[histKey]int64{} // (instance, epoch) → when this run's releasing commit returned
	for _, e := range p.events {
		if e.Op == trace.OpCommit && e.Err == "" && e.Status != runtime.StatusRunning {
			released[histKey{e.ID, e.Epoch}] = e.At
		}
	}
	var out []trace.Event
	for _, e := range p.events {
		r, ok := released[histKey{e.ID, e.Epoch}]
		if e.Fenced && (e.Op == trace.OpCommit || !ok || r > e.At) {
			out = append(out, e)
		}
	}
	return out
}

// checkCommits counts double commits and claims, stale-epoch commits
// accepted and rejected, and returns for every checkpoint the latest time
// by which it had certainly committed: when its commit returned, or when
// a claim returned that saw it.
func checkCommits(ev *evidence, f *figures) map[histKey]int64 {
	claims, commits := byInstance(ev)
	bounds := map[histKey]int64{}
	bound := func(k histKey, at int64) {
		if b, ok := bounds[k]; !ok || at < b {
			bounds[k] = at
		}
	}
	for _, p := range ev.procs {
		f.staleRejected += len(fenced(p))
	}
	for _, id := range slices.Sorted(maps.Keys(commits)) {
		by := map[int64]traced{}
		for _, c := range commits[id] {
			k := histKey{id, c.Seq}
			if prev, dup := by[c.Seq]; dup {
				f.doubleCommits++
				f.example("double commits", "%s seq %d committed by %s (epoch %d) and by %s (epoch %d)", id, c.Seq, prev.owner, prev.Epoch, c.owner, c.Epoch)
			}
			by[c.Seq] = c
			bound(k, c.At)
			for _, cl := range claims[id] {
				if cl.Epoch > c.Epoch && cl.Seq < c.Seq {
					f.staleAccepted++
					f.example("stale writes accepted", "%s seq %d committed by %s with epoch %d after %s claimed epoch %d at seq %d", id, c.Seq, c.owner, c.Epoch, cl.owner, cl.Epoch, cl.Seq)
					break
				}
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(claims)) {
		epochs := map[int64]string{}
		for _, cl := range claims[id] {
			if prev, dup := epochs[cl.Epoch]; dup {
				f.doubleCommits++
				f.example("double commits", "%s epoch %d claimed by %s and by %s", id, cl.Epoch, prev, cl.owner)
			}
			epochs[cl.Epoch] = cl.owner
			for s := int64(1); s <= cl.Seq; s++ {
				bound(histKey{id, s}, cl.At)
			}
		}
	}
	return bounds
}

// checkExecutions counts the executions of steps that started after their
// checkpoint had committed, and the steps executed under more than one
// key; and the timers that fired early, from the steps around them.
func checkExecutions(ev *evidence, f *figures, bounds map[histKey]int64) {
	type place struct {
		id, step string
		index    int
	}
	keys := map[place]map[string]bool{}
	first := map[place]int64{} // earliest start
	for _, x := range ev.execs {
		if b, ok := bounds[histKey{x.Instance, resultSeq(ev.history[x.Instance], x.Seq)}]; ok && x.At > b {
			f.reruns++
			f.example("committed steps run again", "%s (%s %d) started by %s (epoch %d) %v after its checkpoint had committed",
				x.Key, x.Step, x.Index, x.Owner, x.Epoch, time.Duration(x.At-b).Round(time.Microsecond))
		}
		p := place{x.Instance, x.Step, x.Index}
		if keys[p] == nil {
			keys[p] = map[string]bool{}
			first[p] = x.At
		}
		keys[p][x.Key] = true
	}
	for _, p := range slices.SortedFunc(maps.Keys(keys), func(a, b place) int {
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.step, b.step), cmp.Compare(a.index, b.index))
	}) {
		if len(keys[p]) > 1 {
			f.keyChanges++
			f.example("step keys changed", "%s step %s %d ran under keys %s", p.id, p.step, p.index, strings.Join(slices.Sorted(maps.Keys(keys[p])), ", "))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ev.started)) {
		in := ev.started[id]
		if in.SleepEvery <= 0 {
			continue
		}
		for i := in.SleepEvery - 1; i+1 < in.Steps; i += in.SleepEvery {
			before, ok1 := first[place{id, "Step", i}]
			after, ok2 := first[place{id, "Step", i + 1}]
			if ok1 && ok2 && after < before+int64(in.Sleep) {
				f.early++
				f.example("timers fired early", "%s: step %d started %v after step %d, across a sleep of %v", id, i+1, time.Duration(after-before).Round(time.Millisecond), i, in.Sleep)
			}
		}
	}
}

// bound is how long an instance cut by a fault of kind may wait to be
// taken over: a graceful stop hands it back at once (after the shutdown
// timeout at most, and the hand-back commit's round trip, the longest
// commit of the run), a killed or stopped
// worker's lease must run out first (the lease, plus up to one heartbeat
// interval since it was last extended); then the next claim is sent
// within a poll interval and one claim's round trip (the claim loop is
// sequential: the longest claim of the run, at least 250 ms).
func (f *figures) bound(kind string) time.Duration {
	slack := f.poll + max(250*time.Millisecond, quantile(f.latency[trace.OpClaim], 1))
	if strings.HasPrefix(kind, "term") {
		return f.shutdown + quantile(f.latency[trace.OpCommit], 1) + slack
	}
	return f.lease + f.lease/3 + slack
}

// checkRecovery measures, for every fault that cut a worker's runs, how
// long each instance it held waited until another worker claimed it.
func checkRecovery(ev *evidence, f *figures) {
	claims, commits := byInstance(ev)
	traces := map[string][]trace.Event{}
	for _, p := range ev.procs {
		traces[p.owner] = p.events
	}
	for _, x := range ev.faults {
		if x.owner == "" || !cuts(x.kind) {
			continue
		}
		t := x.at.UnixNano()
		until := x.end
		if until.IsZero() {
			until = x.at.Add(2 * ev.lease)
		}
		runs := openRuns(traces[x.owner], t)
		for k, samples := range ev.held {
			if k.owner != x.owner || runs[k.id].epoch != 0 {
				continue
			}
			for _, s := range samples {
				if !s.at.Before(x.at) && !s.at.After(until) {
					runs[k.id] = openRun{epoch: k.epoch, last: s.seq} // the latest sample in the window wins
				}
			}
		}
		bound := f.bound(x.kind)
		for _, id := range slices.Sorted(maps.Keys(runs)) {
			run := runs[id]
			i := slices.IndexFunc(claims[id], func(c traced) bool { return c.At > t && c.owner != x.owner })
			if i < 0 {
				continue // finished by its owner, or never claimed again (then stranded)
			}
			next := claims[id][i]
			if next.Epoch != run.epoch+1 || !orphaned(ev, commits[id], x.owner, run.last, t, next) {
				continue // another claim came between (its worker died before tracing it), or nothing was left running
			}
			// The takeover is timed to when its claim was sent: how long the
			// claim took to answer is the store's latency, reported apart.
			d := time.Duration(max(0, next.Sent-t))
			f.recoveries++
			if d > f.slowest {
				f.slowest, f.slowestAnswer, f.slowestKind = d, time.Duration(next.At-t), x.kind
			}
			if d > bound {
				f.example("slow recoveries", "%s held by %s at %s: taken over by %s, whose claim was sent %v later (bound %v)", id, x.owner, x.kind, next.owner, d.Round(time.Millisecond), bound)
			}
		}
	}
}

// orphaned reports whether the claim next took over an instance that a
// run of owner cut at time t had left running (and not, say, waiting
// after a commit of that run landed unseen). last is the last sequence
// number the run traced, or the sampler saw it running at.
func orphaned(ev *evidence, commits []traced, owner string, last, t int64, next traced) bool {
	for _, c := range commits {
		if c.owner == owner && c.At > t && c.At < next.At && c.Status != runtime.StatusRunning {
			// The owner came back (or shut down) and released it: handed
			// back ready, it waits for the takeover; otherwise not.
			return c.Status == runtime.StatusReady
		}
	}
	switch next.Seq {
	case last:
		return true
	case last + 1:
		h := ev.history[next.ID]
		if int(next.Seq) > len(h) {
			return false
		}
		switch h[next.Seq-1].Kind {
		case "step", "now", "effect", "all", "select", "checkpoint":
			return true // a commit in flight at the fault landed, and left it running
		}
	}
	return false
}

// cuts reports whether a fault of kind cuts the runs of the worker it
// hits.
func cuts(kind string) bool {
	for _, a := range []string{"kill", "stop", "term", "partition"} {
		if strings.HasPrefix(kind, a) {
			return true
		}
	}
	return false
}

// openRun is a run a trace shows claimed and not released.
type openRun struct {
	epoch int64
	last  int64 // the last sequence number it traced
}

// openRuns returns the runs a trace shows claimed and not released at
// time t, by instance.
func openRuns(events []trace.Event, t int64) map[string]openRun {
	open := map[string]openRun{}
	for _, e := range events {
		if e.At > t {
			break
		}
		switch {
		case e.ID == "":
		case e.Op == trace.OpClaim && e.Err == "":
			open[e.ID] = openRun{e.Epoch, e.Seq}
		case e.Op == trace.OpCommit && (e.Err != "" || e.Status != runtime.StatusRunning):
			delete(open, e.ID)
		case e.Op == trace.OpCommit:
			open[e.ID] = openRun{e.Epoch, e.Seq}
		}
	}
	return open
}

// checkWakeups measures how late sleeping instances were claimed after
// their timer, and waiting ones after their signal was sent.
func checkWakeups(ev *evidence, f *figures) {
	claims, commits := byInstance(ev)
	var first, last int64
	for _, id := range slices.Sorted(maps.Keys(commits)) {
		for _, c := range commits[id] {
			if first == 0 || c.Sent < first {
				first = c.Sent
			}
			last = max(last, c.At)
			if c.Status != runtime.StatusSleeping || c.WakeAt == 0 {
				continue
			}
			if i := slices.IndexFunc(claims[id], func(cl traced) bool { return cl.At > c.At }); i >= 0 {
				f.late = append(f.late, time.Duration(max(0, claims[id][i].At-c.WakeAt)))
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(commits)) {
		parent, _, ok := strings.Cut(id, "/child-")
		if !ok {
			continue
		}
		for _, c := range commits[id] {
			if !c.Status.Terminal() {
				continue
			}
			if i := slices.IndexFunc(claims[parent], func(cl traced) bool { return cl.At > c.At }); i >= 0 {
				d := time.Duration(claims[parent][i].At - c.At)
				f.childLate = append(f.childLate, d)
				if d > lateParent {
					f.example("parents woken late", "%s woken %v after its child %s ended", parent, d.Round(time.Millisecond), id)
				}
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ev.signals)) {
		sent := ev.signals[id].UnixNano()
		waited := slices.ContainsFunc(commits[id], func(c traced) bool { return c.Status == runtime.StatusWaiting && c.At < sent })
		if i := slices.IndexFunc(claims[id], func(cl traced) bool { return cl.At > sent }); waited && i >= 0 {
			f.signalLate = append(f.signalLate, time.Duration(claims[id][i].At-sent))
		}
	}
	slices.Sort(f.late)
	slices.Sort(f.signalLate)
	slices.Sort(f.childLate)
	if last > first {
		f.elapsed = time.Duration(last - first)
	}
}

// lateParent is how long after its child ended a parent may be woken:
// the child's worker signals it at once; a lost signal leaves it to the
// parent's own check of its child, a minute later.
const lateParent = 10 * time.Second

// lateParents counts the parents woken later than lateParent.
func lateParents(f *figures) int {
	n := 0
	for _, d := range f.childLate {
		if d > lateParent {
			n++
		}
	}
	return n
}

// quantile returns the q-quantile of sorted ds, 0 if empty.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)-1, int(q*float64(len(ds))))]
}
