package equiv

import (
	"slices"
	"testing"

	"github.com/durablegen/durable/durabletest"
)

// TestParallel runs steps started with durable.Go and awaited with
// durable.All, directly (concurrently, once each) and through the machine
// under the crash matrix: one checkpoint per All, the same results and
// errors, each step's effect once (steps run concurrently, so effects
// are compared in any order).
func TestParallel(t *testing.T) {
	opts := []durabletest.Option{durabletest.WithLog(Effects), durabletest.WithUnorderedEffects()}
	t.Run("ok", func(t *testing.T) {
		r := durabletest.Run(t, FanoutWorkflow, []string{"a", "b"}, opts...)
		if r.Err != nil || r.Result != "2 a+b A,B" {
			t.Errorf("Fanout = %q, %v; want \"2 a+b A,B\"", r.Result, r.Err)
		}
		if r.Checkpoints != 4 { // All, Echo, All, the end
			t.Errorf("%d checkpoints, want 4: one per durable.All", r.Checkpoints)
		}
		got := slices.Sorted(slices.Values(Effects.Effects(durabletest.InstanceID)))
		want := []string{"count 2", "echo 2 a+b", "join", "upper a", "upper b"}
		if !slices.Equal(got, want) {
			t.Errorf("effects = %q, want %q", got, want)
		}
	})
	t.Run("fails", func(t *testing.T) {
		r := durabletest.Run(t, FanoutWorkflow, []string{"x", "", "y"}, opts...)
		if r.Err == nil || r.Err.Error() != "fan-out: empty word" {
			t.Errorf("Fanout failed with %v, want fan-out: empty word", r.Err)
		}
	})
	t.Run("select", func(t *testing.T) {
		r := durabletest.Run(t, RaceWorkflow, 30, opts...)
		if r.Err != nil || r.Result != "1 fast" {
			t.Errorf("Race = %q, %v; want \"1 fast\" (the slow step cancelled)", r.Result, r.Err)
		}
		if got := Effects.All(durabletest.InstanceID); slices.Contains(got, "slow") {
			t.Errorf("effects %q: the slow step was not cancelled", got)
		}
	})
}
