package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/durablegen/durable/examples/internal/crashdemo"
	"github.com/durablegen/durable/examples/internal/ledger"
	"github.com/durablegen/durable/examples/onboarding/drip"
	"github.com/durablegen/durable/runtime"
)

// TestMain makes the test binary the worker child when the demo starts
// it again, as the program starts itself.
func TestMain(m *testing.M) {
	if os.Getenv(crashdemo.WorkerEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestDemo(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		duplicates int // sends de-duplicated: the one the kill cut off
	}{
		{name: "crash", duplicates: 1},
		{name: "no crash", args: []string{"-crash=false"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := append([]string{"-dir", dir, "-lease", "500ms"}, tc.args...)
			var out, errOut crashdemo.Output
			code := run(args, &out, &errOut)
			defer func() {
				if t.Failed() {
					t.Logf("output:\n%s\nstderr:\n%s", out.String(), errOut.String())
				}
			}()
			if code != 0 {
				t.Fatalf("run(%q) = %d, want 0", args, code)
			}
			pass, fail, id := crashdemo.Verdicts(out.String())
			if pass != 5 || fail != 0 || id == "" {
				t.Fatalf("run(%q) printed %d PASS, %d FAIL lines and instance %q, want 5, 0 and an ID", args, pass, fail, id)
			}
			verify(t, dir, id, tc.duplicates)
		})
	}
}

// verify checks the outcome of a demo from its databases, independently
// of the demo's own checks.
func verify(t *testing.T, dir, id string, duplicates int) {
	t.Helper()
	ctx := context.Background()
	store, err := crashdemo.Open(filepath.Join(dir, "durable.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	inst, err := store.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if inst.Status != runtime.StatusCompleted {
		t.Fatalf("Get(%s).Status = %s, want %s (error %q)", id, inst.Status, runtime.StatusCompleted, inst.Error)
	}
	sum, err := runtime.Attach[drip.Summary](runtime.NewClient(store), id).Result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var templates []string
	for i, s := range sum.Sent {
		templates = append(templates, s.Template)
		// Each email is at least its day after the signup.
		days := s.At.Sub(sum.StartedAt)
		if due := time.Duration(s.Day) * drip.Day; days < due || s.Day != drip.Schedule()[i].Day {
			t.Errorf("email %s sent %v after the signup, want day %d", s.Template, days, drip.Schedule()[i].Day)
		}
	}
	if got, want := fmt.Sprint(templates), "[welcome getting-started tips check-in]"; got != want {
		t.Errorf("summary lists %s, want %s", got, want)
	}
	entries, err := ledger.Ledger{Path: filepath.Join(dir, "outbox.db")}.Entries(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range entries {
		got[e.Outcome]++
	}
	want := map[string]int{ledger.Applied: 4}
	if duplicates > 0 {
		want[ledger.Duplicate] = duplicates
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("outbox calls by outcome = %v, want %v", got, want)
	}
}

func TestCheckDates(t *testing.T) {
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	at := func(days float64) time.Time { return start.Add(time.Duration(days * float64(drip.Day))) }
	sent := func(days ...float64) drip.Summary {
		sum := drip.Summary{StartedAt: start}
		for i, e := range drip.Schedule() {
			sum.Sent = append(sum.Sent, drip.Sent{Template: e.Template, Day: e.Day, At: at(days[i])})
		}
		return sum
	}
	timers := func(days ...float64) []runtime.Event {
		var h []runtime.Event
		for i, d := range days {
			h = append(h, runtime.Event{Seq: int64(i + 1), Kind: "step"}, runtime.Event{Seq: int64(i + 1), Kind: "sleep", Detail: []byte(at(d).Format(time.RFC3339Nano))})
		}
		return h
	}
	tests := []struct {
		name    string
		sum     drip.Summary
		history []runtime.Event
		ok      bool
	}{
		{"on time", sent(0, 1.1, 3.05, 7.1), timers(1, 3, 7), true},
		{"one late by the takeover", sent(0, 2.2, 3.05, 7.1), timers(1, 3, 7), true},
		{"early", sent(0, 0.9, 3, 7), timers(1, 3, 7), false},
		{"schedule moved", sent(0, 2.2, 4.2, 8.2), timers(1, 4.2, 8.2), false},
		{"a timer missing", sent(0, 1.1, 3.05, 7.1), timers(1, 3), false},
		{"an email missing", drip.Summary{StartedAt: start, Sent: sent(0, 1, 3, 7).Sent[:3]}, timers(1, 3, 7), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c := checkDates(tc.sum, nil, tc.history); c.OK != tc.ok {
				t.Errorf("checkDates(%s) = %+v, want OK %v", tc.name, c, tc.ok)
			}
		})
	}
}
