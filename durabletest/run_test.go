package durabletest_test

import (
	"reflect"
	"testing"

	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/durabletest/internal/flows"
	"github.com/durablegen/durable/durabletest/internal/mutate"
)

// TestRunCopiesInput runs a workflow that writes through its input's
// slice, map and pointer: every run (the direct call and each machine
// run) must start from its own copy, or the runs after the first sum the
// zeros an earlier one left and Run reports a divergence that is not
// there; and the caller's value must be left alone.
func TestRunCopiesInput(t *testing.T) {
	total := func(n int) *int { return &n }
	tests := []struct {
		name string
		in   func() mutate.Order // a new value each call, to compare with
		want int
	}{
		{"slice", func() mutate.Order { return mutate.Order{Lines: []int{1, 2, 3}} }, 7},
		{"map", func() mutate.Order { return mutate.Order{Seen: map[string]int{"a": 4, "b": 5}} }, 10},
		{"pointer", func() mutate.Order { return mutate.Order{Total: total(6)} }, 7},
		{"all", func() mutate.Order {
			return mutate.Order{Lines: []int{1, 2, 3}, Seen: map[string]int{"a": 4}, Total: total(5)}
		}, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in()
			r := durabletest.Run(t, mutate.ConsumeWorkflow, in)
			if r.Result != tt.want {
				t.Errorf("Run(Consume, %+v).Result = %v, want %v", tt.in(), r.Result, tt.want)
			}
			if r.CrashRuns == 0 {
				t.Errorf("Run(Consume, %+v).CrashRuns = 0, want crashed runs", tt.in())
			}
			if want := tt.in(); !reflect.DeepEqual(in, want) {
				t.Errorf("after Run, the caller's input = %+v, want %+v (unchanged)", in, want)
			}
		})
	}
}

// TestContinueAsNew runs a workflow that continues as new twice: the
// machine, crashed at every point (before and after each continuation's
// commit among them), returns what the direct call does when each of its
// runs is followed by the next, and no committed step runs again.
func TestContinueAsNew(t *testing.T) {
	in := flows.Tally{Total: 7, Every: 3}
	r := durabletest.Run(t, flows.RenewWorkflow, in, durabletest.WithLog(flows.Effects))
	if r.Err != nil || r.Result != 21 {
		t.Errorf("Run(Renew, %+v) = %v, %v; want 21 (0+1+...+6)", in, r.Result, r.Err)
	}
	// 7 steps, 2 sleeps, 2 continuations and the completion.
	if r.Checkpoints != 12 || r.CrashRuns < r.Checkpoints {
		t.Errorf("Run(Renew, %+v) = %d checkpoints, %d crashed runs; want 12 checkpoints, each crashed after", in, r.Checkpoints, r.CrashRuns)
	}
}
