package equiv

import (
	"reflect"
	"slices"
	"testing"

	"github.com/durablegen/durable/durabletest"
)

// TestEquivalence runs every workflow of the package directly and through
// its generated machine on SQLite, crashing at every checkpoint in every
// phase, and checks that results, errors and effects agree.
func TestEquivalence(t *testing.T) {
	log := durabletest.WithLog(Effects)
	cases := []struct {
		name string
		run  func(t *testing.T) durabletest.Report
	}{
		{"Sequence", func(t *testing.T) durabletest.Report { return durabletest.Run(t, SequenceWorkflow, 4, log) }},
		{"SpecialValues", func(t *testing.T) durabletest.Report {
			// NaN != NaN and times carry *time.Location pointers: compare
			// what the workflow can observe.
			observable := durabletest.WithEqual(func(want, got any) bool {
				return SpecialKey(want.(Special)) == SpecialKey(got.(Special))
			})
			return durabletest.Run(t, SpecialValuesWorkflow, 1, log, observable)
		}},
		{"IfElse/even", func(t *testing.T) durabletest.Report { return durabletest.Run(t, IfElseWorkflow, 4, log) }},
		{"IfElse/bigodd", func(t *testing.T) durabletest.Report { return durabletest.Run(t, IfElseWorkflow, 13, log) }},
		{"IfElse/negative", func(t *testing.T) durabletest.Report { return durabletest.Run(t, IfElseWorkflow, -3, log) }},
		{"ForClassic", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ForClassicWorkflow, 4, log) }},
		{"ForCond", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ForCondWorkflow, 3, log) }},
		{"ForeverBreak", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ForeverBreakWorkflow, 1, log) }},
		{"Expressions", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ExpressionsWorkflow, 2, log) }},
		{"ShortCircuit", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ShortCircuitWorkflow, 1, log) }},
		{"MultiValue", func(t *testing.T) durabletest.Report { return durabletest.Run(t, MultiValueWorkflow, 17, log) }},
		{"Shadowing", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ShadowingWorkflow, 2, log) }},
		{"NamedResults/small", func(t *testing.T) durabletest.Report { return durabletest.Run(t, NamedResultsWorkflow, 5, log) }},
		{"NamedResults/big", func(t *testing.T) durabletest.Report { return durabletest.Run(t, NamedResultsWorkflow, 60, log) }},
		{"LocalDecls", func(t *testing.T) durabletest.Report { return durabletest.Run(t, LocalDeclsWorkflow, 7, log) }},
		{"RangeSlice", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, RangeSliceWorkflow, []int{5, 6, 7}, log)
		}},
		{"RangeArray", func(t *testing.T) durabletest.Report { return durabletest.Run(t, RangeArrayWorkflow, 1, log) }},
		{"RangeString", func(t *testing.T) durabletest.Report { return durabletest.Run(t, RangeStringWorkflow, "aé😀b", log) }},
		{"RangeInt", func(t *testing.T) durabletest.Report { return durabletest.Run(t, RangeIntWorkflow, 3, log) }},
		{"MapKeys", func(t *testing.T) durabletest.Report { return durabletest.Run(t, MapKeysWorkflow, 3, log) }},
		{"RangeFunc", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, RangeFuncWorkflow, map[string]int{"bb": 2, "a": 1, "ccc": 3}, log)
		}},
		{"RangeMap", func(t *testing.T) durabletest.Report {
			sorted := durabletest.WithEqual(func(want, got any) bool {
				return reflect.DeepEqual(slices.Sorted(slices.Values(want.([]string))), got)
			})
			return durabletest.Run(t, RangeMapWorkflow, map[string]int{"b": 2, "a": 1, "zz": 26, "c": 3}, log, sorted, durabletest.WithUnorderedEffects())
		}},
		{"Labeled", func(t *testing.T) durabletest.Report { return durabletest.Run(t, LabeledWorkflow, 4, log) }},
		{"ReturnInLoop/found", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ReturnInLoopWorkflow, 4, log) }},
		{"ReturnInLoop/none", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ReturnInLoopWorkflow, 50, log) }},
		{"LoopVars", func(t *testing.T) durabletest.Report { return durabletest.Run(t, LoopVarsWorkflow, 3, log) }},
		{"Switch", func(t *testing.T) durabletest.Report { return durabletest.Run(t, SwitchWorkflow, 1, log) }},
		{"TypeSwitch", func(t *testing.T) durabletest.Report { return durabletest.Run(t, TypeSwitchWorkflow, 2, log) }},
		{"Errors/odd", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ErrorsWorkflow, 3, log) }},
		{"Errors/even", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ErrorsWorkflow, 4, log) }},
		{"Closures", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ClosuresWorkflow, 5, log) }},
		{"Variadic", func(t *testing.T) durabletest.Report { return durabletest.Run(t, VariadicWorkflow, 2, log) }},
		{"Method", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, AccountReportWorkflow.Bind(&Account{Owner: "ann", Calc: Calc{Factor: 7}}), 3, log)
		}},
		{"Imported/ok", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, ImportedWorkflow, []string{"a", "b"}, log)
		}},
		{"Imported/error", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, ImportedWorkflow, []string{"a", "", "c"}, log)
		}},
		{"CaseCheckpoints", func(t *testing.T) durabletest.Report { return durabletest.Run(t, CaseCheckpointsWorkflow, 1, log) }},
		{"Assignments", func(t *testing.T) durabletest.Report { return durabletest.Run(t, AssignmentsWorkflow, 2, log) }},
		{"TypeSwitchSubject/int", func(t *testing.T) durabletest.Report { return durabletest.Run(t, TypeSwitchSubjectWorkflow, 0, log) }},
		{"TypeSwitchSubject/string", func(t *testing.T) durabletest.Report { return durabletest.Run(t, TypeSwitchSubjectWorkflow, 5, log) }},
		{"TypeSwitchSubject/other", func(t *testing.T) durabletest.Report { return durabletest.Run(t, TypeSwitchSubjectWorkflow, 6, log) }},
		{"TwoResults", func(t *testing.T) durabletest.Report { return durabletest.Run(t, TwoResultsWorkflow, 4, log) }},
		{"ApprovalDeadline/signal", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, ApprovalDeadlineWorkflow, int64(1), log, durabletest.WithSignal("approval", Decision{By: "ann", OK: true}))
		}},
		{"ApprovalDeadline/timeout", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, ApprovalDeadlineWorkflow, int64(1), log)
		}},
		{"NamedRanges", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, NamedRangesWorkflow, SKU("aé"), log, durabletest.WithUnorderedEffects(), durabletest.WithEqual(func(want, got any) bool {
				w, g := want.([]string), got.([]string)
				return len(w) == len(g) && reflect.DeepEqual(slices.Sorted(slices.Values(w)), slices.Sorted(slices.Values(g)))
			}))
		}},
		{"GenericSteps", func(t *testing.T) durabletest.Report { return durabletest.Run(t, GenericStepsWorkflow, 3, log) }},
		{"ForeignLocal", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ForeignLocalWorkflow, 4, log) }},
		{"DefaultOnly", func(t *testing.T) durabletest.Report { return durabletest.Run(t, DefaultOnlyWorkflow, 2, log) }},
		{"Inline", func(t *testing.T) durabletest.Report { return durabletest.Run(t, InlineWorkflow, 3, log) }},
		{"BookAll/ok", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, BookAllWorkflow, []string{"a", "b"}, log, durabletest.WithUnorderedEffects())
		}},
		{"BookAll/compensated", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, BookAllWorkflow, []string{"a", "b", "c"}, log, durabletest.WithUnorderedEffects())
		}},
		{"RangeField", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, RangeFieldWorkflow, Basket{Slots: []Slot{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}, {Name: "e"}}}, log)
		}},
		{"Elided", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ElidedWorkflow, 3, log) }},
		{"CaseCapture", func(t *testing.T) durabletest.Report { return durabletest.Run(t, CaseCaptureWorkflow, 4, log) }},
		{"LoopDefs", func(t *testing.T) durabletest.Report { return durabletest.Run(t, LoopDefsWorkflow, 3, log) }},
		{"LoopAddrs", func(t *testing.T) durabletest.Report { return durabletest.Run(t, LoopAddrsWorkflow, 5, log) }},
		{"Approval/small", func(t *testing.T) durabletest.Report { return durabletest.Run(t, ApprovalWorkflow, int64(500), log) }},
		{"Approval/approved", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, ApprovalWorkflow, int64(20_000_00), log, durabletest.WithSignal("approval", Decision{By: "ann", OK: true}))
		}},
		{"Approval/rejected", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, ApprovalWorkflow, int64(20_000_00), log, durabletest.WithSignal("approval", Decision{By: "bob"}))
		}},
	}
	total := durabletest.Report{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.run(t)
			if r.Checkpoints == 0 {
				t.Errorf("%s committed no checkpoint", c.name)
			}
			total.Checkpoints += r.Checkpoints
			total.CrashRuns += r.CrashRuns
		})
	}
	t.Logf("%d cases, %d checkpoints, %d crash runs", len(cases), total.Checkpoints, total.CrashRuns)
}
