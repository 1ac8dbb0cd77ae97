package pgmulti_test

import (
	"flag"
	mathrand "math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/durablegen/durable/internal/pgmulti"
	"github.com/durablegen/durable/runtime"
)

var seed = flag.Uint64("seed", 1, "seed of the instances' step counts")

const (
	multiInstances = 500
	multiLease     = 2 * time.Second
	// multiStop is how long a worker stays stopped at least: well past its
	// lease, and then until another worker has taken over all its runs.
	multiStop     = 5 * time.Second
	multiDeadline = 90 * time.Second
)

// TestMultiProcess runs 500 instances on three worker processes sharing
// one schema. At 20% it kills one worker with SIGKILL and starts another
// in its place; at 40% it stops a second one with SIGSTOP until its leases
// expired and its runs were taken over, then resumes it, which must find
// itself fenced. Then it checks that every instance completed, that every
// checkpoint was committed exactly once, that the stopped worker committed
// nothing of the runs it lost and started no step of them after SIGCONT
// (a claim or a commit it sent before the stop may answer after it), and
// that a step ran twice only if a run was cut while it was in flight.
func TestMultiProcess(t *testing.T) {
	setup := time.Now()
	e := newEnv(t, multiLease)
	rng := mathrand.New(mathrand.NewPCG(*seed, *seed))
	e.startInstances(multiInstances, 10*time.Millisecond, rng)
	t.Logf("setup (build, schema, %d starts) took %v", multiInstances, time.Since(setup).Round(time.Millisecond))
	deadline := time.Now().Add(multiDeadline)
	start := time.Now()
	w0, w1 := e.startWorker("w0", 8), e.startWorker("w1", 8)
	e.startWorker("w2", 8)

	e.waitCompleted(multiInstances/5, deadline)
	e.waitFor("w0 to run instances", deadline, func() bool { return e.count(runtime.StatusRunning, w0.owner) > 0 })
	e.kill(w0)
	killedRunning := e.count(runtime.StatusRunning, w0.owner)
	e.startWorker("w0-restarted", 8)

	e.waitCompleted(2*multiInstances/5, deadline)
	e.waitFor("w1 to run instances", deadline, func() bool { return e.count(runtime.StatusRunning, w1.owner) > 0 })
	e.signal(w1, syscall.SIGSTOP)
	stoppedAt := time.Now()
	time.Sleep(multiStop)
	e.waitFor("the runs of the stopped w1 to be taken over", deadline, func() bool {
		return e.count(runtime.StatusRunning, w1.owner) == 0
	})
	// w1 wrote nothing while stopped, and its earlier output has been
	// read by now: what follows resume is what it did after SIGCONT.
	resumeAt := w1.trace.Len()
	resumed := time.Now()
	e.signal(w1, syscall.SIGCONT)
	stopped := time.Since(stoppedAt)

	e.waitCompleted(multiInstances, deadline)
	elapsed := time.Since(start)
	e.stopAll()

	v := e.verify()
	cut, p := checkCutRuns(v.runs, w0.owner, w1.owner)
	e.report(p)
	before, err := pgmulti.ParseTrace(w1.trace.Bytes()[:resumeAt])
	if err != nil {
		t.Fatal(err)
	}
	lost, fenced, p := checkStopped(v.runs, w1.owner, before, w1.events(t)[len(before):])
	e.report(p)
	startedAfter, p := checkStartedAfterResume(v.execs, w1.owner, resumed, v.committedBy)
	e.report(p)
	t.Logf("seed %d: %d instances, %d steps committed, in %v on 3 workers (lease %v)",
		*seed, multiInstances, len(v.committed), elapsed.Round(time.Millisecond), multiLease)
	t.Logf("SIGKILL of w0 with %d instances running; SIGSTOP of w1 for %v: %d runs lost to takeover, %d fenced calls after SIGCONT, %d steps started after it",
		killedRunning, stopped.Round(time.Millisecond), lost, fenced, startedAfter)
	t.Logf("%d runs cut by the kill and the stop; %d step executions for %d committed steps: %d re-executions",
		cut, v.executions, len(v.committed), v.reruns)
	e.reportBatches()
	if t.Failed() {
		t.Log(e.stderrs())
	}
}
