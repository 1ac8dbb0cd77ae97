package equiv

import (
	"testing"

	"github.com/durablegen/durable/durabletest"
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
