package main

import (
	"fmt"
	"time"

	"github.com/durablegen/durable/chaos/load"
)

// clockScenarios: 8, a worker's clock jumped by an hour with timers
// pending. SQLite only: a PostgreSQL store reads the database's clock, and
// a worker reads no clock of its own but the monotonic one, so moving a
// worker's clock there changes nothing the harness can see; the SQLite
// store's clock is its process's wall clock (sqlite.Config.Now, which the
// worker moves on command).
func clockScenarios() []*scenario {
	short := plan{
		duration: 8 * time.Second, every: 1200 * time.Millisecond, faults: 3, // each jump takes 1.1-2.3 s: at least 3 in 8 s
		lease: time.Second, poll: 50 * time.Millisecond, workers: 3, concurrency: 96,
		active: 200, steps: 4, work: 10 * time.Millisecond, pause: 500 * time.Millisecond, shutdown: time.Second, settle: 5 * time.Second,
	}
	long := short
	long.duration, long.active, long.faults = 5*time.Minute, 1000, 100
	return []*scenario{{
		name: "clock/sqlite", store: onSQLite, short: short, long: long, run: runClock,
		about: "a worker's clock jumped 1 h forward or back for 0.5 s, with hundreds of durable timers of 2-8 s pending",
	}}
}

// runClock keeps p.active instances in flight that sleep 2-8 s after each
// step and read durable.Now after each sleep, and about every p.every
// moves one worker's clock by -1 h (+1 h in the last third) for p.pause.
func runClock(e *env, p plan) (judge, error) {
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return nil, err
	}
	bg := background(e, p, false)
	stopFeed := make(chan struct{})
	feedErr := make(chan error, 1)
	go func() {
		feedErr <- e.feedWith(stopFeed, p.active, func() load.Input {
			return load.Input{Steps: p.steps, Work: p.work, SleepEvery: 1, Clock: true, Await: true,
				Sleep: 2*time.Second + time.Duration(e.rngInt(int64(6*time.Second)))}
		})
	}()
	time.Sleep(3 * time.Second) // timers pending
	// Backward jumps first, whose effects show in the instances that
	// complete; forward ones in the last third, whose timers they push an
	// hour away.
	end := time.Now().Add(2 * p.duration / 3)
	e.nemesis(p, p.every, func() {
		w := e.pick(e.idle)
		if w == nil {
			return
		}
		jump := -time.Hour
		if time.Now().After(end) {
			jump = time.Hour
		}
		at := time.Now()
		if !w.command(fmt.Sprintf("clock %v", jump)) {
			return
		}
		time.Sleep(p.pause)
		w.command("clock 0s")
		e.logFault(fault{kind: fmt.Sprintf("clock %+v", jump), owner: w.owner, at: at, end: time.Now()})
	})
	close(stopFeed)
	if err := <-feedErr; err != nil {
		return nil, err
	}
	if err := bg.finish(p.settle); err != nil {
		return nil, err
	}
	return func(ev *evidence, f *figures) []verdict {
		return []verdict{atLeast("clock jumps", len(ev.faults), p.faults)}
	}, nil
}
