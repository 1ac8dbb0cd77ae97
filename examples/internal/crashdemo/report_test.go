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
	with := func(es ...ledger.Entry) []ledger.Entry {
		return append(append([]ledger.Entry(nil), entries...), es...)
	}
	tests := []struct {
		name     string
		history  []runtime.Event
		entries  []ledger.Entry
		killedAt int64
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
		{name: "killed step not re-run", history: history, entries: entries[:5], killedAt: 3, end: "complete", failed: []int{2}},
		{name: "retry without a crash", history: history, entries: entries, killedAt: -1, end: "complete", failed: []int{1}},
		{name: "killed step made no call", history: history, entries: entries[:2], killedAt: 3, end: "complete", failed: []int{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Checks(Evidence{ID: "t", History: tc.history, Entries: tc.entries, KilledAt: tc.killedAt, End: tc.end})
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
	c := Clock{Epoch: time.Now().Round(0).Add(-time.Second), Day: 100 * time.Millisecond}
	if got, want := c.Durable(50*time.Millisecond), 12*time.Hour; got != want {
		t.Errorf("Durable(50ms) = %v, want %v", got, want)
	}
	if got, want := c.Real(48*time.Hour), 200*time.Millisecond; got != want {
		t.Errorf("Real(48h) = %v, want %v", got, want)
	}
	// One real second after the epoch, ten durable days have passed.
	if got := c.Now().Sub(c.Epoch); got < 10*24*time.Hour || got > 11*24*time.Hour {
		t.Errorf("Now() - Epoch = %v a second after the epoch, want 10 days (up to 11)", got)
	}
	var real Clock
	if got := real.Durable(5 * time.Second); got != 5*time.Second {
		t.Errorf("real clock: Durable(5s) = %v, want 5s", got)
	}
}
