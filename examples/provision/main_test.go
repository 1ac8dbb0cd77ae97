package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/durablegen/durable/examples/internal/crashdemo"
	"github.com/durablegen/durable/examples/internal/ledger"
	"github.com/durablegen/durable/examples/provision/infra"
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
		name    string
		args    []string
		fail    string
		crashed bool
	}{
		{name: "crash", crashed: true},
		{name: "crash and a failed resource", args: []string{"-fail", "db"}, fail: "db", crashed: true},
		{name: "no crash", args: []string{"-crash=false"}},
		{name: "no crash and a failed resource", args: []string{"-crash=false", "-fail", "vm-3"}, fail: "vm-3"},
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
			verify(t, dir, id, tc.fail, tc.crashed)
		})
	}
}

// verify checks the outcome of a demo from its databases, independently
// of the demo's own checks.
func verify(t *testing.T, dir, id, fail string, crashed bool) {
	t.Helper()
	ctx := context.Background()
	store, err := crashdemo.Open(filepath.Join(dir, "durable.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	st, err := runtime.Attach[infra.Stack](runtime.NewClient(store), id).Result(ctx)
	switch {
	case fail != "" && (err == nil || !strings.Contains(err.Error(), "resource "+fail+" ")):
		t.Errorf("Result(%s) = %+v, %v; want resource %s to fail", id, st, err, fail)
	case fail == "" && (err != nil || len(st.Resources) != len(stack()) || st.Rounds != 3):
		t.Errorf("Result(%s) = %+v, %v; want a stack of %d resources after 3 rounds", id, st, err, len(stack()))
	}
	entries, err := ledger.Ledger{Path: filepath.Join(dir, "cloud.db")}.Entries(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range entries {
		if e.Op != "poll" {
			got[e.Op+" "+e.Outcome]++
		}
	}
	want := map[string]int{"create applied": 8}
	if crashed {
		want["create duplicate"] = 8
	}
	if fail != "" {
		want["delete applied"] = 8
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("cloud calls by op and outcome = %v, want %v", got, want)
	}
}

func TestCheckDeleted(t *testing.T) {
	plan := infra.Plan{Stack: "s", Resources: stack()[:3], Cloud: infra.Cloud{Fail: "db"}}
	entries := []ledger.Entry{
		{Op: "create", Target: "s/db", Result: "db-1", Outcome: ledger.Applied},
		{Op: "create", Target: "s/network", Result: "network-1", Outcome: ledger.Applied},
		{Op: "create", Target: "s/cache", Result: "cache-1", Outcome: ledger.Applied},
	}
	deletes := func(ids ...string) []ledger.Entry {
		es := append([]ledger.Entry(nil), entries...)
		for _, id := range ids {
			es = append(es, ledger.Entry{Op: "delete", Target: id, Outcome: ledger.Applied})
		}
		return es
	}
	failed := errors.New("resource db (db-1) failed to provision after 3 rounds of polls")
	tests := []struct {
		name    string
		err     error
		entries []ledger.Entry
		ok      bool
	}{
		{"last first", failed, deletes("cache-1", "db-1", "network-1"), true},
		{"creation order", failed, deletes("network-1", "db-1", "cache-1"), false},
		{"one left", failed, deletes("cache-1", "db-1"), false},
		{"twice", failed, deletes("cache-1", "db-1", "network-1", "network-1"), false},
		{"no failure", nil, deletes("cache-1", "db-1", "network-1"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c := checkDeleted(plan, tc.err, tc.entries); c.OK != tc.ok {
				t.Errorf("checkDeleted(%s) = %+v, want OK %v", tc.name, c, tc.ok)
			}
		})
	}
}
