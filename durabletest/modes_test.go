package durabletest_test

import (
	"testing"

	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/durabletest/internal/flows"
	"github.com/durablegen/durable/internal/equiv"
)

// TestModesAgree checks that a crashed run resumed from a snapshot of the
// uncrashed run ends exactly as the same crash reached by running from
// the start: the same crash points, and at each the same result, error,
// effects and history, on workflows with every kind of checkpoint —
// child workflows (one failing, one nested two deep), durable sleeps,
// signals with and without a deadline, compensations (one failing), steps
// retried in memory and after a suspension (injected failures, and a
// step that fails its first attempt), durable.All and durable.Select,
// durable.Do, and workflows that panic.
func TestModesAgree(t *testing.T) {
	elog, flog := durabletest.WithLog(equiv.Effects), durabletest.WithLog(flows.Effects)
	retried := []durabletest.Option{flog, durabletest.Transient(flows.Charge, 2), durabletest.Transient(flows.Reserve, 1), durabletest.Transient(flows.Ping, 1)}
	cases := []struct {
		name string
		run  func(t *testing.T) int
	}{
		{"Loop", func(t *testing.T) int { return durabletest.CompareModes(t, flows.LoopWorkflow, 6, flog) }},
		{"Order/retried", func(t *testing.T) int {
			return durabletest.CompareModes(t, flows.OrderWorkflow, []string{"a", "b"}, append(retried, durabletest.WithUnorderedEffects())...)
		}},
		{"Renew", func(t *testing.T) int {
			return durabletest.CompareModes(t, flows.RenewWorkflow, flows.Tally{Total: 5, Every: 2}, flog)
		}},
		{"Explode", func(t *testing.T) int { return durabletest.CompareModes(t, flows.ExplodeWorkflow, 2, flog) }},
		{"Onboard", func(t *testing.T) int {
			return durabletest.CompareModes(t, equiv.OnboardWorkflow, []string{"ann", "", "bob"}, elog, durabletest.WithChildren(equiv.DripWorkflow))
		}},
		{"Nested", func(t *testing.T) int {
			return durabletest.CompareModes(t, equiv.AccountNestedWorkflow.Bind(&equiv.Account{Owner: "cy"}), 2, elog,
				durabletest.WithChildren(equiv.SequenceWorkflow, equiv.OnboardWorkflow, equiv.DripWorkflow))
		}},
		{"ChildArgs", func(t *testing.T) int {
			return durabletest.CompareModes(t, equiv.ChildArgsWorkflow, []string{"a", "b"}, elog, durabletest.WithChildren(equiv.DripWorkflow))
		}},
		{"Approval", func(t *testing.T) int {
			return durabletest.CompareModes(t, equiv.ApprovalWorkflow, int64(20_000_00), elog, durabletest.WithSignal("approval", equiv.Decision{By: "ann", OK: true}))
		}},
		{"ApprovalDeadline/timeout", func(t *testing.T) int {
			return durabletest.CompareModes(t, equiv.ApprovalDeadlineWorkflow, int64(1), elog)
		}},
		{"Trip/broken", func(t *testing.T) int {
			return durabletest.CompareModes(t, equiv.TripWorkflow, []string{"flight", "broken", "car"}, elog)
		}},
		{"SagaShapes", func(t *testing.T) int { return durabletest.CompareModes(t, equiv.SagaShapesWorkflow, 7, elog) }},
		{"ArgsOnce", func(t *testing.T) int { return durabletest.CompareModes(t, equiv.ArgsOnceWorkflow, 3, elog) }},
		{"Fanout", func(t *testing.T) int {
			return durabletest.CompareModes(t, equiv.FanoutWorkflow, []string{"x", "", "y"}, elog, durabletest.WithUnorderedEffects())
		}},
		{"Race", func(t *testing.T) int {
			return durabletest.CompareModes(t, equiv.RaceWorkflow, 30, elog, durabletest.WithUnorderedEffects())
		}},
		{"Inline", func(t *testing.T) int { return durabletest.CompareModes(t, equiv.InlineWorkflow, 3, elog) }},
		{"Panics", func(t *testing.T) int { return durabletest.CompareModes(t, equiv.PanicsWorkflow, "after", elog) }},
	}
	total := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := c.run(t)
			if n == 0 {
				t.Errorf("%s has no crash point", c.name)
			}
			total += n
		})
	}
	t.Logf("%d workflows, %d crash points resumed both ways", len(cases), total)
}
