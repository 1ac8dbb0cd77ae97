package durabletest_test

import (
	"fmt"
	"testing"

	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/durabletest/internal/flows"
)

func BenchmarkLoop(b *testing.B) {
	for _, n := range []int{100, 400} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				durabletest.Run(b, flows.LoopWorkflow, n, durabletest.WithLog(flows.Effects))
			}
		})
	}
}
