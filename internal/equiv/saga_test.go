package equiv

import (
	"strings"
	"testing"

	"github.com/durablegen/durable/durabletest"
)

// TestSagas runs workflows that register compensations, directly and
// through their machines under the crash matrix: compensations run last
// first, exactly when the workflow fails, with the arguments they were
// registered with, and a crash during one resumes the rest.
func TestSagas(t *testing.T) {
	log := durabletest.WithLog(Effects)
	tests := []struct {
		name    string
		run     func(t *testing.T) durabletest.Report
		wantErr string
		effects string // the machine's effects, '|'-separated
	}{
		{"Trip/even", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, TripWorkflow, []string{"flight", "hotel"}, log)
		}, "", "echo book flight|echo book hotel"},
		{"Trip/odd", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, TripWorkflow, []string{"flight", "hotel", "car"}, log)
		}, "trip of 3: odd trip", "echo book flight|echo book hotel|echo book car|fail odd trip|note cancel 2 car|note cancel 1 hotel|note cancel 0 flight"},
		{"Trip/broken", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, TripWorkflow, []string{"flight", "broken", "car"}, log)
		}, "trip of 3: odd trip\ncompensate Fail: cannot cancel broken", "echo book flight|echo book broken|echo book car|fail odd trip|note cancel 2 car|fail cannot cancel broken|note cancel 0 flight"},
		{"SagaShapes/ok", func(t *testing.T) durabletest.Report { return durabletest.Run(t, SagaShapesWorkflow, 3, log) }, "", "mul 3 2"},
		{"SagaShapes/fails", func(t *testing.T) durabletest.Report { return durabletest.Run(t, SagaShapesWorkflow, 7, log) },
			"too big: 7", "mul 7 2|note big|add 1 2|touch undo 14|mul 7 14"},
		{"Refunds/even", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, AccountRefundsWorkflow.Bind(&Account{Calc: Calc{Factor: 2}}), 3, log)
		}, "", "mul 2 3|check 6"},
		{"Refunds/odd", func(t *testing.T) durabletest.Report {
			return durabletest.Run(t, AccountRefundsWorkflow.Bind(&Account{Calc: Calc{Factor: 3}}), 3, log)
		}, "check 9: odd number", "mul 3 3|check 9|mul 3 -9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.run(t)
			gotErr := ""
			if r.Err != nil {
				gotErr = r.Err.Error()
			}
			if gotErr != tc.wantErr {
				t.Errorf("error = %q, want %q", gotErr, tc.wantErr)
			}
			if got := strings.Join(Effects.Effects(durabletest.InstanceID), "|"); got != tc.effects {
				t.Errorf("effects = %q, want %q", got, tc.effects)
			}
			t.Logf("%d checkpoints, %d crash runs", r.Checkpoints, r.CrashRuns)
		})
	}
}
