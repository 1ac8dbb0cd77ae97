package crashdemo

import (
	"fmt"
	"testing"
	"time"

	"github.com/durablegen/durable/examples/internal/ledger"
	"github.com/durablegen/durable/runtime"
)

func TestChecks(t *testing.T) {
	// A run killed after checkpoint 3 committed, with the steps of
	// checkpoint 4 (a durable.All of two) run but not committed.
	history := []runtime.Event{
		{Seq: 1, Kind: "step", Name: "Create"},
		{Seq: 2, Kind: "sleep"},
		{Seq: 3, Kind: "step", Name: "Notify"},
		{Seq: 4, Kind: "all"},
		{Seq: 5, Kind: "complete"},
	}
	entries := []ledger.Entry{
		{N: 1, Key: "t/1", Op: "create", Outcome: ledger.Applied},
		{N: 2, Key: "t/3", Op: "notify", Outcome: ledger.Applied},
		{N: 3, Key: "t/4/1", Op: "poll", Outcome: ledger.Applied},
		{N: 4, Key: "t/4/2", Op: "poll", Outcome: ledger.Applied},
		{N: 5, Key: "t/4/2", Op: "poll", Outcome: ledger.Duplicate},
		{N: 6, Key: "t/4/1", Op: "poll", Outcome: ledger.Duplicate},
	}
	// The runs the workers reported: checkpoint 4's twice, the one the
	// kill cut off and the one after the restart.
	runs := map[int64]int{1: 1, 3: 1, 4: 2}
	with := func(es ...ledger.Entry) []ledger.Entry {
		return append(append([]ledger.Entry(nil), entries...), es...)
	}
	tests := []struct {
		name     string
		history  []runtime.Event
		entries  []ledger.Entry
		killedAt int64
		runs     map[int64]int // default: runs
		late     []int64
		end      string
		failed   []int // indexes of the checks that must fail
	}{
		{name: "good", history: history, entries: entries, killedAt: 3, end: "complete"},
		{name: "gap in history", history: append(append([]runtime.Event(nil), history[:1]...), history[2:]...), entries: entries, killedAt: 3, end: "complete", failed: []int{0}},
		{name: "wrong end", history: history, entries: entries, killedAt: 3, end: "fail", failed: []int{0}},
		{name: "committed step ran again", history: history, entries: with(ledger.Entry{N: 7, Key: "t/3", Outcome: ledger.Duplicate}), killedAt: 3, end: "complete", failed: []int{1}},
		{name: "applied twice", history: history, entries: with(ledger.Entry{N: 7, Key: "t/1", Outcome: ledger.Applied}), killedAt: 3, end: "complete", failed: []int{1}},
		{name: "call without a checkpoint", history: history, entries: with(ledger.Entry{N: 7, Key: "t/9", Outcome: ledger.Applied}), killedAt: 3, end: "complete", failed: []int{1}},
		{name: "another instance's key", history: history, entries: with(ledger.Entry{N: 7, Key: "u/1", Outcome: ledger.Applied}), killedAt: 3, end: "complete", failed: []int{1}},
		{name: "killed step not re-run", history: history, entries: entries[:5], killedAt: 3, end: "complete", failed: []int{1, 2}},
		{name: "re-run after a lost lease", history: history, entries: with(ledger.Entry{N: 7, Key: "t/3", Outcome: ledger.Duplicate}), runs: map[int64]int{1: 1, 3: 2, 4: 2}, killedAt: 3, end: "complete"},
		{name: "a call no run reported", history: history, entries: entries, runs: map[int64]int{1: 1, 3: 1, 4: 1}, killedAt: 3, end: "complete", failed: []int{1}},
		{name: "ran after its commit", history: history, entries: entries, late: []int64{3}, killedAt: 3, end: "complete", failed: []int{1}},
		{name: "no crash, no cut-off step", history: history, entries: entries[:2], runs: map[int64]int{1: 1, 3: 1}, killedAt: -1, end: "complete"},
		{name: "killed step made no call", history: history, entries: entries[:2], killedAt: 3, end: "complete", failed: []int{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := Result{KilledAt: tc.killedAt, Runs: tc.runs, RanAfterCommit: tc.late}
			if run.Runs == nil {
				run.Runs = runs
			}
			got := Checks(Evidence{ID: "t", History: tc.history, Entries: tc.entries, Run: run, End: tc.end})
			var failed []int
			for i, c := range got {
				if !c.OK {
					failed = append(failed, i)
				}
			}
			if fmt.Sprint(failed) != fmt.Sprint(tc.failed) {
				t.Errorf("Checks(%s) failed checks %v, want %v: %+v", tc.name, failed, tc.failed, got)
			}
		})
	}
}

func TestClock(t *testing.T) {
	dir := t.TempDir()
	c := NewClock(dir)
	if d := c.Now().Sub(time.Now()); d < -time.Second || d > time.Second {
		t.Fatalf("new clock is %v off the real one, want 0", d)
	}
	d, err := c.SkipTo(time.Now().Add(48 * time.Hour))
	if err != nil || d < 47*time.Hour || d > 48*time.Hour {
		t.Fatalf("SkipTo(now+48h) = %v, %v; want about 48h", d, err)
	}
	// Another process's clock on the same file reads the same time.
	other := NewClock(dir)
	if off := other.Now().Sub(time.Now()); off < 47*time.Hour || off > 49*time.Hour {
		t.Errorf("other clock is %v ahead, want about 48h", off)
	}
	if d, err := c.SkipTo(time.Now().Add(time.Hour)); d != 0 || err != nil {
		t.Errorf("SkipTo(an earlier time) = %v, %v; want 0, nil: the clock does not go back", d, err)
	}
	var real *Clock
	if real.Skips() || real.Offset() != 0 {
		t.Errorf("nil clock: Skips() = %v, Offset() = %v; want the real clock", real.Skips(), real.Offset())
	}
	if _, err := real.SkipTo(time.Now().Add(time.Hour)); err == nil {
		t.Errorf("nil clock: SkipTo succeeded, want an error")
	}
}
