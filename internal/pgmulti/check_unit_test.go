package pgmulti_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/durablegen/durable/internal/pgmulti"
	"github.com/durablegen/durable/internal/pgmulti/flow"
	"github.com/durablegen/durable/runtime"
)

// These tests show that the checks of the multi-process tests catch what
// they are meant to, on made-up traces and tables; they need no database.

func claim(id string, epoch, seq int64) pgmulti.Event {
	return pgmulti.Event{Op: pgmulti.OpClaim, ID: id, Epoch: epoch, Seq: seq}
}

func commitAt(id string, epoch, seq int64, status runtime.Status) pgmulti.Event {
	return pgmulti.Event{Op: pgmulti.OpCommit, ID: id, Epoch: epoch, Seq: seq, Status: status}
}

func fencedCommit(id string, epoch, seq int64) pgmulti.Event {
	return pgmulti.Event{Op: pgmulti.OpCommit, ID: id, Epoch: epoch, Seq: seq, Status: runtime.StatusRunning,
		Err: runtime.ErrFenced.Error(), Fenced: true}
}

const (
	running   = runtime.StatusRunning
	completed = runtime.StatusCompleted
)

// wantProblems checks that p holds a problem containing want, or none if
// want is empty.
func wantProblems(t *testing.T, name string, p problems, want string) {
	t.Helper()
	switch {
	case want == "" && len(p) > 0:
		t.Errorf("%s = %q, want no problem", name, p)
	case want != "" && !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, want) }):
		t.Errorf("%s = %q, want a problem containing %q", name, p, want)
	}
}

func TestReadRuns(t *testing.T) {
	tests := []struct {
		name   string
		traces map[string][]pgmulti.Event
		want   string
	}{
		{"clean", map[string][]pgmulti.Event{
			"a": {claim("r", 1, 0), commitAt("r", 1, 1, running), commitAt("r", 1, 2, completed)},
		}, ""},
		{"takeover after a crash", map[string][]pgmulti.Event{
			"a": {claim("r", 1, 0), commitAt("r", 1, 1, running)},
			"b": {claim("r", 2, 1), commitAt("r", 2, 2, completed)},
		}, ""},
		{"fenced after takeover", map[string][]pgmulti.Event{
			"a": {claim("r", 1, 0), commitAt("r", 1, 1, running), fencedCommit("r", 1, 2)},
			"b": {claim("r", 2, 1), commitAt("r", 2, 2, completed)},
		}, ""},
		{"commit after takeover", map[string][]pgmulti.Event{
			"a": {claim("r", 1, 0), commitAt("r", 1, 1, running)},
			"b": {claim("r", 2, 0), commitAt("r", 2, 2, completed)},
		}, "not fenced"},
		{"checkpoint committed twice", map[string][]pgmulti.Event{
			"a": {claim("r", 1, 0), commitAt("r", 1, 1, running)},
			"b": {claim("r", 2, 1), commitAt("r", 2, 1, completed)},
		}, "committed twice"},
		{"commit without claim", map[string][]pgmulti.Event{
			"a": {claim("r", 1, 0)},
			"b": {commitAt("r", 1, 1, completed)},
		}, "did not claim"},
		{"epoch claimed twice", map[string][]pgmulti.Event{
			"a": {claim("r", 1, 0)},
			"b": {claim("r", 1, 0)},
		}, "claimed twice"},
		{"seq skipped", map[string][]pgmulti.Event{
			"a": {claim("r", 1, 0), commitAt("r", 1, 2, completed)},
		}, "after seq 0"},
		{"duplicate seq", map[string][]pgmulti.Event{
			"a": {claim("r", 1, 0), {Op: pgmulti.OpCommit, ID: "r", Epoch: 1, Seq: 1, Err: "dup", Duplicate: true}},
		}, "failed as a duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p := readRuns(tt.traces)
			wantProblems(t, "readRuns()", p, tt.want)
		})
	}
}

func TestCheckCutRuns(t *testing.T) {
	runs, p := readRuns(map[string][]pgmulti.Event{
		"a": {claim("r", 1, 0), commitAt("r", 1, 1, running)},
		"b": {claim("r", 2, 1), commitAt("r", 2, 2, completed)},
	})
	wantProblems(t, "readRuns()", p, "")
	tests := []struct {
		name      string
		disturbed []string
		want      string
	}{
		{"cut run of the killed worker", []string{"a"}, ""},
		{"cut run of an undisturbed worker", []string{"b"}, "was not disturbed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, p := checkCutRuns(runs, tt.disturbed...)
			if n != 1 {
				t.Errorf("checkCutRuns(%v) = %d cut runs, want 1", tt.disturbed, n)
			}
			wantProblems(t, "checkCutRuns()", p, tt.want)
		})
	}
}

func TestCheckHistory(t *testing.T) {
	steps := map[string]int{"r": 2}
	tests := []struct {
		name   string
		events []historyRow
		want   string
	}{
		{"complete", []historyRow{{"r", 1, "step", "Step"}, {"r", 2, "step", "Step"}, {"r", 3, "complete", ""}}, ""},
		{"gap", []historyRow{{"r", 1, "step", "Step"}, {"r", 3, "step", "Step"}, {"r", 4, "complete", ""}}, "has seq 3, want 2"},
		{"not completed", []historyRow{{"r", 1, "step", "Step"}, {"r", 2, "step", "Step"}}, "want exactly one, last"},
		{"step missing", []historyRow{{"r", 1, "step", "Step"}, {"r", 2, "complete", ""}}, "1 step events, want 2"},
		{"unexpected event", []historyRow{{"r", 1, "step", "Step"}, {"r", 2, "step", "Step"}, {"r", 3, "release", ""}, {"r", 4, "complete", ""}}, `"release" event`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p := checkHistory(steps, tt.events)
			wantProblems(t, "checkHistory()", p, tt.want)
		})
	}
}

func TestCheckOutcomes(t *testing.T) {
	steps := map[string]int{"r": 3}
	tests := []struct {
		name string
		inst instanceRow
		want string
	}{
		{"completed", instanceRow{ID: "r", Status: completed, Seq: 4, Output: []byte(`{"Steps":3,"Sum":3}`)}, ""},
		{"failed", instanceRow{ID: "r", Status: runtime.StatusFailed, Seq: 2, Error: "boom"}, "status failed"},
		{"wrong output", instanceRow{ID: "r", Status: completed, Seq: 4, Output: []byte(`{"Steps":3,"Sum":4}`)}, "want {Steps:3 Sum:3}"},
		{"wrong seq", instanceRow{ID: "r", Status: completed, Seq: 5, Output: []byte(`{"Steps":3,"Sum":3}`)}, "seq 5, want 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantProblems(t, "checkOutcomes()", checkOutcomes(steps, []instanceRow{tt.inst}), tt.want)
		})
	}
}

func TestCheckLedger(t *testing.T) {
	committed := map[string]string{"r/1": "Step", "r/2": "Step"}
	x := func(key string) flow.Execution {
		return flow.Execution{StepKey: key, Step: "Step", Attempt: 1, Owner: "a"}
	}
	tests := []struct {
		name       string
		executions []flow.Execution
		inFlight   map[string]bool
		wantReruns int
		want       string
	}{
		{"once each", []flow.Execution{x("r/1"), x("r/2")}, nil, 0, ""},
		{"rerun in flight", []flow.Execution{x("r/1"), x("r/2"), x("r/2")}, map[string]bool{"r/2": true}, 1, ""},
		{"rerun not in flight", []flow.Execution{x("r/1"), x("r/1"), x("r/2")}, map[string]bool{"r/2": true}, 1, "no run was cut"},
		{"committed, never ran", []flow.Execution{x("r/1")}, nil, 0, "never ran"},
		{"ran, never committed", []flow.Execution{x("r/1"), x("r/2"), x("r/3")}, nil, 0, "never committed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reruns, p := checkLedger(committed, tt.executions, tt.inFlight)
			if reruns != tt.wantReruns {
				t.Errorf("checkLedger() = %d re-executions, want %d", reruns, tt.wantReruns)
			}
			wantProblems(t, "checkLedger()", p, tt.want)
		})
	}
}

func TestCheckStopped(t *testing.T) {
	// Worker a is stopped with run r (epoch 1, at seq 1) open; b takes r
	// over at seq 1 or 2, or not at all (takenAt < 0).
	before := []pgmulti.Event{claim("r", 1, 0), commitAt("r", 1, 1, running)}
	heartbeatFenced := pgmulti.Event{Op: pgmulti.OpHeartbeat, ID: "r", Epoch: 1, Err: runtime.ErrFenced.Error(), Fenced: true}
	canceled := pgmulti.Event{Op: pgmulti.OpCommit, ID: "r", Epoch: 1, Seq: 2, Err: "context canceled"}
	tests := []struct {
		name       string
		takenAt    int64
		after      []pgmulti.Event
		wantLost   int
		wantFenced int
		want       string
	}{
		{"commit fenced", 1, []pgmulti.Event{fencedCommit("r", 1, 2)}, 1, 1, ""},
		{"heartbeat fenced, then commit canceled", 1, []pgmulti.Event{heartbeatFenced, canceled}, 1, 1, ""},
		{"commit traced late, then fenced", 2, []pgmulti.Event{commitAt("r", 1, 2, running), fencedCommit("r", 1, 3)}, 1, 1, ""},
		{"completed before the stop, traced after", -1, []pgmulti.Event{commitAt("r", 1, 2, completed)}, 0, 0, "lost no run"},
		{"commit after takeover", 1, []pgmulti.Event{commitAt("r", 1, 2, running)}, 1, 0, "had taken it over at seq 1"},
		{"completed after takeover", 1, []pgmulti.Event{commitAt("r", 1, 2, completed)}, 1, 0, "had taken it over at seq 1"},
		{"other failure first", 1, []pgmulti.Event{canceled, heartbeatFenced}, 1, 1, "want ErrFenced first"},
		{"not fenced", 1, nil, 1, 0, "no commit or heartbeat failed with ErrFenced"},
		{"neither released nor taken over", -1, []pgmulti.Event{heartbeatFenced}, 0, 1, "neither released nor taken over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			traces := map[string][]pgmulti.Event{"a": append(append([]pgmulti.Event{}, before...), tt.after...)}
			if tt.takenAt >= 0 {
				traces["b"] = []pgmulti.Event{claim("r", 2, tt.takenAt)}
			}
			runs, _ := readRuns(traces)
			lost, fenced, p := checkStopped(runs, "a", before, tt.after)
			if lost != tt.wantLost || fenced != tt.wantFenced {
				t.Errorf("checkStopped() = %d lost, %d fenced, want %d and %d", lost, fenced, tt.wantLost, tt.wantFenced)
			}
			wantProblems(t, "checkStopped()", p, tt.want)
		})
	}
}

func TestParseTrace(t *testing.T) {
	tests := []struct {
		name    string
		trace   string
		want    []pgmulti.Event
		wantErr bool
	}{
		{"empty", "", nil, false},
		{"lines", `{"op":"claim","id":"r","epoch":1,"seq":0}` + "\n" + `{"op":"commit","id":"r","epoch":1,"seq":1,"status":"running"}` + "\n",
			[]pgmulti.Event{claim("r", 1, 0), commitAt("r", 1, 1, running)}, false},
		{"last line cut by a kill", `{"op":"claim","id":"r","epoch":1,"seq":0}` + "\n" + `{"op":"comm`,
			[]pgmulti.Event{claim("r", 1, 0)}, false},
		{"garbage", "not json\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pgmulti.ParseTrace([]byte(tt.trace))
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Errorf("ParseTrace(%q) = %v, %v; want %v, error %v", tt.trace, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCheckStartedAfterResume(t *testing.T) {
	resumed := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	before, after := resumed.Add(-time.Millisecond), resumed.Add(time.Millisecond)
	committedBy := map[string]string{"r/1": "w1", "r/2": "w2", "s/1": "w1"}
	tests := []struct {
		name  string
		execs []flow.Execution
		want  string
	}{
		{"its own steps after the resume", []flow.Execution{{StepKey: "s/1", Owner: "w1", Started: after}}, ""},
		{"a step of the lost run before the stop", []flow.Execution{{StepKey: "r/2", Owner: "w1", Started: before}}, ""},
		{"the taker's step", []flow.Execution{{StepKey: "r/2", Owner: "w2", Started: after}}, ""},
		{"a step of the lost run after the resume", []flow.Execution{{StepKey: "r/2", Step: "Step", Owner: "w1", Started: after}},
			"step r/2 (Step) started on the stopped w1 1ms after it resumed, but w2 committed it"},
		{"a step no one committed", []flow.Execution{{StepKey: "r/3", Owner: "w1", Started: after}}, "but no worker committed it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, p := checkStartedAfterResume(tc.execs, "w1", resumed, committedBy)
			wantProblems(t, "checkStartedAfterResume", p, tc.want)
		})
	}
}
