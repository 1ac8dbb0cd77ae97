package durabletest_test

import (
	"fmt"
	"testing"

	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/durabletest/internal/flows"
)

// BenchmarkRun measures Run on loops of 100 and 400 steps: crashed runs
// resumed from snapshots (the default), sampled, and run from the start
// on SQLite. Every crashed run still runs from its crash point to the end,
// so the time grows with the square of the checkpoints unless sampled;
// from the start it also runs up to the crash, on a store of its own.
//
//	go test ./durabletest -run '^$' -bench Run -benchtime 1x
func BenchmarkRun(b *testing.B) {
	modes := []struct {
		name string
		opts []durabletest.Option
	}{
		{"snapshots", nil},
		{"sample=100", []durabletest.Option{durabletest.SampleCrashes(100, 1)}},
		{"from-start", []durabletest.Option{durabletest.FromStart()}},
	}
	for _, n := range []int{100, 400} {
		for _, m := range modes {
			b.Run(fmt.Sprintf("loop=%d/%s", n, m.name), func(b *testing.B) {
				opts := append([]durabletest.Option{durabletest.WithLog(flows.Effects)}, m.opts...)
				for b.Loop() {
					durabletest.Run(b, flows.LoopWorkflow, n, opts...)
				}
			})
		}
	}
}
