package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/durablegen/durable/chaos/trace"
)

// killScenarios: scenario 1, SIGKILL soak, and 11, throughput under it.
func killScenarios() []*scenario {
	short := plan{
		duration: 20 * time.Second, every: 130 * time.Millisecond, faults: 100,
		lease: time.Second, poll: 50 * time.Millisecond, workers: 4, concurrency: 96,
		active: 200, steps: 20, work: 15 * time.Millisecond, shutdown: time.Second, settle: 90 * time.Second,
	}
	long := short
	long.duration, long.every, long.faults = 12*time.Minute, 650*time.Millisecond, 1000
	return perStore("sigkill", "4 workers SIGKILLed at random and restarted, half of the kills inside the commit window, under 200 workflows of 20 steps in flight",
		short, long, runSigkill)
}

// runSigkill keeps the mixed workload in flight, first without faults for
// a quarter of the duration (the throughput baseline), then kills a
// random worker about every p.every: half the time at once, half the
// time at its next commit (before, during or after it).
func runSigkill(e *env, p plan) (judge, error) {
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	e.fleet.onFault = e.fired(func() time.Duration { return p.pause }, &wg)
	points := []trace.Point{trace.BeforeCommit, trace.DuringCommit, trace.AfterCommit}
	bg := background(e, p, true)
	free := max(5*time.Second, p.duration/4)
	t0 := time.Now()
	time.Sleep(free)
	t1 := time.Now()
	e.nemesis(p, p.every, func() {
		w := e.pick(e.idle)
		switch {
		case w == nil:
		case e.rngInt(2) == 0:
			e.kill(w)
		default:
			e.arm(w, trace.Fault{Action: trace.Kill, Point: points[e.rngInt(int64(len(points)))]})
		}
	})
	t2 := time.Now()
	if err := bg.finish(p.settle); err != nil {
		return nil, err
	}
	wg.Wait()
	return func(ev *evidence, f *figures) []verdict {
		kills := 0
		for _, n := range f.faults {
			kills += n
		}
		freeRate := commitRate(ev, t0.Add(2*time.Second), t1)
		faultRate := commitRate(ev, t1, t2)
		ratio := faultRate / max(freeRate, 1e-9)
		rate := float64(kills) / t2.Sub(t1).Seconds()
		e.figure("throughput", "%.0f checkpoints/s under %.1f kills/s, %.0f fault-free (%.0f%%)", faultRate, rate, freeRate, 100*ratio)
		out := []verdict{
			atLeast("kills", kills, p.faults),
			within("slowest recovery", f.slowest, f.bound("kill")),
		}
		// Every kill idles the quarter of the instances its worker held
		// for a lease: judged at the soak's rate (the long profile's 1.5
		// a second), not at the CI profile's, which packs 100 kills into
		// 20 s.
		if rate <= 2 {
			out = append(out, verdict{name: "throughput under faults", ok: ratio >= 0.5, got: fmt.Sprintf("%.0f%%", 100*ratio), want: ">= 50% of fault-free"})
		}
		return out
	}, nil
}

// commitRate returns the successful commits per second traced in [from, to).
func commitRate(ev *evidence, from, to time.Time) float64 {
	n := 0
	a, b := from.UnixNano(), to.UnixNano()
	for _, p := range ev.procs {
		for _, x := range p.events {
			if x.Op == trace.OpCommit && x.Err == "" && x.At >= a && x.At < b {
				n++
			}
		}
	}
	return float64(n) / to.Sub(from).Seconds()
}

// running is what runs beside a scenario's nemesis: the workload feeder
// (if asked), the fleet keeper and the store sampler.
type running struct {
	e        *env
	stopFeed chan struct{}
	stopRest chan struct{}
	wg       sync.WaitGroup
	feedErr  error
}

// background starts the keeper and the sampler, and the feeder if feed.
func background(e *env, p plan, feed bool) *running {
	r := &running{e: e, stopFeed: make(chan struct{}), stopRest: make(chan struct{})}
	if feed {
		r.wg.Go(func() { r.feedErr = e.feed(r.stopFeed, p) })
	}
	r.wg.Go(func() { tick(r.stopRest, 10*time.Millisecond, func() { e.fleet.keep(20 * time.Millisecond) }) })
	r.wg.Go(func() { tick(r.stopRest, 100*time.Millisecond, e.sample) })
	return r
}

// finish stops feeding, waits up to settle for the instances in flight to
// finish, and stops the rest.
func (r *running) finish(settle time.Duration) error {
	close(r.stopFeed)
	r.e.settle(settle)
	close(r.stopRest)
	r.wg.Wait()
	return r.feedErr
}
