package main

import (
	"sync"
	"time"

	"github.com/durablegen/durable/chaos/trace"
)

// stopScenarios: 13, stale workers stopped at random instants; 2,
// lease holders stopped past their lease; 3, an owner and two recovering
// workers racing on the same instances. PostgreSQL only: a stopped SQLite
// worker may hold the database's write lock, which stops every worker.
func stopScenarios() []*scenario {
	stale := plan{
		duration: 8 * time.Second, every: 300 * time.Millisecond, faults: 5,
		lease: time.Second, poll: 50 * time.Millisecond, workers: 4, concurrency: 128,
		active: 200, steps: 20, work: 15 * time.Millisecond, shutdown: time.Second, settle: 60 * time.Second,
	}
	staleLong := stale
	staleLong.duration, staleLong.faults = 6*time.Minute, 250
	pause := stale
	pause.duration, pause.faults, pause.pause = 8*time.Second, 2, 2*time.Second
	pauseLong := pause
	pauseLong.duration, pauseLong.faults = 25*time.Minute, 500
	race := stale
	race.duration = 14 * time.Second // enough stops for the 60 takeover races it wants, on a loaded machine too
	race.workers, race.active, race.steps, race.work, race.every, race.faults = 3, 60, 200, 5*time.Millisecond, 500*time.Millisecond, 60
	raceLong := race
	raceLong.duration, raceLong.faults = 12*time.Minute, 10_000
	return []*scenario{
		{name: "stale/postgres", store: onPostgres, short: stale, long: staleLong, run: runStale,
			about: "workers SIGSTOPped at random instants, and with a commit or a claim in flight, for 0.5-3 leases"},
		{name: "pause/postgres", store: onPostgres, short: pause, long: pauseLong, run: runPause,
			about: "a lease holder SIGSTOPped for 2 leases, then SIGCONT, one at a time"},
		{name: "race/postgres", store: onPostgres, short: race, long: raceLong, run: runRace,
			about: "the owner of long instances stopped for about one lease, so that it resumes as two other workers race to take them over"},
	}
}

// runStale stops a random worker about every p.every, at most two at a
// time, for 0.5 to 3 leases: a quarter at once, the rest at their next
// commit (while it is in flight, or right after it) or claim.
func runStale(e *env, p plan) (judge, error) {
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	pauseFor := func() time.Duration { return p.lease/2 + time.Duration(e.rngInt(int64(5*p.lease/2))) }
	e.fleet.onFault = e.fired(pauseFor, &wg)
	points := []trace.Point{trace.DuringCommit, trace.AfterCommit, trace.DuringClaim}
	bg := background(e, p, true)
	e.nemesis(p, p.every, func() {
		if e.stoppedCount() >= 2 {
			return
		}
		w := e.pick(e.idle)
		switch r := e.rngInt(4); {
		case w == nil:
		case r == 0:
			e.stopNow(w, pauseFor(), &wg)
		default:
			e.arm(w, trace.Fault{Action: trace.Stop, Point: points[r-1]})
		}
	})
	wg.Wait()
	if err := bg.finish(p.settle); err != nil {
		return nil, err
	}
	return func(ev *evidence, f *figures) []verdict {
		return []verdict{
			atLeast("stops", len(ev.faults), p.faults),
			within("slowest recovery", f.slowest, f.bound("stop")),
		}
	}, nil
}

// runPause stops one worker at a time for exactly p.pause (two leases),
// then resumes it and lets it run for about a lease before the next.
func runPause(e *env, p plan) (judge, error) {
	err := stopEach(e, p, p.lease, func() *proc { return e.pick(e.idle) }, func() time.Duration { return p.pause })
	if err != nil {
		return nil, err
	}
	return func(ev *evidence, f *figures) []verdict {
		return []verdict{
			atLeast("stops", len(ev.faults), p.faults),
			{name: "stale writes rejected", ok: f.staleRejected > 0, got: itoa(f.staleRejected), want: "> 0 (the stops landed)"},
			within("slowest recovery", f.slowest, f.bound("stop")),
		}
	}, nil
}

// runRace keeps a few long instances running on three workers and
// repeatedly stops the worker that holds the most of them for about one
// lease (0.9 to 1.2), so that it resumes just as the two others race to
// take them over.
func runRace(e *env, p plan) (judge, error) {
	err := stopEach(e, p, p.every, e.busiest, func() time.Duration { return 9*p.lease/10 + time.Duration(e.rngInt(int64(3*p.lease/10))) })
	if err != nil {
		return nil, err
	}
	return func(ev *evidence, f *figures) []verdict {
		races := 0
		traces := map[string][]trace.Event{}
		for _, pt := range ev.procs {
			traces[pt.owner] = pt.events
		}
		for _, x := range ev.faults {
			races += len(openRuns(traces[x.owner], x.at.UnixNano()))
		}
		e.figure("takeover races", "%d (instances held by a worker when it was stopped)", races)
		return []verdict{atLeast("takeover races", races, p.faults)}
	}, nil
}

// stopEach keeps the mixed workload in flight and, about every d, stops
// the worker pick returns for pause(), one at a time.
func stopEach(e *env, p plan, d time.Duration, pick func() *proc, pause func() time.Duration) error {
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return err
	}
	var wg sync.WaitGroup
	bg := background(e, p, true)
	e.nemesis(p, d, func() {
		if w := pick(); w != nil {
			e.stopNow(w, pause(), &wg)
			wg.Wait()
		}
	})
	return bg.finish(p.settle)
}

// busiest returns the running worker whose trace shows the most runs
// open now.
func (e *env) busiest() *proc {
	var best *proc
	most := 0
	now := time.Now().UnixNano()
	for slot := range e.fleet.slots {
		p := e.fleet.current(slot)
		if n := len(openRuns(p.trace(), now)); p.alive() && e.idle(p) && n > most {
			best, most = p, n
		}
	}
	return best
}
