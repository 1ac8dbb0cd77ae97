package durabletest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// Option configures [Run].
type Option func(*config)

type config struct {
	log       *Log
	signals   map[string][][]byte // by name, for the direct call
	sends     []signal            // in the order given, for machine runs
	known     []error
	types     []durable.ErrorType
	equal     func(want, got any) bool
	unordered bool
	reset     func()
	maxRuns   int
	stubs     map[string]any // step name → fake (see Stub)
	children  []durable.Definition
	errs      []error // bad options, reported by Run
}

type signal struct {
	name    string
	payload []byte
}

// WithChildren registers the workflows that wf starts as child workflows
// (directly or through its children) with the workers of the machine
// runs. Their effects count as the parent's.
func WithChildren(wfs ...durable.Definition) Option {
	return func(c *config) { c.children = append(c.children, wfs...) }
}

// WithLog compares the effects steps record in l.
func WithLog(l *Log) Option { return func(c *config) { c.log = l } }

// WithSignal scripts a signal: the workflow's n-th durable.Await(ctx,
// name) receives the n-th payload given for name.
func WithSignal(name string, payload any) Option {
	return func(c *config) {
		b, err := runtime.JSONCodec{}.Marshal(payload)
		if err != nil {
			panic(fmt.Sprintf("durabletest.WithSignal(%q): %v", name, err))
		}
		c.signals[name] = append(c.signals[name], b)
		c.sends = append(c.sends, signal{name, b})
	}
}

// WithErrors lists sentinel errors that keep their identity across
// checkpoints (see runtime.WorkerOptions.Errors), in addition to those the
// workflow's descriptor lists: those the test itself compares the
// workflow's error with.
func WithErrors(known ...error) Option {
	return func(c *config) { c.known = append(c.known, known...) }
}

// WithErrorTypes lists error types whose values keep their type and
// fields across checkpoints (see runtime.WorkerOptions.ErrorTypes), in
// addition to those the workflow's descriptor lists: those the test
// itself matches the workflow's error with.
func WithErrorTypes(types ...durable.ErrorType) Option {
	return func(c *config) { c.types = append(c.types, types...) }
}

// WithEqual replaces the comparison of the direct call's result with the
// machine's (reflect.DeepEqual after a JSON round trip by default), for
// results that hold durable.Now, durable.UUID or durable.Random values,
// which differ between a direct call and a machine run.
func WithEqual(eq func(want, got any) bool) Option { return func(c *config) { c.equal = eq } }

// WithUnorderedEffects compares the direct call's effects with the
// machine's as multisets: for workflows whose direct call visits a map in
// Go's random order, where the machine visits it in sorted key order.
func WithUnorderedEffects() Option { return func(c *config) { c.unordered = true } }

// WithReset calls reset before every run (the direct call and each
// machine run), to give fakes that keep state outside the workflow — a
// ledger file, an in-memory bank — a clean start.
func WithReset(reset func()) Option { return func(c *config) { c.reset = reset } }

// Report says what Run did.
type Report struct {
	Checkpoints int // checkpoints committed by the uncrashed run
	CrashRuns   int // runs that crashed once and resumed
	Reexecuted  int // steps run again because a crash fell between step and commit
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

var errCrash = errors.New("durabletest: simulated crash")

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
	effects []string
}

// Run checks workflow wf on input in and reports the first divergence
// through t. See the package documentation.
func Run[In, Out any](t testing.TB, wf *durable.Workflow[In, Out], in In, opts ...Option) Report {
	t.Helper()
	cfg := &config{signals: map[string][][]byte{}, maxRuns: 10000}
	for _, o := range opts {
		o(cfg)
	}
	if cfg.log == nil {
		cfg.log = &Log{}
	}
	if len(cfg.errs) > 0 {
		t.Fatalf("durabletest: %s: %v", wf.Name(), errors.Join(cfg.errs...))
	}
	// Each run gets its own copy of the input, as each instance decodes
	// its own from the store: a run that writes through the input's
	// slices, maps or pointers must not change what the next run (or the
	// caller) sees.
	fresh := func() In {
		t.Helper()
		c, err := copyInput(in, cfg.known)
		if err != nil {
			t.Fatalf("durabletest: %s: %v", wf.Name(), err)
		}
		return c
	}
	var rep Report
	base, counts, _ := runMachine(t, cfg, wf, fresh(), "", 0)
	rep.Checkpoints = counts[AfterCommit]
	rep.Result, rep.Err = base.out, base.rawErr
	if cfg.unordered {
		base.effects = slices.Sorted(slices.Values(base.effects))
	}
	// The direct call is the oracle, unless steps are stubbed: it calls
	// the real steps, which a stub reaches only in the machine. Then the
	// uncrashed machine run is the baseline of the crashed ones.
	if len(cfg.stubs) == 0 {
		cfg.log.reset(InstanceID)
		if cfg.reset != nil {
			cfg.reset()
		}
		out, err := wf.Call(DirectContext(InstanceID, NewClock(), cfg.signals), fresh())
		want := outcome{out: roundTrip(out), effects: cfg.log.Effects(InstanceID)}
		if err != nil {
			want.err = err.Error()
		}
		if cfg.unordered {
			slices.Sort(want.effects)
		}
		if d := diff(want, base, cfg.equal); d != "" {
			t.Errorf("%s: the machine run differs from the direct call: %s", wf.Name(), d)
			return rep
		}
	}
	for _, phase := range []string{BeforeStep, AfterStep, AfterCommit} {
		for k := 1; k <= counts[phase]; k++ {
			got, _, where := runMachine(t, cfg, wf, fresh(), phase, k)
			if cfg.unordered {
				slices.Sort(got.effects)
			}
			rep.CrashRuns++
			if phase == AfterStep {
				rep.Reexecuted++
			}
			if d := diff(base, got, sameStored); d != "" {
				t.Errorf("%s: crash %s at %s: the resumed run differs from the uncrashed one: %s", wf.Name(), phase, where, d)
				return rep
			}
		}
	}
	return rep
}

func (l *Log) reset(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = slices.DeleteFunc(l.entries, func(e logEntry) bool { return e.of(id) })
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
	if want.err != got.err {
		return fmt.Sprintf("error = %q, want %q", got.err, want.err)
	}
	if eq == nil {
		eq = reflect.DeepEqual
	}
	if want.err == "" && !eq(want.out, got.out) {
		return fmt.Sprintf("result = %+v, want %+v", got.out, want.out)
	}
	if !reflect.DeepEqual(want.effects, got.effects) {
		return fmt.Sprintf("effects = %q, want %q", got.effects, want.effects)
	}
	return ""
}

// runMachine runs wf through its machine on a fresh store, crashing once
// at the k-th call of the phase hook (never if phase is ""). It returns
// the outcome, how often each hook ran, and where the crash happened.
func runMachine[In, Out any](t testing.TB, cfg *config, wf *durable.Workflow[In, Out], in In, phase string, k int) (outcome, map[string]int, string) {
	t.Helper()
	ctx := context.Background()
	if len(cfg.stubs) > 0 {
		ctx = runtime.WithStubs(ctx, cfg.stubs)
	}
	clock := NewClock()
	store, err := sqlite.New(sqlite.Config{Path: filepath.Join(t.TempDir(), "durabletest.db"), Synchronous: "NORMAL", Now: clock.Now})
	if err != nil {
		t.Fatalf("durabletest: open store: %v", err)
	}
	defer store.Close()
	cfg.log.reset(InstanceID)
	if cfg.reset != nil {
		cfg.reset()
	}
	client := runtime.NewClient(store, runtime.WithErrors(cfg.known...), runtime.WithErrorTypes(cfg.types...))
	h, err := runtime.Start(ctx, client, wf, InstanceID, in)
	if err != nil {
		t.Fatalf("durabletest: start %s: %v", wf.Name(), err)
	}
	// Sent up front, in order: Await consumes the oldest of a name first.
	for _, sig := range cfg.sends {
		if err := client.Signal(ctx, InstanceID, sig.name, json.RawMessage(sig.payload)); err != nil {
			t.Fatalf("durabletest: signal %s: %v", sig.name, err)
		}
	}
	counts := map[string]int{}
	type cpKey struct {
		id  string
		seq int64
	}
	committed := map[cpKey]bool{}
	where := ""
	hook := func(p string) func(string, int64, *runtime.Site) error {
		return func(id string, seq int64, s *runtime.Site) error {
			counts[p]++
			if p == BeforeStep && committed[cpKey{id, seq}] {
				t.Errorf("%s: the step at %s runs again although its checkpoint %d committed", wf.Name(), sitePos(s), seq)
			}
			if p == AfterCommit {
				committed[cpKey{id, seq}] = true
			}
			if p == phase && counts[p] == k {
				where = fmt.Sprintf("checkpoint %d of %s (%s)", seq, id, sitePos(s))
				return errCrash
			}
			return nil
		}
	}
	hooks := runtime.Hooks{BeforeStep: hook(BeforeStep), AfterStep: hook(AfterStep), AfterCommit: hook(AfterCommit)}
	const lease = time.Minute
	newWorker := func() *runtime.Worker {
		w := runtime.NewWorker(store, runtime.WorkerOptions{Lease: lease, Hooks: hooks, Errors: cfg.known, ErrorTypes: cfg.types, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		for _, def := range append([]durable.Definition{wf}, cfg.children...) {
			if err := w.Register(def); err != nil {
				t.Fatalf("durabletest: register: %v", err)
			}
		}
		return w
	}
	w := newWorker()
	for run := range cfg.maxRuns {
		if _, err := w.Drain(ctx); err != nil && !errors.Is(err, errCrash) {
			t.Fatalf("durabletest: %s: %v", wf.Name(), err)
		}
		inst, err := client.Get(ctx, InstanceID)
		if err != nil {
			t.Fatalf("durabletest: %v", err)
		}
		if inst.Status.Terminal() {
			break
		}
		// The instance and its child workflows: the next thing to happen is
		// the earliest wake-up among them, or a takeover.
		insts, err := client.List(ctx, runtime.ListOptions{IDPrefix: InstanceID})
		if err != nil {
			t.Fatalf("durabletest: %v", err)
		}
		var wake, childWake time.Time
		crashed := false
		for _, in := range insts {
			switch in.Status {
			case runtime.StatusReady:
				t.Fatalf("durabletest: %s: instance %s of workflow %s is never run: register it with durabletest.WithChildren(...)", wf.Name(), in.ID, in.Workflow)
			case runtime.StatusSleeping, runtime.StatusWaiting:
				if in.WakeAt.IsZero() {
					t.Fatalf("durabletest: %s waits for signal %q, which was not scripted; add durabletest.WithSignal(%q, ...)", wf.Name(), in.AwaitName, in.AwaitName)
				}
				if strings.HasPrefix(in.AwaitName, "$child:") {
					// A parent's check on its child, in case the child's
					// signal was lost: it will come; the child's own
					// wake-ups are what moves time.
					if childWake.IsZero() || in.WakeAt.Before(childWake) {
						childWake = in.WakeAt
					}
					continue
				}
				if wake.IsZero() || in.WakeAt.Before(wake) {
					wake = in.WakeAt
				}
			case runtime.StatusRunning:
				crashed = true
			}
		}
		switch {
		case crashed:
			// The process "died" holding the lease: a new worker takes the
			// instance over once it expires, with nothing kept in memory.
			clock.Advance(lease + time.Second)
			w = newWorker()
		case !wake.IsZero():
			clock.Set(wake)
		default:
			clock.Set(childWake)
		}
		if run == cfg.maxRuns-1 {
			t.Fatalf("durabletest: %s did not finish after %d runs of its worker", wf.Name(), cfg.maxRuns)
		}
	}
	res, err := h.Result(ctx)
	o := outcome{out: res, rawErr: err, effects: cfg.log.Effects(InstanceID)}
	if err != nil {
		o.err = err.Error()
	}
	return o, counts, where
}

func sitePos(s *runtime.Site) string {
	if s == nil {
		return "the workflow's return"
	}
	if s.Name != "" {
		return s.Pos + " " + s.Name
	}
	return s.Pos
}
