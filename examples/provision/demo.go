package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/durablegen/durable/examples/internal/crashdemo"
	"github.com/durablegen/durable/examples/internal/ledger"
	"github.com/durablegen/durable/examples/provision/infra"
	"github.com/durablegen/durable/runtime"
)

// demo provisions the stack with a crash in the middle and reports on it.
// It returns whether every check passed.
func demo(ctx context.Context, cfg config, out, stderr io.Writer) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute+10*cfg.poll)
	defer cancel()
	dir, cleanup, err := crashdemo.Dir("provision", cfg.dir, cfg.keep, out, "durable.db", "cloud.db", "clock-offset")
	if err != nil {
		return false, err
	}
	defer cleanup()
	var clock *crashdemo.Clock
	if cfg.skip {
		clock = crashdemo.NewClock(dir)
	}
	dbPath := filepath.Join(dir, "durable.db")
	store, err := crashdemo.Open(dbPath, clock)
	if err != nil {
		return false, err
	}
	defer store.Close()
	client := runtime.NewClient(store)
	cloud := ledger.Ledger{Path: filepath.Join(dir, "cloud.db")}
	id := "provision-" + strconv.FormatInt(time.Now().UnixMilli(), 36)
	plan := infra.Plan{Stack: "staging", Resources: stack(), PollEvery: cfg.poll, Cloud: infra.Cloud{Log: cloud.Path, Fail: cfg.fail}}
	h, err := runtime.Start(ctx, client, infra.ProvisionWorkflow, id, plan)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(out, "provision stack %s (%d resources): instance %s\n", plan.Stack, len(plan.Resources), id)
	if cfg.fail != "" {
		fmt.Fprintf(out, "  resource %s will fail: the stack is deleted again\n", cfg.fail)
	}
	fmt.Fprintf(out, "  workflow store %s\n  cloud ledger   %s\n", dbPath, cloud.Path)

	pause := crashdemo.Pause{}
	if cfg.crash {
		// The first durable.All: the creates.
		pause = crashdemo.Pause{Kind: "all", N: 1}
	}
	res, err := crashdemo.Run(ctx, crashdemo.Config{DB: dbPath, Client: client, ID: id, Clock: clock, Lease: cfg.lease, Pause: pause, Out: out, Stderr: stderr})
	if err != nil {
		return false, err
	}
	st, rerr := h.Result(ctx)
	history, err := client.History(ctx, id)
	if err != nil {
		return false, err
	}
	entries, err := cloud.Entries(ctx, id)
	if err != nil {
		return false, err
	}
	switch {
	case res.KilledAt == 0:
		fmt.Fprintf(out, "\nworker 2 started the instance over: nothing had committed. The %d creates, which had run at the cloud,\nran again with the same keys, and the cloud created nothing twice\n", len(plan.Resources))
	case res.KilledAt > 0:
		fmt.Fprintf(out, "\nworker 2 resumed after checkpoint %d, %s: checkpoints 1-%d were not replayed\n", res.KilledAt, res.Sites[res.KilledAt], res.KilledAt)
	}
	if rerr != nil {
		fmt.Fprintf(out, "\nresult: error: %v\n", rerr)
	} else {
		fmt.Fprintf(out, "\nstack %s ready after %d rounds of polls:\n", st.Name, st.Rounds)
		for _, r := range st.Resources {
			fmt.Fprintf(out, "  %-8s %s\n", r.Name, r.ID)
		}
	}
	crashdemo.PrintHistory(out, history)
	crashdemo.PrintEntries(out, "cloud calls", entries, res.Workers)
	end := "complete"
	if rerr != nil {
		end = "fail"
	}
	checks := crashdemo.Checks(crashdemo.Evidence{ID: id, History: history, Entries: entries, Run: res, End: end})
	checks = append(checks, checkCreates(plan, entries))
	if cfg.fail == "" {
		checks = append(checks, checkReady(plan, st, rerr, entries))
	} else {
		checks = append(checks, checkDeleted(plan, rerr, entries))
	}
	return crashdemo.PrintChecks(out, checks), nil
}

// applied returns the requests the cloud applied, op by op: their
// targets in the order received.
func applied(entries []ledger.Entry) map[string][]string {
	m := map[string][]string{}
	for _, e := range entries {
		if e.Outcome == ledger.Applied {
			m[e.Op] = append(m[e.Op], e.Target)
		}
	}
	return m
}

// createdIDs returns the resources the cloud created, by name → ID.
func createdIDs(plan infra.Plan, entries []ledger.Entry) map[string]string {
	ids := map[string]string{}
	for _, e := range entries {
		if e.Op == "create" && e.Outcome == ledger.Applied {
			ids[strings.TrimPrefix(e.Target, plan.Stack+"/")] = e.Result
		}
	}
	return ids
}

// checkCreates checks that the cloud created each resource once, all in
// the one checkpoint of the first durable.All.
func checkCreates(plan infra.Plan, entries []ledger.Entry) crashdemo.Check {
	var want []string
	for _, r := range plan.Resources {
		want = append(want, plan.Stack+"/"+r.Name)
	}
	got := slices.Sorted(slices.Values(applied(entries)["create"]))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return crashdemo.Fail("the cloud created %q, want %q, each once", got, want)
	}
	seqs := map[string]bool{}
	for _, e := range entries {
		if e.Op == "create" {
			seq, _, _ := strings.Cut(e.Key[strings.IndexByte(e.Key, '/')+1:], "/")
			seqs[seq] = true
		}
	}
	if len(seqs) != 1 {
		return crashdemo.Fail("the creates ran at %d checkpoints, want one (a durable.All)", len(seqs))
	}
	return crashdemo.Pass("the cloud created each of the %d resources once, in parallel at one checkpoint", len(want))
}

// checkReady checks that the stack lists every resource with the ID the
// cloud gave it, and that each was polled until ready and no more.
func checkReady(plan infra.Plan, st infra.Stack, rerr error, entries []ledger.Entry) crashdemo.Check {
	if rerr != nil {
		return crashdemo.Fail("provisioning failed: %v", rerr)
	}
	ids := createdIDs(plan, entries)
	polls := map[string]int{}
	for _, target := range applied(entries)["poll"] {
		polls[target]++
	}
	var problems []string
	rounds := 0
	for i, r := range plan.Resources {
		if i >= len(st.Resources) || st.Resources[i].Name != r.Name || st.Resources[i].ID != ids[r.Name] {
			problems = append(problems, fmt.Sprintf("resource %s missing from the stack or with another ID than %s", r.Name, ids[r.Name]))
			continue
		}
		if want := infra.PollsToReady(r.Kind); polls[ids[r.Name]] != want {
			problems = append(problems, fmt.Sprintf("%s polled %d times, want %d", r.Name, polls[ids[r.Name]], want))
		}
		rounds = max(rounds, infra.PollsToReady(r.Kind))
	}
	if len(st.Resources) != len(plan.Resources) || st.Rounds != rounds {
		problems = append(problems, fmt.Sprintf("stack of %d resources after %d rounds, want %d after %d", len(st.Resources), st.Rounds, len(plan.Resources), rounds))
	}
	if d := applied(entries)["delete"]; len(d) > 0 {
		problems = append(problems, fmt.Sprintf("deleted %q, want nothing deleted", d))
	}
	if len(problems) > 0 {
		return crashdemo.Fail("stack: %s", strings.Join(problems, "; "))
	}
	return crashdemo.Pass("every resource polled until ready, and no more; nothing deleted")
}

// checkDeleted checks that provisioning failed on the failing resource
// and that the compensations deleted every created resource once, last
// created first.
func checkDeleted(plan infra.Plan, rerr error, entries []ledger.Entry) crashdemo.Check {
	if rerr == nil || !strings.Contains(rerr.Error(), plan.Cloud.Fail+" (") {
		return crashdemo.Fail("result error %v, want resource %s to fail", rerr, plan.Cloud.Fail)
	}
	ids := createdIDs(plan, entries)
	var want []string
	for _, r := range slices.Backward(plan.Resources) {
		want = append(want, ids[r.Name])
	}
	if got := applied(entries)["delete"]; !slices.Equal(got, want) {
		return crashdemo.Fail("deleted %q, want %q: every resource, last created first", got, want)
	}
	return crashdemo.Pass("%s failed; the compensations deleted all %d resources once, last created first", plan.Cloud.Fail, len(want))
}
