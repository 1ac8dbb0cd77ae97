package equiv

import (
	"testing"

	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/internal/equiv/ext"
)

// TestCheckpointClosures runs workflows whose checkpoints are made inside
// function literals compiled as helpers, directly and through their
// machines, crashing at every checkpoint: a literal writing what it
// captures, reading what its caller changed, with its own context and
// several results, defined in a loop, and defined in a helper.
func TestCheckpointClosures(t *testing.T) {
	ext.Effects = Effects // the effects of the steps of ext's helpers
	t.Cleanup(func() { ext.Effects = nil })
	log := durabletest.WithLog(Effects)
	cases := []struct {
		name string
		run  func(t *testing.T) durabletest.Report
	}{
		{"Notify/0", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ClosureNotifyWorkflow, 0, log) }},
		{"Notify/3", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ClosureNotifyWorkflow, 3, log) }},
		{"ByReference", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ClosureByReferenceWorkflow, 4, log) }},
		{"OwnContext", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ClosureOwnContextWorkflow, 3, log) }},
		{"InLoop", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ClosureInLoopWorkflow, 3, log) }},
		{"InHelper", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ClosureInHelperWorkflow, 2, log) }},
		{"HelperSaga/ok", func(t *testing.T) durabletest.Report { return durabletest.Run(t, HelperSagaWorkflow, 2, log) }},
		{"HelperSaga/fail", func(t *testing.T) durabletest.Report { return durabletest.Run(t, HelperSagaWorkflow, 3, log) }},
		{"HelperFanout/ok", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, HelperFanoutWorkflow, []string{"x", "y"}, log, durabletest.WithUnorderedEffects())
		}},
		{"HelperFanout/fail", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, HelperFanoutWorkflow, []string{"x", ""}, log, durabletest.WithUnorderedEffects())
		}},
		{"ForeignHelpers/short", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, ForeignHelpersWorkflow, []string{"x", "y"}, log)
		}},
		{"ForeignHelpers/cut", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, ForeignHelpersWorkflow, []string{"a", "b", "c", "d"}, log)
		}},
		{"ForeignHelpers/fail", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, ForeignHelpersWorkflow, []string{"a", ""}, log)
		}},
		{"GenericHelpers", func(t *testing.T) durabletest.Report { return durabletest.Run(t, GenericHelpersWorkflow, 3, log) }},
		{"MethodValues", func(t *testing.T) durabletest.Report { return durabletest.Run(t, MethodValuesWorkflow, 3, log) }},
		{"CalledAtOnce", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ClosureCalledAtOnceWorkflow, 2, log) }},
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
