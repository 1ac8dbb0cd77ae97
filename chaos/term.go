package main

import (
	"sync"
	"syscall"
	"time"

	"github.com/durablegen/durable/chaos/trace"
)

// termScenarios: 12, graceful shutdown (SIGTERM) mid-run, also while a
// claim is in flight, with steps longer than the shutdown timeout.
func termScenarios() []*scenario {
	short := plan{
		duration: 8 * time.Second, every: 700 * time.Millisecond, faults: 6,
		lease: 3 * time.Second, poll: 50 * time.Millisecond, workers: 4, concurrency: 64,
		active: 150, steps: 12, work: 400 * time.Millisecond, shutdown: 300 * time.Millisecond, settle: 60 * time.Second,
	}
	long := short
	long.duration, long.faults = 5*time.Minute, 200
	return perStore("sigterm", "workers SIGTERMed mid-run and while a claim is in flight, with steps of 0.2-0.6 s cut by a 0.3 s shutdown timeout",
		short, long, runTerm)
}

// runTerm terminates a random worker about every p.every, half the time
// at once and half the time while its next claim is in flight; the keeper
// starts another in its place.
func runTerm(e *env, p plan) (judge, error) {
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	e.fleet.onFault = e.fired(func() time.Duration { return 0 }, &wg)
	bg := background(e, p, true)
	e.nemesis(p, p.every, func() {
		w := e.pick(e.idle)
		switch {
		case w == nil:
		case e.rngInt(2) == 0:
			at := time.Now()
			if w.signal(syscall.SIGTERM) {
				e.logFault(fault{kind: "term", owner: w.owner, at: at})
			}
		default:
			e.arm(w, trace.Fault{Action: trace.Term, Point: trace.DuringClaim})
		}
	})
	if err := bg.finish(p.settle); err != nil {
		return nil, err
	}
	wg.Wait()
	return func(ev *evidence, f *figures) []verdict {
		unclean := 0
		for _, pt := range ev.procs {
			if pt.status.Signaled() || pt.status.ExitStatus() != 0 {
				unclean++
				f.example("unclean exits", "%s: %v", pt.owner, pt.status)
			}
		}
		return []verdict{
			atLeast("terminations", len(ev.faults), p.faults),
			zero("unclean exits", unclean),
			within("slowest recovery", f.slowest, f.bound("term")),
		}
	}, nil
}
