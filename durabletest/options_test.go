package durabletest_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/durabletest/internal/flows"
	"github.com/durablegen/durable/internal/equiv"
)

// recordTB records what Run reports instead of failing the test; a
// Fatalf stops the run there.
type recordTB struct {
	testing.TB
	msgs []string
}

var errFatal = errors.New("fatal")

func (r *recordTB) Helper() {}

func (r *recordTB) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recordTB) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(errFatal)
}

// run calls Run with a recordTB and returns what it reported.
func run(t *testing.T, f func(tb testing.TB)) string {
	t.Helper()
	rt := &recordTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != errFatal {
				panic(r)
			}
		}()
		f(rt)
	}()
	return strings.Join(rt.msgs, "\n")
}

// TestTransient injects failures that the steps' policies retry — in
// memory, after an hour's suspension, and by a panic for a step without an
// error result — under every crash: the machine ends as the direct call
// does, which sees none of them.
func TestTransient(t *testing.T) {
	log := durabletest.WithLog(flows.Effects)
	unordered := durabletest.WithUnorderedEffects() // the futures run concurrently
	items := []string{"a", "b"}
	plain := durabletest.Run(t, flows.OrderWorkflow, items, log, unordered)
	r := durabletest.Run(t, flows.OrderWorkflow, items, log, unordered,
		durabletest.Transient(flows.Charge, 2), durabletest.Transient(flows.Reserve, 2), durabletest.Transient(flows.Ping, 1))
	if r.Err != nil || r.Result != plain.Result {
		t.Errorf("Order with injected failures = %v, %v; want %v, nil", r.Result, r.Err, plain.Result)
	}
	// Two calls each: Charge fails twice, Reserve twice, Ping once (the
	// futures call Charge directly, not as a step).
	if want := 2*2 + 2*2 + 2*1; r.Injected != want {
		t.Errorf("Injected = %d, want %d", r.Injected, want)
	}
	// Each failure of Reserve suspends the instance: a checkpoint each.
	if r.Checkpoints != plain.Checkpoints+4 {
		t.Errorf("Checkpoints = %d with failures, %d without; want 4 more (the suspended retries)", r.Checkpoints, plain.Checkpoints)
	}
}

// TestTransientWraps injects failures into a method step, which must
// then run with the receiver the workflow called it on, and into a
// stubbed step, which must then call the fake.
func TestTransientWraps(t *testing.T) {
	log := durabletest.WithLog(equiv.Effects)
	wf := equiv.AccountReportWorkflow.Bind(&equiv.Account{Owner: "ann", Calc: equiv.Calc{Factor: 7}})
	r := durabletest.Run(t, wf, 3, log, durabletest.Transient(equiv.Calc{}.Mul, 2))
	if r.Err != nil || r.Result != "ann: 24" || r.Injected != 2 {
		t.Errorf("Report(3) with 2 failures of Mul = %v, %v after %d failures; want ann: 24 after 2", r.Result, r.Err, r.Injected)
	}
	double := durabletest.Stub(flows.Add, func(ctx context.Context, a, b int) (int, error) { return 2 * (a + b), nil })
	r = durabletest.Run(t, flows.LoopWorkflow, 3, double, durabletest.Transient(flows.Add, 1))
	if r.Err != nil || r.Result != 8 || r.Injected != 3 {
		t.Errorf("Loop(3) with Add stubbed and failing once = %v, %v after %d failures; want 8 after 3", r.Result, r.Err, r.Injected)
	}
}

// TestTransientTooMany injects as many failures as Charge has attempts:
// the step fails for good in the machine, not in the direct call, and Run
// says why.
func TestTransientTooMany(t *testing.T) {
	msg := run(t, func(tb testing.TB) {
		durabletest.Run(tb, flows.OrderWorkflow, []string{"a"}, durabletest.WithLog(flows.Effects), durabletest.Transient(flows.Charge, 3))
	})
	for _, want := range []string{
		"the machine run differs from the direct call",
		"failure 3 of 3 injected into step github.com/durablegen/durable/durabletest/internal/flows.Charge",
		"no attempt of step github.com/durablegen/durable/durabletest/internal/flows.Charge (durabletest-1/2) got past its 3 injected failures",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("Run reported %q, want it to say %q", msg, want)
		}
	}
}

func TestOptionMistakes(t *testing.T) {
	tests := []struct {
		name string
		opt  durabletest.Option
		want string
	}{
		{"no failures", durabletest.Transient(flows.Charge, 0), "durabletest.Transient: 0 failures of github.com/durablegen/durable/durabletest/internal/flows.Charge: want at least 1"},
		{"not a step", durabletest.Transient(strings.ToUpper, 1), "is not a step"},
		{"function literal", durabletest.Transient(func(int) {}, 1), "is a function literal"},
		{"no sample", durabletest.SampleCrashes(0, 1), "durabletest.SampleCrashes(0, 1): want at least 1 crash point"},
		{"nil snapshot", durabletest.WithSnapshot(nil), "durabletest.WithSnapshot: save is nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := run(t, func(tb testing.TB) { durabletest.Run(tb, flows.LoopWorkflow, 1, tc.opt) })
			if !strings.Contains(msg, tc.want) {
				t.Errorf("Run reported %q, want it to say %q", msg, tc.want)
			}
		})
	}
	msg := run(t, func(tb testing.TB) {
		durabletest.Run(tb, flows.LoopWorkflow, 1, durabletest.Transient(flows.Add, 1), durabletest.Transient(flows.Add, 2))
	})
	if want := "step github.com/durablegen/durable/durabletest/internal/flows.Add is given twice"; !strings.Contains(msg, want) {
		t.Errorf("Run reported %q, want it to say %q", msg, want)
	}
}

// TestSampleCrashes runs a long loop under a sample of its crash points,
// resumed from snapshots and from the start.
func TestSampleCrashes(t *testing.T) {
	const n = 50
	for _, mode := range []struct {
		name string
		opts []durabletest.Option
	}{{"snapshots", nil}, {"from the start", []durabletest.Option{durabletest.FromStart()}}} {
		t.Run(mode.name, func(t *testing.T) {
			opts := append([]durabletest.Option{durabletest.WithLog(flows.Effects), durabletest.SampleCrashes(20, 7)}, mode.opts...)
			r := durabletest.Run(t, flows.LoopWorkflow, n, opts...)
			// A step per iteration: before it, after it, after its commit;
			// and the commit of the return.
			if want := 3*n + 1; r.CrashPoints != want {
				t.Errorf("CrashPoints = %d, want %d", r.CrashPoints, want)
			}
			if r.CrashRuns != 20 {
				t.Errorf("CrashRuns = %d, want the sample's 20", r.CrashRuns)
			}
			if r.Result != n*(n-1)/2 {
				t.Errorf("Result = %v, want %d", r.Result, n*(n-1)/2)
			}
		})
	}
}

// TestWithSnapshot runs Settle, whose step counts its polls outside the
// workflow, by step key: a run resumed from a snapshot must start from
// the count the uncrashed run had there.
func TestWithSnapshot(t *testing.T) {
	reset := durabletest.WithReset(func() { clear(flows.Polls) })
	save := func() func() {
		saved := maps.Clone(flows.Polls)
		return func() {
			clear(flows.Polls)
			maps.Copy(flows.Polls, saved)
		}
	}
	log := durabletest.WithLog(flows.Effects)
	for _, tc := range []struct {
		name string
		opts []durabletest.Option
	}{
		{"saved", []durabletest.Option{reset, durabletest.WithSnapshot(save)}},
		{"reset only, from the start", []durabletest.Option{reset}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := durabletest.Run(t, flows.SettleWorkflow, "ch-1", append(tc.opts, log)...)
			if r.Err != nil || r.Result != 3 || r.CrashRuns != r.CrashPoints {
				t.Errorf("Settle = %v, %v after %d of %d crash runs; want 3 polls and every crash", r.Result, r.Err, r.CrashRuns, r.CrashPoints)
			}
		})
	}
	t.Run("not restored", func(t *testing.T) {
		forget := durabletest.WithSnapshot(func() func() { return func() {} })
		msg := run(t, func(tb testing.TB) { durabletest.Run(tb, flows.SettleWorkflow, "ch-1", reset, forget, log) })
		if !strings.Contains(msg, "the resumed run differs from the uncrashed one") {
			t.Errorf("Run with fakes not restored reported %q, want a divergence", msg)
		}
	})
}

// TestDirectPanic runs workflows whose direct call panics: the machine
// must fail with the panic, after the same effects; a step's panic, which
// the machine makes the step's error, does not match it.
func TestDirectPanic(t *testing.T) {
	r := durabletest.Run(t, flows.ExplodeWorkflow, 2, durabletest.WithLog(flows.Effects))
	if r.Err == nil || !strings.Contains(r.Err.Error(), "index out of range [4] with length 3") {
		t.Errorf("Explode(2) error = %v, want the workflow's panic", r.Err)
	}
	if got, want := flows.Effects.Effects(durabletest.InstanceID), []string{"add 0 1", "add 1 2", "add 3 3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Explode(2) effects = %q, want %q", got, want)
	}
	msg := run(t, func(tb testing.TB) { durabletest.Run(tb, flows.BlastWorkflow, 1) })
	if want := `the machine run differs from the direct call: error = "step Boom panicked: boom`; !strings.Contains(msg, want) || !strings.Contains(msg, "want the workflow's panic: boom") {
		t.Errorf("Run(Blast) reported %q, want %q and the direct call's panic", msg, want)
	}
}
