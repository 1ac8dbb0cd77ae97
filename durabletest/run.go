package durabletest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
)

// Report says what Run did.
type Report struct {
	Checkpoints int // checkpoints committed by the uncrashed run
	CrashPoints int // places where the uncrashed run could have crashed
	CrashRuns   int // runs that crashed once and resumed
	Reexecuted  int // steps run again because a crash fell between step and commit
	// Injected counts the failures that Transient injected into the
	// uncrashed run.
	Injected int
	// Result and Err are what the uncrashed machine run returned: Result
	// holds the workflow's Out (zero when Err is set).
	Result any
	Err    error
}

// The crash phases.
const (
	BeforeStep  = "before step"
	AfterStep   = "after step, before commit"
	AfterCommit = "after commit"
)

// phases are the crash phases in the order Run goes through them; a
// phase is its index here.
var phases = [...]string{BeforeStep, AfterStep, AfterCommit}

const (
	beforeStep = iota
	afterStep
	afterCommit
)

var errCrash = errors.New("durabletest: simulated crash")

// maxContinues bounds the runs of a direct call that continues as new.
const maxContinues = 100_000

// manyCrashPoints is where Run suggests sampling.
const manyCrashPoints = 3000

// InstanceID is the ID of the instance in every run of [Run] (each run
// has its own store), so that results derived from it, such as
// durable.IdempotencyKey, compare equal, and a test can read its
// effects with Log.Effects(durabletest.InstanceID).
const InstanceID = "durabletest-1"

// outcome is what one run produced.
type outcome struct {
	out     any
	err     string
	rawErr  error
	panic   string // what a direct call panicked with
	effects []string
}

// Run checks workflow wf on input in and reports the first divergence
// through t. See the package documentation.
func Run[In, Out any](t testing.TB, wf *durable.Workflow[In, Out], in In, opts ...Option) Report {
	t.Helper()
	cfg := newConfig(opts)
	if len(cfg.errs) > 0 {
		t.Fatalf("durabletest: %s: %v", wf.Name(), errors.Join(cfg.errs...))
	}
	r := &runner[In, Out]{t: t, cfg: cfg, wf: wf, in: in, ctx: cfg.context()}
	return r.run()
}

// runner is one call of Run.
type runner[In, Out any] struct {
	t   testing.TB
	cfg *config
	wf  *durable.Workflow[In, Out]
	in  In
	ctx context.Context // of machine runs
}

// fresh returns a copy of the input for one run. Each run gets its own,
// as each instance decodes its own from the store: a run that writes
// through the input's slices, maps or pointers must not change what the
// next run (or the caller) sees.
func (r *runner[In, Out]) fresh() In {
	r.t.Helper()
	c, err := copyInput(r.in, r.cfg.known)
	if err != nil {
		r.t.Fatalf("durabletest: %s: %v", r.wf.Name(), err)
	}
	return c
}

func (r *runner[In, Out]) run() Report {
	t, cfg := r.t, r.cfg
	t.Helper()
	snapshots := cfg.snapshots()
	cfg.faults.reset()
	rec := &recorder[In, Out]{}
	if snapshots && cfg.sample == nil {
		rec.take = func(point) bool { return true }
	}
	base := r.uncrashed(snapshots, rec)
	rep := Report{Checkpoints: base.counts[afterCommit], Result: base.out.out, Err: base.out.rawErr, Injected: cfg.faults.injected()}
	for _, n := range base.counts {
		rep.CrashPoints += n
	}
	if cfg.sample == nil && rep.CrashPoints > manyCrashPoints {
		t.Logf("durabletest: %s: %d crash points, each resumed and run to the end; durabletest.SampleCrashes bounds the time", r.wf.Name(), rep.CrashPoints)
	}
	// The direct call is the oracle, unless steps are stubbed: it calls
	// the real steps, which a stub reaches only in the machine. Then the
	// uncrashed machine run is the baseline of the crashed ones.
	if len(cfg.stubs) == 0 {
		if d := diff(r.direct(), base.out, cfg.equal); d != "" {
			t.Errorf("%s: the machine run differs from the direct call: %s%s", r.wf.Name(), d, cfg.faults.hint())
			return rep
		}
	}
	points := rec.points()
	if cfg.sample != nil {
		points = cfg.sample.choose(rec.sites)
		if snapshots {
			// A second uncrashed run takes the snapshots of the sample.
			rec.sites, rec.take = nil, func(p point) bool {
				_, ok := slices.BinarySearchFunc(points, p, point.compare)
				return ok
			}
			again := r.uncrashed(true, rec)
			if d := diff(base.out, again.out, sameStored); d != "" || len(rec.snaps) != len(points) {
				t.Errorf("%s: a second uncrashed run differs from the first (%d of %d crash points): %s", r.wf.Name(), len(rec.snaps), len(points), d)
				return rep
			}
			base = again
		}
	}
	slices.SortFunc(rec.snaps, func(a, b *snapshot) int { return a.at.compare(b.at) })
	for i, p := range points {
		got, where := r.crashed(p, base, rec.snaps, i)
		rep.CrashRuns++
		if p.phase == afterStep {
			rep.Reexecuted++
		}
		if d := diff(base.out, got, sameStored); d != "" {
			t.Errorf("%s: crash %s at %s: the resumed run differs from the uncrashed one: %s", r.wf.Name(), phases[p.phase], where, d)
			return rep
		}
	}
	return rep
}

// baseline is what an uncrashed run did.
type baseline struct {
	out     outcome
	log     []logEntry       // its effects, to restore snapshots' from
	counts  [len(phases)]int // its crash points by phase
	commits map[cpKey]int    // its checkpoints, in the order committed
}

// uncrashed runs the workflow without crashing, in memory or on SQLite,
// telling rec of every crash point.
func (r *runner[In, Out]) uncrashed(inMemory bool, rec *recorder[In, Out]) baseline {
	r.t.Helper()
	w := r.newWorld(inMemory)
	defer w.close()
	w.onHook = rec.record
	w.drive()
	return baseline{out: w.outcome(), log: r.cfg.log.entriesOf(InstanceID), counts: w.counts, commits: w.commits.order}
}

// crashed runs the crashed run of crash point p and returns its outcome
// and where it crashed: resumed from snapshots[i] if there are
// snapshots, from the start otherwise.
func (r *runner[In, Out]) crashed(p point, base baseline, snapshots []*snapshot, i int) (outcome, string) {
	r.t.Helper()
	if snapshots == nil {
		w := r.newWorld(false)
		defer w.close()
		w.crash = p
		w.drive()
		return w.outcome(), w.where
	}
	sn := snapshots[i]
	snapshots[i] = nil // resumed once: let it go
	w := r.resume(sn, base)
	w.drive()
	return w.outcome(), sn.where
}

// direct calls the workflow's function, the oracle, and returns what it
// did: a panic is an outcome too, which the machine must match by
// failing with it.
func (r *runner[In, Out]) direct() (o outcome) {
	cfg := r.cfg
	cfg.log.reset(InstanceID)
	if cfg.reset != nil {
		cfg.reset()
	}
	defer func() {
		if p := recover(); p != nil {
			o = outcome{panic: fmt.Sprint(p), effects: cfg.log.Effects(InstanceID)}
		}
		if cfg.unordered {
			slices.Sort(o.effects)
		}
	}()
	ctx, in := DirectContext(InstanceID, NewClock(), cfg.signals), r.fresh()
	out, err := r.wf.Call(ctx, in)
	// A run that continues as new is followed by the next, with the same
	// clock and signals, as the runtime runs it under the same ID.
	for runs := 1; ; runs++ {
		c, ok := durable.IsContinueAsNew(err)
		if !ok {
			break
		}
		next, ok := c.Input.(In)
		if !ok && c.Input != nil {
			r.t.Fatalf("durabletest: %s continues as new with an input of type %T, not its input type %T", r.wf.Name(), c.Input, in)
		}
		if runs == maxContinues {
			r.t.Fatalf("durabletest: %s continued as new %d times in its direct call without finishing", r.wf.Name(), runs)
		}
		if next, err = copyInput(next, cfg.known); err != nil {
			r.t.Fatalf("durabletest: %s continues as new: %v", r.wf.Name(), err)
		}
		out, err = r.wf.Call(ctx, next)
	}
	o = outcome{out: roundTrip(out), effects: cfg.log.Effects(InstanceID)}
	if err != nil {
		o.err = err.Error()
	}
	return o
}

// copyInput returns a deep copy of in made with the frame codec: encoded
// and decoded as a frame field, the way the runtime stores a workflow's
// input, so the copy is the value an instance sees.
func copyInput[In any](in In, known []error) (In, error) {
	var out In
	enc := runtime.NewEncoder(nil, known)
	runtime.Field(enc, "in", in)
	b, err := enc.Bytes()
	if err != nil {
		return out, fmt.Errorf("encode the input: %w", err)
	}
	d := runtime.NewDecoder(b, known)
	for d.Next() {
		runtime.Value(d, &out)
	}
	if err := d.Err(); err != nil {
		return out, fmt.Errorf("decode the input: %w", err)
	}
	return out, nil
}

func roundTrip(v any) any {
	var codec runtime.JSONCodec // what the machine's result goes through
	b, err := codec.Marshal(v)
	if err != nil {
		return v
	}
	out := reflect.New(reflect.TypeOf(v))
	if codec.Unmarshal(b, out.Interface()) != nil {
		return v
	}
	return out.Elem().Interface()
}

// sameStored compares two machine results: equal, or stored alike (a
// NaN is never equal to itself, and decoded times hold distinct
// *time.Location values; the codec is faithful, so equal encodings are
// values a workflow cannot tell apart).
func sameStored(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	var codec runtime.JSONCodec
	ea, err1 := codec.Marshal(a)
	eb, err2 := codec.Marshal(b)
	return err1 == nil && err2 == nil && string(ea) == string(eb)
}

func diff(want, got outcome, eq func(a, b any) bool) string {
	switch {
	case want.panic != "":
		if !strings.Contains(got.err, "panicked in instance") || !strings.Contains(got.err, want.panic) {
			return fmt.Sprintf("error = %q, want the workflow's panic: %s", got.err, want.panic)
		}
	case want.err != got.err:
		return fmt.Sprintf("error = %q, want %q", got.err, want.err)
	}
	if eq == nil {
		eq = reflect.DeepEqual
	}
	if want.err == "" && want.panic == "" && !eq(want.out, got.out) {
		return fmt.Sprintf("result = %+v, want %+v", got.out, want.out)
	}
	if !reflect.DeepEqual(want.effects, got.effects) {
		return fmt.Sprintf("effects = %q, want %q", got.effects, want.effects)
	}
	return ""
}

// panicCount matches the count of committed checkpoints in the failure
// of a workflow that panicked: bookkeeping commits (a parent waiting for
// a child that crashed) make it depend on the crash schedule, while what
// the workflow did does not.
var panicCount = regexp.MustCompile(`(panicked in instance \S+) after checkpoint \d+`)

func sitePos(s *runtime.Site) string {
	if s == nil {
		return "the workflow's return"
	}
	if s.Name != "" {
		return s.Pos + " " + s.Name
	}
	return s.Pos
}
