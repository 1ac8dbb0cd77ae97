package equiv

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// TestHelpers runs workflows whose checkpoints are made inside helper
// functions (nested frames, two calls deep, in loops and expressions)
// directly and through their machines, crashing at every checkpoint.
func TestHelpers(t *testing.T) {
	log := durabletest.WithLog(Effects)
	cases := []struct {
		name string
		run  func(t *testing.T) durabletest.Report
	}{
		{"Helpers/0", func(t *testing.T) durabletest.Report { return durabletest.Run(t, HelpersWorkflow, 0, log) }},
		{"Helpers/2", func(t *testing.T) durabletest.Report { return durabletest.Run(t, HelpersWorkflow, 2, log) }},
		{"HelperErrors/neg", func(t *testing.T) durabletest.Report { return durabletest.Run(t, HelperErrorsWorkflow, -5, log) }},
		{"HelperErrors/pos", func(t *testing.T) durabletest.Report { return durabletest.Run(t, HelperErrorsWorkflow, 3, log) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.run(t)
			if r.CrashRuns < 2 {
				t.Errorf("%d crash runs: the crash matrix did not run", r.CrashRuns)
			}
			t.Logf("%s: %v %v after %d crash runs", c.name, r.Result, r.Err, r.CrashRuns)
		})
	}
}

// TestHelperKinds: helper methods on the workflow's receiver, signals,
// timers, durable.Now and children inside helpers, slices shared with a
// helper that only reads them, and a panic raised inside a helper.
func TestHelperKinds(t *testing.T) {
	log := durabletest.WithLog(Effects)
	acct := &Account{Owner: "ann", Calc: Calc{Factor: 3}}
	cases := []struct {
		name string
		run  func(t *testing.T) durabletest.Report
	}{
		{"Audit", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, AccountAuditWorkflow.Bind(acct), 2, log)
		}},
		{"HelperWaits/signal", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, HelperWaitsWorkflow, int64(7), log, durabletest.WithChildren(DripWorkflow), durabletest.WithSignal("approval", Decision{By: "bob", OK: true}))
		}},
		{"HelperWaits/timeout", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, HelperWaitsWorkflow, int64(7), log, durabletest.WithChildren(DripWorkflow))
		}},
		{"HelperWrites", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, HelperWritesWorkflow, Pair{A: 1, B: 100}, log)
		}},
		{"KeptClosures/ann", func(t *testing.T) durabletest.Report { return durabletest.Run(t, KeptClosuresWorkflow, "ann", log) }},
		{"KeptClosures/empty", func(t *testing.T) durabletest.Report { return durabletest.Run(t, KeptClosuresWorkflow, "", log) }},
		{"ClosureLoop", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ClosureLoopWorkflow, 4, log) }},
		{"PlainContext", func(t *testing.T) durabletest.Report { return durabletest.Run(t, PlainContextWorkflow, 4, log) }},
		{"PointersKept", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, PointersKeptWorkflow, Cart{Order: Line{SKU: "o1"}, Lines: []Line{{SKU: "a", Qty: 2}, {SKU: "b", Qty: 3}}}, log)
		}},
		{"BoxedPointers", func(t *testing.T) durabletest.Report { return durabletest.Run(t, BoxedPointersWorkflow, "añb", log) }},
		{"SharedKept", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, SharedKeptWorkflow, Bag{Items: []string{"x", "y"}, Tags: map[string]int{"t": 1}}, log)
		}},
		{"ReserveAll", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, ReserveAllWorkflow, Shelf{Items: []Line{{SKU: "a"}, {SKU: "b"}, {SKU: "c"}}}, log)
		}},
		{"ReturnForward/odd", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ReturnForwardWorkflow, 4, log) }},
		{"ReturnForward/even", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ReturnForwardWorkflow, 5, log) }},
		{"HelperValues", func(t *testing.T) durabletest.Report { return durabletest.Run(t, HelperValuesWorkflow, 3, log) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.run(t)
			if r.CrashRuns < 2 {
				t.Errorf("%d crash runs: the crash matrix did not run", r.CrashRuns)
			}
			t.Logf("%s: %v %v after %d crash runs", c.name, r.Result, r.Err, r.CrashRuns)
		})
	}
}

// TestHelperPanic: a panic inside a helper, after its checkpoint, fails
// the instance with the panic and the helper's source line, as the direct
// call panics there.
func TestHelperPanic(t *testing.T) {
	direct := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		_, _ = HelperValues(durable.Background(), 0)
		return ""
	}()
	if !strings.Contains(direct, "divide by zero") {
		t.Fatalf("direct HelperValues(0) panicked with %q, want a division by zero", direct)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	store := memstore.New()
	w := runtime.NewWorker(store, runtime.WorkerOptions{Concurrency: 1, PollInterval: 10 * time.Millisecond})
	w.Register(HelperValuesWorkflow)
	go w.Run(ctx)
	h, err := runtime.Start(ctx, runtime.NewClient(store), HelperValuesWorkflow, "helper-panic", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Result(ctx)
	src, rerr := os.ReadFile("helpers.go")
	if rerr != nil {
		t.Fatal(rerr)
	}
	line := 1 + strings.Count(string(src[:strings.Index(string(src), "return v / d")]), "\n")
	at := fmt.Sprintf("helpers.go:%d", line)
	if err == nil || !strings.Contains(err.Error(), "panicked") || !strings.Contains(err.Error(), "divide by zero") || !strings.Contains(err.Error(), at) {
		t.Errorf("HelperValues(0) through its machine: %v; want the helper's panic at %s", err, at)
	}
}
