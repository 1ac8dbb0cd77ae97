package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/durablegen/durable/chaos/load"
	"github.com/durablegen/durable/runtime"
)

// databaseScenarios: 4, the PostgreSQL server restarted or stopped and
// started under load; 7, the workers' LISTEN connections reset.
func databaseScenarios() []*scenario {
	restart := plan{
		duration: 15 * time.Second, every: 3 * time.Second, faults: 2, // waits of 1.5-4.5 s and restarts of 1-3 s: at least 2 in 15 s
		lease: 5 * time.Second, poll: 50 * time.Millisecond, workers: 4, concurrency: 96,
		active: 200, steps: 20, work: 20 * time.Millisecond, shutdown: time.Second, settle: 60 * time.Second,
	}
	restartLong := restart
	restartLong.duration, restartLong.faults = 12*time.Minute, 100
	listen := plan{
		duration: 8 * time.Second, every: 1500 * time.Millisecond, faults: 3,
		lease: 2 * time.Second, poll: 2 * time.Second, workers: 2, concurrency: 64,
		active: 60, steps: 2, work: 10 * time.Millisecond, shutdown: time.Second, settle: 30 * time.Second,
	}
	listenLong := listen
	listenLong.duration, listenLong.every, listenLong.faults = 5*time.Minute, 10*time.Second, 25
	outage := plan{
		duration: 10 * time.Minute, every: 22500 * time.Millisecond, faults: 15,
		lease: 5 * time.Second, poll: 50 * time.Millisecond, workers: 4, concurrency: 256,
		active: 10_000, steps: 6, work: 20 * time.Millisecond, shutdown: time.Second, settle: 5 * time.Minute,
	}
	return []*scenario{
		{name: "outage/cluster", store: onCluster, long: outage, run: runOutage,
			about: "the harness's own PostgreSQL cluster down 0-2 s every 5-40 s under 10,000 workflows waiting for 10,000 signals and 1-30 s timers, with 5,000 children (long profile only)"},
		{name: "restart/cluster", store: onCluster, short: restart, long: restartLong, run: runRestart,
			about: "the harness's own PostgreSQL cluster restarted (-m immediate) or stopped (-m immediate) and started, under load and right after a recovery; clients wait for results"},
		{name: "listen/postgres", store: onPostgres, short: listen, long: listenLong, run: runListen,
			about: "the workers' LISTEN sessions terminated over and over while they wait for signals, polling only every 2 s"},
	}
}

// runRestart keeps the mixed workload in flight with a client waiting for
// the result of every fourth instance, and about every p.every takes the
// server down: pg_ctl restart -m immediate, or stop -m immediate and
// start 0.5-2 s later; a third of the outages come one second after the
// server came back, while the workers are still recovering.
func runRestart(e *env, p plan) (judge, error) {
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return nil, err
	}
	clients := e.waitResults()
	bg := background(e, p, true)
	var outageErr error
	runFor(p.duration, func(stop <-chan struct{}) {
		for n := 0; n < 2*p.faults+int(p.duration/p.every); n++ {
			wait := p.every/2 + time.Duration(e.rngInt(int64(p.every)))
			if n > 0 && e.rngInt(3) == 0 {
				wait = time.Second // during recovery
			}
			select {
			case <-stop:
				return
			case <-time.After(wait):
			}
			if outageErr = e.outage(n%2 == 0); outageErr != nil {
				return
			}
		}
	})
	if outageErr != nil {
		return nil, outageErr
	}
	if err := bg.finish(p.settle); err != nil {
		return nil, err
	}
	clientErrs := clients.wait()
	e.figure("clients", "%d waited for a result with Handle.Result; %d got an error", clients.n, len(clientErrs))
	return func(ev *evidence, f *figures) []verdict {
		for _, err := range clientErrs {
			f.example("client errors", "%v", err)
		}
		resume, hit := slowestResume(ev, f)
		e.figure("resume", "%d instances had a store call fail during an outage; the slowest committed again %v after the server was back", hit, resume.Round(time.Millisecond))
		return []verdict{
			atLeast("outages", len(ev.faults), p.faults),
			zero("client errors", len(clientErrs)),
			within("slowest resume after the database came back", resume, 2*time.Second+f.bound("term")),
		}
	}, nil
}

// runOutage starts p.active workflows at once, each with a signal wait,
// 1-30 s timers and, for half of them, a child; signals them over the
// first half of the run; and every 5-40 s stops the server (-m
// immediate) for 0-2 s.
func runOutage(e *env, p plan) (judge, error) {
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return nil, err
	}
	var inputs []load.Input
	for i := range p.active {
		in := load.Input{Steps: p.steps, Work: p.work, Await: true, SleepEvery: 2,
			Sleep: time.Second + time.Duration(e.rngInt(int64(29*time.Second)))}
		if i%2 == 0 {
			in.Children, in.ChildSteps = 1, 2
		}
		inputs = append(inputs, in)
	}
	ids, err := e.start("i", inputs)
	if err != nil {
		return nil, err
	}
	e.signalLater(ids, time.Second, p.duration/2)
	bg := background(e, p, false)
	var outageErr error
	runFor(p.duration, func(stop <-chan struct{}) {
		for outageErr == nil {
			select {
			case <-stop:
				return
			case <-time.After(5*time.Second + time.Duration(e.rngInt(int64(35*time.Second)))):
			}
			outageErr = e.down(time.Duration(e.rngInt(int64(2 * time.Second))))
		}
	})
	if outageErr != nil {
		return nil, outageErr
	}
	if err := bg.finish(p.settle); err != nil {
		return nil, err
	}
	return func(ev *evidence, f *figures) []verdict {
		return []verdict{
			atLeast("outages", len(ev.faults), p.faults),
			atLeast("signals sent", len(ev.signals), p.active),
			within("latest timer", quantile(f.late, 1), 10*time.Second),
		}
	}, nil
}

// down stops the cluster (-m immediate) for d, then starts it.
func (e *env) down(d time.Duration) error {
	if err := e.snapshot(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	at := time.Now()
	if err := e.st.cluster.stopImmediate(ctx); err != nil {
		return err
	}
	time.Sleep(d)
	if err := e.st.cluster.start(ctx); err != nil {
		return err
	}
	e.logFault(fault{kind: "pg down", at: at, end: time.Now()})
	return nil
}

// outage takes the cluster down and up again, recording the history
// committed before it, which must survive.
func (e *env) outage(restart bool) error {
	if err := e.snapshot(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	c := e.st.cluster
	at := time.Now()
	kind := "pg restart -m immediate"
	var err error
	if restart {
		err = c.restart(ctx)
	} else {
		kind = "pg stop -m immediate, start"
		if err = c.stopImmediate(ctx); err == nil {
			time.Sleep(500*time.Millisecond + time.Duration(e.rngInt(int64(1500*time.Millisecond))))
			err = c.start(ctx)
		}
	}
	if err != nil {
		return err
	}
	e.logFault(fault{kind: kind, at: at, end: time.Now()})
	return nil
}

// snapshot records every history row committed so far.
func (e *env) snapshot() error {
	h, err := e.readHistory()
	if err != nil {
		return fmt.Errorf("snapshot the history: %w", err)
	}
	var kept []runtime.Event
	for id, evs := range h {
		for _, ev := range evs {
			kept = append(kept, runtime.Event{Name: id, Seq: ev.Seq, Kind: ev.Kind})
		}
	}
	e.mu.Lock()
	e.kept = kept
	e.mu.Unlock()
	return nil
}

// slowestResume returns, over the outages, how long after the server came
// back the slowest instance whose store call failed during the outage
// committed its next checkpoint.
func slowestResume(ev *evidence, f *figures) (slowest time.Duration, hits int) {
	_, commits := byInstance(ev)
	for _, x := range ev.faults {
		down, up := x.at.UnixNano(), x.end.UnixNano()
		hit := map[string]bool{}
		for _, p := range ev.procs {
			for _, e := range p.events {
				if e.Err != "" && e.ID != "" && e.At >= down && e.At <= up+int64(time.Second) {
					hit[e.ID] = true
				}
			}
		}
		hits += len(hit)
		for id := range hit {
			i := slices.IndexFunc(commits[id], func(c traced) bool { return c.Sent > up })
			if i < 0 {
				continue
			}
			at := commits[id][i].At
			d := time.Duration(at - up)
			// Time the server was down again before that commit (an outage
			// right after a recovery) is not the resume's.
			for _, y := range ev.faults {
				if lo, hi := max(y.at.UnixNano(), up), min(y.end.UnixNano(), at); y.at.UnixNano() > down && hi > lo {
					d -= time.Duration(hi - lo)
				}
			}
			if d > slowest {
				slowest = d
			}
			if d > 2*time.Second {
				f.example("slowest resume after the database came back", "%s: next commit %v after the server came back from %s", id, d.Round(time.Millisecond), x.kind)
			}
		}
	}
	return slowest, hits
}

// clients are goroutines waiting for results with runtime.Handle.
type clients struct {
	n    int // clients started
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

// waitResults makes a client wait for the result of every fourth instance
// the feeder starts from now on, as a caller of Start would.
func (e *env) waitResults() *clients {
	c := &clients{}
	n := 0
	e.onStart = func(id string, in load.Input) {
		if n++; n%4 != 0 {
			return
		}
		c.n++
		c.wg.Go(func() {
			ctx, cancel := context.WithTimeout(e.ctx, 5*time.Minute)
			defer cancel()
			out, err := runtime.Attach[load.Output](e.client, id).Result(ctx)
			want, wantErr := load.Expect(in)
			if err == nil && (wantErr != "" || out != want) {
				err = fmt.Errorf("%s: result %+v, want %+v %s", id, out, want, wantErr)
			}
			if err != nil && (wantErr == "" || !containsText(err, wantErr)) {
				c.mu.Lock()
				c.errs = append(c.errs, err)
				c.mu.Unlock()
			}
		})
	}
	return c
}

func (c *clients) wait() []error {
	c.wg.Wait()
	return c.errs
}

// runListen keeps instances that wait for a signal in flight on workers
// that poll only every 2 s, signals each 0.2-3 s after its start, and
// terminates the workers' LISTEN sessions about every p.every.
func runListen(e *env, p plan) (judge, error) {
	if err := e.workers(p.workers, p.concurrency, p.shutdown); err != nil {
		return nil, err
	}
	bg := background(e, p, false)
	stopFeed := make(chan struct{})
	var feedErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		feedErr = e.feedWith(stopFeed, p.active, func() load.Input { return load.Input{Steps: p.steps, Work: p.work, Await: true} })
	})
	var resetErr error
	e.nemesis(p, p.every, func() {
		at := time.Now()
		var n int
		if err := e.st.pool.QueryRow(e.ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = $1 AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()`, e.st.schema).Scan(&n); err != nil {
			resetErr = err
			return
		}
		for range n {
			e.logFault(fault{kind: "LISTEN session terminated", at: at})
		}
	})
	close(stopFeed)
	wg.Wait()
	if err := bg.finish(p.settle); err != nil {
		return nil, err
	}
	if resetErr != nil || feedErr != nil {
		return nil, fmt.Errorf("listen: %v %v", resetErr, feedErr)
	}
	return func(ev *evidence, f *figures) []verdict {
		return []verdict{
			atLeast("LISTEN sessions terminated", len(ev.faults), p.faults),
			within("slowest signal wake-up", quantile(f.signalLate, 1), p.poll+time.Second),
		}
	}, nil
}

// containsText reports whether err's message contains s.
func containsText(err error, s string) bool { return strings.Contains(err.Error(), s) }
