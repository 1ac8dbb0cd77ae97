package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/durablegen/durable/chaos/load"
	"github.com/durablegen/durable/chaos/trace"
	"github.com/durablegen/durable/runtime"
)

// runConfig is how the harness was asked to run.
type runConfig struct {
	seed     uint64
	long     bool          // the long profile
	duration time.Duration // overrides the profile's nemesis duration if not 0
	worker   string        // the worker binary
	self     string        // the harness binary, for scenarios that run it again in a namespace
	tmpfs    string        // set in such a run: the directory mounted there (a small tmpfs, or chaos/powerfs)
	dir      string        // where runs keep their files
	keep     bool          // keep each run's directory
	// synchronous, if set, is the SQLite workers' synchronous mode: with
	// NORMAL a power cut may lose commits they were told had committed,
	// which the power-cut scenario must then find.
	synchronous string
}

// scenario is one fault scenario.
type scenario struct {
	name  string // "sigkill/sqlite"
	store string
	about string
	// short and long are the CI and the long profile.
	short, long plan
	run         func(e *env, p plan) (judge, error)
}

// judge returns a scenario's own verdicts on what the run left behind.
type judge func(ev *evidence, f *figures) []verdict

// plan sizes a scenario run.
type plan struct {
	duration    time.Duration // how long the nemesis runs
	every       time.Duration // mean time between faults
	faults      int           // faults that must land, at least
	lease, poll time.Duration
	workers     int
	concurrency int
	active      int // instances kept in flight
	steps       int
	work        time.Duration // mean work of a step
	pause       time.Duration // how long a stopped worker stays stopped
	shutdown    time.Duration // the workers' ShutdownTimeout
	settle      time.Duration // how long the run may take to finish after the faults
}

// result is what a scenario run printed.
type result struct {
	name     string
	figures  *figures
	verdicts []verdict
	extra    []figure
	err      error  // the harness could not run the scenario
	relay    string // the report of the harness run again in a namespace
	took     time.Duration
	stderr   string
}

// figure is a named figure a scenario adds to the common ones.
type figure struct{ name, text string }

// verdict is one pass criterion of a scenario and what the run measured.
type verdict struct {
	name      string
	ok        bool
	got, want string
	known     *knownDefect // the failure is a known defect
}

// failed reports whether r failed for a reason that is not a known defect.
func (r *result) failed() bool {
	if r.err != nil {
		return !strings.Contains(r.err.Error(), errSkip.Error())
	}
	for _, v := range r.verdicts {
		if !v.ok && v.known == nil {
			return true
		}
	}
	return false
}

// runScenario runs sc under cfg.
func runScenario(ctx context.Context, cfg runConfig, sc *scenario) *result {
	start := time.Now()
	r := &result{name: sc.name}
	p := sc.short
	if cfg.long {
		p = sc.long
	}
	if p.duration == 0 && cfg.duration == 0 {
		r.err = fmt.Errorf("%w: long profile only (go run ./chaos -scenario %s -long)", errSkip, sc.name)
		return r
	}
	if p.duration == 0 {
		p = sc.long
	}
	if cfg.duration > 0 {
		// The faults that must land scale with the time the nemesis has.
		p.faults = max(1, int(float64(p.faults)*cfg.duration.Seconds()/p.duration.Seconds()))
		p.duration = cfg.duration
	}
	if (sc.store == onTmpfs || sc.store == onPowerfs) && cfg.tmpfs == "" {
		r.relay, r.err = inNamespace(ctx, cfg, sc)
		r.took = time.Since(start)
		return r
	}
	dir, err := os.MkdirTemp(cfg.dir, strings.ReplaceAll(sc.name, "/", "-")+"-")
	if err != nil {
		r.err = err
		return r
	}
	if !cfg.keep {
		defer os.RemoveAll(dir)
	}
	e, err := newEnv(ctx, cfg, sc.store, dir, p.lease, p.poll)
	if err != nil {
		r.err = err
		return r
	}
	defer e.close()
	e.begin = time.Now()
	own, err := sc.run(e, p)
	if err == nil && e.fleet != nil && e.fleet.failure() != nil {
		err = e.fleet.failure()
	}
	if err != nil {
		r.err = err
		r.stderr = stderrOf(e)
		return r
	}
	if e.fleet != nil {
		e.fleet.stopAll(10 * time.Second)
	}
	ev, err := e.collect()
	if err != nil {
		r.err = fmt.Errorf("collect: %w", err)
		return r
	}
	r.figures = check(ev)
	r.verdicts = standard(r.figures)
	if own != nil {
		r.verdicts = append(r.verdicts, own(ev, r.figures)...)
	}
	for i := range r.verdicts {
		r.verdicts[i].known = known(sc.name, r.verdicts[i])
	}
	r.extra = e.extra
	r.took = time.Since(start)
	if r.failed() || cfg.keep {
		r.stderr = stderrOf(e)
	}
	if cfg.keep {
		r.extra = append(r.extra, figure{"kept", dir})
	}
	return r
}

func stderrOf(e *env) string {
	if e.fleet == nil {
		return ""
	}
	return e.fleet.stderrs()
}

// standard are the verdicts every scenario must pass.
func standard(f *figures) []verdict {
	return []verdict{
		zero("double commits", f.doubleCommits),
		zero("stale writes accepted", f.staleAccepted),
		zero("lost", f.lost),
		zero("stranded", f.stranded),
		zero("healthy instances failed as poison", f.abortedOut),
		zero("parents not woken", f.unwoken),
		zero("parents woken late", lateParents(f)),
		zero("committed steps run again", f.reruns),
		zero("step keys changed", f.keyChanges),
		zero("timers fired early", f.early),
		zero("durable.Now went backwards", f.backwards),
	}
}

func zero(name string, n int) verdict {
	return verdict{name: name, ok: n == 0, got: fmt.Sprint(n), want: "0"}
}

func atLeast(name string, n, want int) verdict {
	return verdict{name: name, ok: n >= want, got: fmt.Sprint(n), want: fmt.Sprintf(">= %d", want)}
}

func within(name string, d, bound time.Duration) verdict {
	return verdict{name: name, ok: d <= bound, got: d.Round(time.Millisecond).String(), want: "<= " + bound.String()}
}

// collect reads what the run left behind.
func (e *env) collect() (*evidence, error) {
	ev := &evidence{
		insts: map[string]*runtime.Instance{}, history: map[string][]runtime.Event{},
		lease: e.lease, poll: e.poll, shutdown: e.shutdown,
	}
	opts := runtime.ListOptions{Limit: 1000, Payloads: true}
	for {
		var page []*runtime.Instance
		if err := retry(e.ctx, func() (err error) { page, err = e.st.s.List(e.ctx, opts); return err }); err != nil {
			return nil, err
		}
		for _, inst := range page {
			ev.insts[inst.ID] = inst
		}
		if len(page) < opts.Limit {
			break
		}
		opts.After = page[len(page)-1].Cursor()
	}
	var err error
	if err := retry(e.ctx, func() (err error) { ev.history, err = e.readHistory(); return err }); err != nil {
		return nil, err
	}
	if ev.execs, err = load.ReadLedgers(e.ledger); err != nil {
		return nil, err
	}
	if e.fleet != nil {
		for _, p := range e.fleet.all() {
			at, status, _ := p.exit()
			ev.procs = append(ev.procs, procTrace{owner: p.owner, events: p.trace(), exit: at, status: status})
		}
		if e.cfg.keep {
			if err := e.saveTraces(ev.procs); err != nil {
				return nil, err
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ev.started, ev.signals, ev.faults, ev.held = e.started, e.signals, e.faults, e.held
	ev.kept = e.kept
	return ev, nil
}

// A nemesis step is bounded: every calls fn about every d (uniformly
// between d/2 and 3d/2) until stop is closed, at most n times.
func every(stop <-chan struct{}, e *env, d time.Duration, n int, fn func()) {
	for range n {
		wait := d/2 + time.Duration(e.rngInt(int64(d)))
		select {
		case <-stop:
			return
		case <-time.After(wait):
		}
		fn()
	}
}

// rngInt returns a random number in [0, n) from the run's seeded source.
func (e *env) rngInt(n int64) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n <= 0 {
		return 0
	}
	return e.rng.Int64N(n)
}

// pick returns a random running process of the fleet that ok accepts.
func (e *env) pick(ok func(p *proc) bool) *proc {
	var live []*proc
	for slot := range e.fleet.slots {
		if p := e.fleet.current(slot); p.alive() && p.started() && ok(p) {
			live = append(live, p)
		}
	}
	if len(live) == 0 {
		return nil
	}
	return live[e.rngInt(int64(len(live)))]
}

// kill kills p with SIGKILL now.
func (e *env) kill(p *proc) {
	at := time.Now()
	if p.signal(syscall.SIGKILL) {
		e.logFault(fault{kind: "kill", owner: p.owner, at: at})
	}
}

// pause stops p with SIGSTOP for d, then resumes it; it returns at once.
func (e *env) pause(p *proc, kind string, at time.Time, d time.Duration, wg *sync.WaitGroup) {
	wg.Go(func() {
		time.Sleep(time.Until(at.Add(d)))
		p.signal(syscall.SIGCONT)
		e.logFault(fault{kind: kind, owner: p.owner, at: at, end: time.Now()})
		e.mu.Lock()
		delete(e.stopped, p.owner)
		e.mu.Unlock()
	})
}

// stopped counts the workers stopped or with a stop armed.
func (e *env) stoppedCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.stopped)
}

// stopNow stops p now for d.
func (e *env) stopNow(p *proc, d time.Duration, wg *sync.WaitGroup) {
	e.mu.Lock()
	e.stopped[p.owner] = true
	e.mu.Unlock()
	at := time.Now()
	if p.signal(syscall.SIGSTOP) {
		e.pause(p, "stop", at, d, wg)
	}
}

// arm arms fault f in p: it fires at p's next store call at its point.
func (e *env) arm(p *proc, f trace.Fault) {
	e.mu.Lock()
	e.armed[p.owner] = true
	if f.Action == trace.Stop {
		e.stopped[p.owner] = true
	}
	e.mu.Unlock()
	if !p.command(f.String()) {
		e.mu.Lock()
		delete(e.armed, p.owner)
		delete(e.stopped, p.owner)
		e.mu.Unlock()
	}
}

// idle reports whether p has no fault armed and is not stopped.
func (e *env) idle(p *proc) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.armed[p.owner] && !e.stopped[p.owner]
}

// fired handles a fault a worker traced as it fired it at itself: a stop
// is undone after pause(), anything else is logged as it lands.
func (e *env) fired(pause func() time.Duration, wg *sync.WaitGroup) func(p *proc, ev trace.Event) {
	return func(p *proc, ev trace.Event) {
		e.mu.Lock()
		delete(e.armed, p.owner)
		e.mu.Unlock()
		if strings.HasPrefix(ev.Fault, string(trace.Stop)) {
			e.pause(p, ev.Fault, ev.Time(), pause(), wg)
			return
		}
		e.logFault(fault{kind: ev.Fault, owner: p.owner, at: ev.Time()})
	}
}

// soakInput is the input of one instance of the mixed workload: steps
// steps of about work each, with sleeps, a signal wait, a child, or
// compensations and a failure, at random.
func (e *env) soakInput(steps int, work time.Duration) load.Input {
	in := load.Input{Steps: steps, Work: work/2 + time.Duration(e.rngInt(int64(work)))}
	switch r := e.rngInt(20); {
	case r < 5:
		in.Await = true
	case r < 9:
		in.Children, in.ChildSteps = 1, 3
	case r < 13:
		in.CompensateEvery, in.Fail = 5, true
	}
	if e.rngInt(2) == 0 {
		in.SleepEvery, in.Sleep = 7, 100*time.Millisecond+time.Duration(e.rngInt(int64(300*time.Millisecond)))
	}
	return in
}

// feed keeps about p.active instances of the mixed workload in flight
// until stop is closed.
func (e *env) feed(stop <-chan struct{}, p plan) error {
	return e.feedWith(stop, p.active, func() load.Input { return e.soakInput(p.steps, p.work) })
}

// feedWith keeps about active instances with inputs from gen in flight
// until stop is closed, signalling those that await within 0.2-3 s of
// their start.
func (e *env) feedWith(stop <-chan struct{}, active int, gen func() load.Input) error {
	var err error
	top := func() {
		left, _, perr := e.pending()
		if n := len(left); perr != nil || n >= active || err != nil {
			return
		}
		var batch []load.Input
		for range active - len(left) {
			batch = append(batch, gen())
		}
		var ids []string
		if ids, err = e.start("i", batch); err == nil {
			e.signalLater(ids, 200*time.Millisecond, 3*time.Second)
		}
	}
	top()
	tick(stop, 100*time.Millisecond, top)
	return err
}

// nemesis calls step about every d (see every) for p.duration, at most
// twice as many times as that takes on average, and returns when done.
func (e *env) nemesis(p plan, d time.Duration, step func()) {
	runFor(p.duration, func(stop <-chan struct{}) { every(stop, e, d, 2*int(p.duration/d), step) })
}

// runFor runs fn in the background until d passed, then closes its stop
// channel and waits for it.
func runFor(d time.Duration, fns ...func(stop <-chan struct{})) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Go(func() { fn(stop) })
	}
	time.Sleep(d)
	close(stop)
	wg.Wait()
}

// perStore returns scenario name (one per store, "name/sqlite" and
// "name/postgres"), each with the same plans and nemesis.
func perStore(name, about string, short, long plan, run func(e *env, p plan) (judge, error)) []*scenario {
	var out []*scenario
	for _, store := range []string{onSQLite, onPostgres} {
		out = append(out, &scenario{name: name + "/" + store, store: store, short: short, long: long, run: run, about: about})
	}
	return out
}

// tick calls fn every d until stop is closed.
func tick(stop <-chan struct{}, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		fn()
	}
}

// scenarios lists every scenario, in the order the harness runs them.
func scenarios() []*scenario {
	return slices.Concat(killScenarios(), stopScenarios(), termScenarios(), poisonScenarios(), databaseScenarios(), partitionScenarios(), clockScenarios(), powerScenarios(), diskScenarios())
}

// selectScenarios returns the scenarios name selects: "all", a full name,
// or its first part ("sigkill" selects sigkill/sqlite and
// sigkill/postgres).
func selectScenarios(name string) []*scenario {
	var out []*scenario
	for _, sc := range scenarios() {
		if name == "all" || sc.name == name || strings.SplitN(sc.name, "/", 2)[0] == name {
			out = append(out, sc)
		}
	}
	return out
}
