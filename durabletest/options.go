package durabletest

import (
	"context"
	"fmt"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
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
	state     func() (restore func()) // see WithSnapshot
	fromStart bool
	sample    *sample
	maxRuns   int
	stubs     map[string]any // step name → fake (see Stub)
	faults    faults         // step name → injected failures (see Transient)
	children  []durable.Definition
	errs      []error // bad options, reported by Run
}

type signal struct {
	name    string
	payload []byte
}

func newConfig(opts []Option) *config {
	cfg := &config{signals: map[string][][]byte{}, maxRuns: 10000}
	for _, o := range opts {
		o(cfg)
	}
	if cfg.log == nil {
		cfg.log = &Log{}
	}
	return cfg
}

// snapshots reports whether crashed runs resume from snapshots of the
// uncrashed run: unless asked not to, or fakes keep state outside the
// workflow (WithReset) that no snapshot would hold (WithSnapshot).
func (c *config) snapshots() bool {
	return !c.fromStart && (c.reset == nil || c.state != nil)
}

// context returns the context of machine runs: it carries the stubs and
// the wrappers that inject failures.
func (c *config) context() context.Context {
	ctx := context.Background()
	if len(c.stubs) == 0 && len(c.faults) == 0 {
		return ctx
	}
	stubs := make(map[string]any, len(c.stubs)+len(c.faults))
	for name, fake := range c.stubs {
		stubs[name] = fake
	}
	for name, f := range c.faults {
		stubs[name] = f.wrapper(c.stubs[name])
	}
	return runtime.WithStubs(ctx, stubs)
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

// WithReset calls reset before every run that starts the workflow (the
// direct call and the uncrashed machine run; with [FromStart], each
// crashed run too), to give fakes that keep state outside the workflow —
// a ledger file, an in-memory bank — a clean start.
//
// A crashed run resumes from a snapshot of the uncrashed run, which holds
// the store and the [Log] but not such fakes: give [WithSnapshot] too, or
// Run runs every crashed run from the start, as [FromStart] does.
func WithReset(reset func()) Option { return func(c *config) { c.reset = reset } }

// WithSnapshot lets crashed runs resume from snapshots although fakes
// keep state outside the workflow (see [WithReset]): at every crash point
// of the uncrashed run, Run calls save, and before it resumes from that
// point, the function save returned, which must put the fakes back in the
// state they had then.
//
//	durabletest.WithSnapshot(func() func() {
//		saved := maps.Clone(bank.balances)
//		return func() { bank.balances = maps.Clone(saved) }
//	})
func WithSnapshot(save func() (restore func())) Option {
	return func(c *config) {
		if save == nil {
			c.errs = append(c.errs, fmt.Errorf("durabletest.WithSnapshot: save is nil"))
			return
		}
		c.state = save
	}
}

// FromStart runs each crashed run from the start, on a new SQLite store:
// it runs until it crashes, then resumes and ends, where by default a
// crashed run resumes from a snapshot of the in-memory store taken where
// the uncrashed run passed the crash point. Both end alike (a test of this
// package checks it); FromStart costs a run per crash point, so the time
// grows with the square of the checkpoints, but it checks the SQLite store
// too, and fakes that keep state outside the workflow as they would be.
func FromStart() Option { return func(c *config) { c.fromStart = true } }
