package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/durablegen/durable/examples/approval/review"
	"github.com/durablegen/durable/examples/internal/crashdemo"
	"github.com/durablegen/durable/examples/internal/ledger"
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
		name     string
		args     []string
		want     review.Outcome
		expired  bool
		notified string // the people notified, in order
		crashed  bool
	}{
		{name: "escalated and approved", want: review.Outcome{Approved: true, By: "bob", Escalations: 1}, notified: "alice bob dana", crashed: true},
		{name: "approved at once", args: []string{"-approver", "approve"}, want: review.Outcome{Approved: true, By: "alice"}, notified: "alice dana", crashed: true},
		{name: "rejected at once", args: []string{"-approver", "reject"}, want: review.Outcome{By: "alice"}, notified: "alice dana", crashed: true},
		{name: "expired", args: []string{"-manager", "silent"}, expired: true, notified: "alice bob dana", crashed: true},
		{name: "escalated and rejected, no crash", args: []string{"-manager", "reject", "-crash=false"}, want: review.Outcome{By: "bob", Escalations: 1}, notified: "alice bob dana"},
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
			if pass != 6 || fail != 0 || id == "" {
				t.Fatalf("run(%q) printed %d PASS, %d FAIL lines and instance %q, want 6, 0 and an ID", args, pass, fail, id)
			}
			verify(t, dir, id, tc.want, tc.expired, tc.notified, tc.crashed)
		})
	}
}

// verify checks the outcome of a demo from its databases, independently
// of the demo's own checks.
func verify(t *testing.T, dir, id string, want review.Outcome, expired bool, notified string, crashed bool) {
	t.Helper()
	ctx := context.Background()
	store, err := crashdemo.Open(filepath.Join(dir, "durable.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	got, err := runtime.Attach[review.Outcome](runtime.NewClient(store), id).Result(ctx)
	switch {
	case expired && (err == nil || !strings.Contains(err.Error(), "expired")):
		t.Errorf("Result(%s) = %+v, %v; want the request to expire", id, got, err)
	case !expired && (err != nil || got != want):
		t.Errorf("Result(%s) = %+v, %v; want %+v", id, got, err, want)
	}
	entries, err := ledger.Ledger{Path: filepath.Join(dir, "notifications.db")}.Entries(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var people []string
	dups := 0
	for _, e := range entries {
		if e.Outcome == ledger.Applied {
			people = append(people, e.Target)
		} else {
			dups++
		}
	}
	if got := strings.Join(people, " "); got != notified {
		t.Errorf("notified %q, want %q", got, notified)
	}
	if want := map[bool]int{true: 1}[crashed]; dups != want {
		t.Errorf("%d notifications de-duplicated, want %d", dups, want)
	}
}

func TestCheckWaits(t *testing.T) {
	at := func(days float64) time.Time {
		return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(days * 24 * float64(time.Hour)))
	}
	suspend := func(days float64) runtime.Event { return runtime.Event{Kind: "await", At: at(days)} }
	timedOut := func(days float64) runtime.Event {
		return runtime.Event{Kind: "await", Error: "timed out", At: at(days)}
	}
	decided := func(days float64) runtime.Event {
		return runtime.Event{Kind: "await", Detail: []byte(`{"Approved":true}`), At: at(days)}
	}
	tests := []struct {
		name    string
		answers []string
		history []runtime.Event
		ok      bool
	}{
		{"escalated", []string{silent, approve}, []runtime.Event{suspend(0), timedOut(2.01), {Kind: "step"}, suspend(2.1), decided(2.1)}, true},
		{"timed out early", []string{silent, approve}, []runtime.Event{suspend(0), timedOut(1.5), suspend(1.6), decided(1.6)}, false},
		{"answer ignored", []string{approve, silent}, []runtime.Event{suspend(0), timedOut(2.01), suspend(2.1), timedOut(4.1)}, false},
		{"a wait missing", []string{silent, silent}, []runtime.Event{suspend(0), timedOut(2.01)}, false},
		{"decided at once", []string{reject, approve}, []runtime.Event{suspend(0), decided(0.01)}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c := checkWaits(tc.answers, tc.history); c.OK != tc.ok {
				t.Errorf("checkWaits(%s) = %+v, want OK %v", tc.name, c, tc.ok)
			}
		})
	}
}
