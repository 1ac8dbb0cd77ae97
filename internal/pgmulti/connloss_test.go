package pgmulti_test

import (
	"maps"
	mathrand "math/rand/v2"
	"slices"
	"testing"
	"time"
)

const (
	lossInstances = 200
	lossLease     = time.Second
	lossDeadline  = 60 * time.Second
)

// TestConnectionLoss runs 200 instances on two worker processes and,
// twice during the run, terminates every database session of the workers'
// store (pg_terminate_backend on the sessions with this test's
// application_name; restarting the shared server is not safe here). The
// workers must log, back off and continue: every instance completes,
// nothing committed before a termination is lost, and a step ran twice
// only if a run was cut, by a failed store call, while it was in flight.
func TestConnectionLoss(t *testing.T) {
	e := newEnv(t, lossLease)
	rng := mathrand.New(mathrand.NewPCG(*seed, *seed+1))
	e.startInstances(lossInstances, 10*time.Millisecond, rng)
	deadline := time.Now().Add(lossDeadline)
	start := time.Now()
	workers := []*worker{e.startWorker("w0", 8), e.startWorker("w1", 8)}

	var terminated []int
	var before []historyRow // committed before the last termination
	for _, at := range []int{lossInstances / 4, 3 * lossInstances / 5} {
		e.waitCompleted(at, deadline)
		var err error
		if before, err = query[historyRow](e, historySQL); err != nil {
			t.Fatal(err)
		}
		terminated = append(terminated, e.terminateSessions())
	}
	e.waitCompleted(lossInstances, deadline)
	elapsed := time.Since(start)
	e.stopAll()

	v := e.verify()
	e.report(checkKept(before, v.history))
	failed, cut := e.checkRecovered(v.runs, workers)
	t.Logf("seed %d: %d instances, %d steps committed, in %v on 2 workers (lease %v)",
		*seed, lossInstances, len(v.committed), elapsed.Round(time.Millisecond), lossLease)
	t.Logf("sessions terminated: %v; %d store calls failed, %d runs cut, %d warnings logged",
		terminated, failed, cut, warnings(workers))
	t.Logf("%d step executions for %d committed steps: %d re-executions", v.executions, len(v.committed), v.reruns)
	e.reportBatches()
	if t.Failed() {
		t.Log(e.stderrs())
	}
}

// terminateSessions terminates the workers' store sessions (those with
// the test's application_name; the ledger's and the test's own have
// others) and returns how many there were; it fails the test if there were
// none.
func (e *env) terminateSessions() int {
	e.t.Helper()
	n, err := query[struct{ N int }](e,
		"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", e.app)
	if err != nil {
		e.t.Fatalf("terminate the sessions of %s: %v", e.app, err)
	}
	if n[0].N == 0 {
		e.t.Fatalf("no session with application_name %s to terminate", e.app)
	}
	return n[0].N
}

// checkRecovered checks that the connection losses hit the workers (some
// store call failed and they logged it) and that every run cut short had
// a failed store call. It returns the number of failed calls and of cut
// runs.
func (e *env) checkRecovered(runs map[runID]*run, workers []*worker) (failed, cut int) {
	e.t.Helper()
	for _, w := range workers {
		for _, ev := range w.events(e.t) {
			if ev.Err != "" {
				failed++
			}
		}
	}
	if failed == 0 {
		e.t.Errorf("no store call failed in %d workers after their sessions were terminated", len(workers))
	}
	if warnings(workers) == 0 {
		e.t.Errorf("the workers logged no warning after their sessions were terminated")
	}
	for _, k := range slices.SortedFunc(maps.Keys(runs), compareRuns) {
		if r := runs[k]; r.cut() {
			cut++
			if r.failures == 0 {
				e.t.Errorf("run of %s (epoch %d) by %s was cut after seq %d without a failed store call", k.id, k.epoch, r.owner, r.last)
			}
		}
	}
	return failed, cut
}

// checkKept checks that every history row of before is in after.
func checkKept(before, after []historyRow) problems {
	var p problems
	kept := map[historyRow]bool{}
	for _, ev := range after {
		kept[ev] = true
	}
	for _, ev := range before {
		if !kept[ev] {
			p.add("history of %s: seq %d (%s %s), committed before the sessions were terminated, is gone", ev.ID, ev.Seq, ev.Kind, ev.Name)
		}
	}
	return p
}

func warnings(workers []*worker) int {
	n := 0
	for _, w := range workers {
		n += w.warnings()
	}
	return n
}
