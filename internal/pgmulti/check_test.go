package pgmulti_test

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/durablegen/durable/internal/pgmulti"
	"github.com/durablegen/durable/internal/pgmulti/flow"
	"github.com/durablegen/durable/runtime"
)

// The checks below are pure functions of what the tests read from the
// database and from the workers' traces, so that check_unit_test.go can
// show that each of them catches what it is meant to.

// problems collects what a check found wrong.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func stepKey(id string, seq int64) string { return fmt.Sprintf("%s/%d", id, seq) }

// instanceRow is a row of the instances table.
type instanceRow struct {
	ID     string
	Status runtime.Status
	Seq    int64
	Output []byte
	Error  string
}

// historyRow is a row of the history table.
type historyRow struct {
	ID   string
	Seq  int64
	Kind string
	Name string
}

// checkOutcomes checks that each instance of steps (ID → steps of its
// input) completed with the output of its steps and n+1 checkpoints.
func checkOutcomes(steps map[string]int, insts []instanceRow) problems {
	var p problems
	if len(insts) != len(steps) {
		p.add("instances table has %d rows, want %d", len(insts), len(steps))
	}
	for _, inst := range insts {
		n, ok := steps[inst.ID]
		switch {
		case !ok:
			p.add("instance %s was never started", inst.ID)
			continue
		case inst.Status != runtime.StatusCompleted:
			p.add("instance %s: status %s, want %s (error %q)", inst.ID, inst.Status, runtime.StatusCompleted, inst.Error)
			continue
		}
		var out flow.Output
		if err := (runtime.JSONCodec{}).Unmarshal(inst.Output, &out); err != nil {
			p.add("instance %s: decode output %q: %v", inst.ID, inst.Output, err)
		} else if want := (flow.Output{Steps: n, Sum: n * (n - 1) / 2}); out != want {
			p.add("instance %s: output %+v, want %+v", inst.ID, out, want)
		}
		if inst.Seq != int64(n+1) {
			p.add("instance %s: seq %d, want %d (%d steps and the completion)", inst.ID, inst.Seq, n+1, n)
		}
	}
	return p
}

// checkHistory checks the history (ordered by instance and seq): per
// instance, sequence numbers 1..n without gaps, one step event per step
// and exactly one complete event, last. It returns the committed steps:
// step key → step name.
func checkHistory(steps map[string]int, events []historyRow) (map[string]string, problems) {
	var p problems
	committed := map[string]string{}
	byID := map[string][]historyRow{}
	for _, ev := range events {
		byID[ev.ID] = append(byID[ev.ID], ev)
	}
	for _, id := range slices.Sorted(maps.Keys(steps)) {
		evs := byID[id]
		nsteps, completes := 0, 0
		for i, ev := range evs {
			if ev.Seq != int64(i+1) {
				p.add("history of %s: event %d has seq %d, want %d", id, i, ev.Seq, i+1)
			}
			switch ev.Kind {
			case "step":
				nsteps++
				committed[stepKey(id, ev.Seq)] = ev.Name
			case "complete":
				completes++
			default:
				p.add("history of %s: seq %d is a %q event, want step or complete", id, ev.Seq, ev.Kind)
			}
		}
		if completes != 1 || len(evs) == 0 || evs[len(evs)-1].Kind != "complete" {
			p.add("history of %s: %d complete events in %d, want exactly one, last", id, completes, len(evs))
		}
		if nsteps != steps[id] {
			p.add("history of %s: %d step events, want %d", id, nsteps, steps[id])
		}
	}
	return committed, p
}

// runID names one run of an instance: its claim, by epoch. Every claim
// increments the epoch, so a run is the same in every worker's trace.
type runID struct {
	id    string
	epoch int64
}

func compareRuns(a, b runID) int {
	return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.epoch, b.epoch))
}

// run is what a worker's trace says about one of its runs.
type run struct {
	owner    string
	start    int64 // the instance's seq at the claim
	last     int64 // the last seq the run committed
	finished bool  // it committed a status that released the instance
	failures int   // failed commits and heartbeats
}

// cut reports whether the run stopped without releasing the instance: a
// crash, a stop, a lost lease or a store error cut it, and the step after
// its last commit may have run without being committed.
func (r *run) cut() bool { return !r.finished }

// commit is a successful commit in a trace.
type commit struct {
	runID
	seq   int64
	owner string
}

// readRuns reads the workers' traces (owner → events) into runs and
// checks the commits they report: every commit belongs to a run claimed
// in the same trace and follows its previous one, no epoch was claimed
// twice, no (instance, seq) was committed twice, no commit failed as a
// duplicate, and every run was fenced (see checkFencing).
func readRuns(traces map[string][]pgmulti.Event) (map[runID]*run, problems) {
	var p problems
	runs := map[runID]*run{}
	var commits []commit
	seen := map[string]string{} // step key → owner that committed it
	for _, owner := range slices.Sorted(maps.Keys(traces)) {
		for _, ev := range traces[owner] {
			if ev.Op == pgmulti.OpClaim && ev.Err != "" {
				continue
			}
			k := runID{ev.ID, ev.Epoch}
			r := runs[k]
			if ev.Op == pgmulti.OpClaim {
				if r != nil {
					p.add("instance %s claimed twice with epoch %d, by %s and by %s", ev.ID, ev.Epoch, r.owner, owner)
				}
				runs[k] = &run{owner: owner, start: ev.Seq, last: ev.Seq}
				continue
			}
			if r == nil || r.owner != owner {
				p.add("%s traced a %s of %s epoch %d that it did not claim", owner, ev.Op, ev.ID, ev.Epoch)
				continue
			}
			if ev.Err != "" {
				r.failures++
				if ev.Duplicate {
					p.add("%s: commit of %s seq %d failed as a duplicate: %s", owner, ev.ID, ev.Seq, ev.Err)
				}
				continue
			}
			if ev.Seq != r.last+1 {
				p.add("%s committed %s seq %d with epoch %d after seq %d", owner, ev.ID, ev.Seq, ev.Epoch, r.last)
			}
			r.last = ev.Seq
			r.finished = ev.Status != runtime.StatusRunning
			key := stepKey(ev.ID, ev.Seq)
			if prev, dup := seen[key]; dup {
				p.add("checkpoint %s committed twice, by %s and by %s", key, prev, owner)
			}
			seen[key] = owner
			commits = append(commits, commit{k, ev.Seq, owner})
		}
	}
	return runs, append(p, checkFencing(runs, commits)...)
}

// checkFencing checks that no run committed after a newer claim of the
// same instance started: a commit of epoch e at seq s needs s <= the
// starting seq of every claim of the instance with an epoch above e.
func checkFencing(runs map[runID]*run, commits []commit) problems {
	var p problems
	claims := map[string][]runID{}
	for k := range runs {
		claims[k.id] = append(claims[k.id], k)
	}
	for _, c := range commits {
		for _, later := range claims[c.id] {
			if r := runs[later]; later.epoch > c.epoch && c.seq > r.start {
				p.add("%s committed %s seq %d with epoch %d after %s claimed it with epoch %d at seq %d: not fenced",
					c.owner, c.id, c.seq, c.epoch, r.owner, later.epoch, r.start)
			}
		}
	}
	return p
}

// takeover returns the claim that took instance k.id over from run k: the
// next epoch in the traces.
func takeover(runs map[runID]*run, k runID) *run {
	var next *run
	var nextEpoch int64
	for other, r := range runs {
		if other.id == k.id && other.epoch > k.epoch && (next == nil || other.epoch < nextEpoch) {
			next, nextEpoch = r, other.epoch
		}
	}
	return next
}

// inFlight returns the step keys at which runs were cut.
func inFlight(runs map[runID]*run) map[string]bool {
	keys := map[string]bool{}
	for k, r := range runs {
		if r.cut() {
			keys[stepKey(k.id, r.last+1)] = true
		}
	}
	return keys
}

// checkCutRuns checks that only runs of the disturbed workers were cut,
// and returns how many runs were cut.
func checkCutRuns(runs map[runID]*run, disturbed ...string) (int, problems) {
	var p problems
	n := 0
	for _, k := range slices.SortedFunc(maps.Keys(runs), compareRuns) {
		r := runs[k]
		if !r.cut() {
			continue
		}
		n++
		if !slices.Contains(disturbed, r.owner) {
			p.add("run of %s (epoch %d) by %s was cut after seq %d, but %s was not disturbed (%d failed store calls)",
				k.id, k.epoch, r.owner, r.last, r.owner, r.failures)
		}
	}
	return n, p
}

// checkLedger checks the ledger's executions against the committed steps:
// every committed step ran, every execution belongs to a committed step of
// the same name, and a step ran more than once only if a run was cut
// while it was in flight. It returns the number of re-executions.
func checkLedger(committed map[string]string, executions []flow.Execution, inFlight map[string]bool) (int, problems) {
	var p problems
	byKey := map[string][]flow.Execution{}
	for _, x := range executions {
		byKey[x.StepKey] = append(byKey[x.StepKey], x)
		name, ok := committed[x.StepKey]
		switch {
		case !ok:
			p.add("ledger: step %s (%s) ran on %s but was never committed", x.StepKey, x.Step, x.Owner)
		case name != x.Step:
			p.add("ledger: step %s ran as %s, committed as %s", x.StepKey, x.Step, name)
		}
	}
	reruns := 0
	for _, key := range slices.Sorted(maps.Keys(committed)) {
		xs := byKey[key]
		switch {
		case len(xs) == 0:
			p.add("ledger: committed step %s never ran", key)
		case len(xs) > 1 && !inFlight[key]:
			p.add("ledger: step %s ran %d times (%s), but no run was cut while it was in flight", key, len(xs), describe(xs))
		}
		reruns += max(len(xs)-1, 0)
	}
	return reruns, p
}

func describe(xs []flow.Execution) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "attempt %d on %s", x.Attempt, x.Owner)
	}
	return b.String()
}

// committers returns the worker that committed each checkpoint in the
// traces (owner → events): step key → owner.
func committers(traces map[string][]pgmulti.Event) map[string]string {
	by := map[string]string{}
	for owner, evs := range traces {
		for _, ev := range evs {
			if ev.Op == pgmulti.OpCommit && ev.Err == "" {
				by[stepKey(ev.ID, ev.Seq)] = owner
			}
		}
	}
	return by
}

// checkStartedAfterResume checks that the worker owner, stopped and then
// resumed at resumed, started no step after it resumed whose checkpoint
// another worker committed: that step belonged to a run the stopped
// worker lost while it was stopped (a claim or commit in flight across
// the stop may answer late), and the worker must find itself fenced
// before it starts anything more on it. It returns how many steps the
// worker started after it resumed.
func checkStartedAfterResume(execs []flow.Execution, owner string, resumed time.Time, committedBy map[string]string) (int, problems) {
	var p problems
	n := 0
	for _, x := range execs {
		if x.Owner != owner || !x.Started.After(resumed) {
			continue
		}
		n++
		if by := committedBy[x.StepKey]; by != owner {
			p.add("step %s (%s) started on the stopped %s %v after it resumed, but %s committed it: it ran on a lease the worker had lost",
				x.StepKey, x.Step, owner, x.Started.Sub(resumed).Round(time.Millisecond), orUncommitted(by))
		}
	}
	return n, p
}

func orUncommitted(owner string) string {
	if owner == "" {
		return "no worker"
	}
	return owner
}

// checkStopped checks the runs that the worker owner had open when it was
// stopped: claimed and not released in its trace before the stop (in
// before). The stop may fall between a commit and its trace line, so a
// run open in the trace may have released its instance before the stop;
// it then has no takeover (the test resumed the worker only once none of
// its instances was running) or one that started after its last commit.
// Every other open run was taken over while the worker was stopped, and
// after SIGCONT (in after) it must have failed with ErrFenced, before any
// other failure, and committed nothing after the seq the takeover started
// from. It returns how many runs the worker lost to takeovers and how
// many of its calls were fenced after SIGCONT.
func checkStopped(runs map[runID]*run, owner string, before, after []pgmulti.Event) (lost, fenced int, p problems) {
	open := map[runID]bool{}
	for _, ev := range before {
		k := runID{ev.ID, ev.Epoch}
		switch {
		case ev.Op == pgmulti.OpClaim && ev.Err == "":
			open[k] = true
		case ev.Err != "" || ev.Status != runtime.StatusRunning:
			delete(open, k)
		}
	}
	resumed := map[runID][]pgmulti.Event{}
	for _, ev := range after {
		if ev.Fenced {
			fenced++
		}
		if k := (runID{ev.ID, ev.Epoch}); open[k] {
			resumed[k] = append(resumed[k], ev)
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(open), compareRuns) {
		taker := takeover(runs, k)
		if r := runs[k]; r.finished && (taker == nil || r.last <= taker.start) {
			continue // released before the stop, traced after it
		}
		if taker == nil {
			p.add("run of %s (epoch %d) on the stopped %s was neither released nor taken over", k.id, k.epoch, owner)
			continue
		}
		lost++
		wasFenced := false
		for _, ev := range resumed[k] {
			switch {
			case ev.Err == "" && ev.Seq > taker.start:
				p.add("run of %s (epoch %d) on the stopped %s committed seq %d after SIGCONT; %s had taken it over at seq %d",
					k.id, k.epoch, owner, ev.Seq, taker.owner, taker.start)
			case ev.Fenced:
				wasFenced = true
			case ev.Err != "" && !wasFenced:
				p.add("run of %s (epoch %d) on the stopped %s: after SIGCONT its %s failed with %q, want ErrFenced first",
					k.id, k.epoch, owner, ev.Op, ev.Err)
			}
		}
		if !wasFenced {
			p.add("run of %s (epoch %d) on the stopped %s: no commit or heartbeat failed with ErrFenced after SIGCONT", k.id, k.epoch, owner)
		}
	}
	if lost == 0 {
		p.add("worker %s lost no run to a takeover while it was stopped", owner)
	}
	return lost, fenced, p
}
