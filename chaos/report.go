package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// knownDefect is a failure that this build is known to have: one verdict
// of one scenario, caused by a defect that is being fixed. A scenario that
// fails only by known defects prints FAIL with the defect and does not
// fail the test; any other failing verdict does. Remove an entry when its
// fix is merged: the scenario must then pass.
type knownDefect struct {
	scenario string // a name, its first part for all of its stores, or "" for every scenario
	verdict  string
	defect   string // as numbered in docs/reliability.md, "Known defects"
	what     string
}

// knownDefects are the defects of docs/reliability.md ("Known defects"):
// what remains of 1 (the others of the first probe are fixed, and a
// regression fails the run), and N4-N6, found by this harness.
var knownDefects = []knownDefect{
	{"stale", "committed steps run again", "1", "a worker stopped between its lease check and the step's start starts it after its lease ran out"},
	{"sigkill", "committed steps run again", "1", "a worker descheduled by the load between its lease check and the step's start starts it after its lease ran out"},
	{"pause", "committed steps run again", "1", "a worker stopped between its lease check and the step's start starts it after its lease ran out"},
	{"race", "committed steps run again", "1", "a worker stopped between its lease check and the step's start starts it after its lease ran out"},
	{"poison", "stranded", "N4", "healthy instances cut over and over by the workers the poison instances kill"},
	{"sigkill", "healthy instances failed as poison", "N4", "an instance whose runs kills cut MaxAbortedRuns times in a row, before each committed anything, is failed (kept for Client.Retry) as if it were poison"},
	{"poison", "healthy instances failed as poison", "N4", "healthy instances whose runs the poison instances' kills cut MaxAbortedRuns times in a row are failed (kept for Client.Retry) as if they were poison"},
	{"clock", "timers fired early", "N5", "the SQLite store's clock is each process's wall clock"},
	{"clock", "stranded", "N5", "the SQLite store's clock is each process's wall clock"},
	{"clock", "durable.Now went backwards", "N6", "a run's durable clock starts from the store's clock at its claim, however far behind the last checkpoint's"},
}

// known returns the known defect that explains v failing in scenario, if
// any.
func known(scenario string, v verdict) *knownDefect {
	if v.ok {
		return nil
	}
	for i, k := range knownDefects {
		if (k.scenario == "" || k.scenario == scenario || k.scenario == strings.SplitN(scenario, "/", 2)[0]) && k.verdict == v.name {
			return &knownDefects[i]
		}
	}
	return nil
}

// print writes r as the harness reports it.
func (r *result) print(w io.Writer, verbose bool) {
	status := "ok"
	if r.relay != "" && (r.err == nil || !strings.Contains(r.err.Error(), errSkip.Error())) {
		fmt.Fprint(w, r.relay) // its own report, from its namespace
		return
	}
	switch {
	case r.err != nil && strings.Contains(r.err.Error(), errSkip.Error()):
		fmt.Fprintf(w, "%-18s SKIP  %v\n", r.name, r.err)
		return
	case r.err != nil:
		fmt.Fprintf(w, "%-18s FAIL  the harness could not run it: %v\n", r.name, r.err)
		if verbose && r.stderr != "" {
			fmt.Fprint(w, indent(r.stderr))
		}
		return
	case r.failed():
		status = "FAIL"
	case slices.ContainsFunc(r.verdicts, func(v verdict) bool { return !v.ok }):
		status = "FAIL (known defects only)"
	}
	f := r.figures
	fmt.Fprintf(w, "%-18s %s  (%v)\n", r.name, status, r.took.Round(100*time.Millisecond))
	fmt.Fprintf(w, "  faults injected      %s\n", faultList(f.faults))
	fmt.Fprintf(w, "  instances %d, checkpoints %d, step executions %d, run %v\n", f.instances, f.checkpoints, f.executions, f.elapsed.Round(100*time.Millisecond))
	fmt.Fprintf(w, "  double commits %d, stale writes accepted %d (rejected %d), lost %d, stranded %d, parents not woken %d\n",
		f.doubleCommits, f.staleAccepted, f.staleRejected, f.lost, f.stranded, f.unwoken)
	fmt.Fprintf(w, "  committed steps run again %d, step keys changed %d, timers early %d, durable.Now backwards %d\n",
		f.reruns, f.keyChanges, f.early, f.backwards)
	slowest := "none"
	if f.recoveries > 0 {
		slowest = fmt.Sprintf("%v after %s, answered at %v (%d takeovers)", f.slowest.Round(time.Millisecond), f.slowestKind,
			f.slowestAnswer.Round(time.Millisecond), f.recoveries)
	}
	fmt.Fprintf(w, "  slowest recovery     %s\n", slowest)
	fmt.Fprintf(w, "  wake-up lateness     timers %s\n", spread(f.late))
	fmt.Fprintf(w, "                       signals %s\n", spread(f.signalLate))
	fmt.Fprintf(w, "                       parents after their child %s\n", spread(f.childLate))
	var lat []string
	for _, op := range slices.Sorted(maps.Keys(f.latency)) {
		lat = append(lat, op+" "+spread(f.latency[op]))
	}
	fmt.Fprintf(w, "  store latency        %s\n", strings.Join(lat, "; "))
	for _, x := range r.extra {
		fmt.Fprintf(w, "  %-20s %s\n", x.name, x.text)
	}
	for _, v := range r.verdicts {
		if v.ok {
			continue
		}
		why := ""
		if v.known != nil {
			why = fmt.Sprintf(" — known defect %s: %s", v.known.defect, v.known.what)
		}
		fmt.Fprintf(w, "  FAIL %s = %s, want %s%s\n", v.name, v.got, v.want, why)
		for _, ex := range f.examples[v.name] {
			fmt.Fprintf(w, "       e.g. %s\n", ex)
		}
		for _, ex := range f.examples[map[string]string{"slowest recovery": "slow recoveries"}[v.name]] {
			fmt.Fprintf(w, "       e.g. %s\n", ex)
		}
	}
	if verbose && r.failed() && r.stderr != "" {
		fmt.Fprint(w, indent(r.stderr))
	}
}

func faultList(m map[string]int) string {
	total := 0
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		total += m[k]
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if total == 0 {
		return "0"
	}
	return fmt.Sprintf("%d: %s", total, strings.Join(parts, ", "))
}

// spread formats the median and the maximum of sorted ds.
func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	return fmt.Sprintf("median %v, p99 %v, max %v (%d)", quantile(ds, 0.5).Round(time.Millisecond),
		quantile(ds, 0.99).Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond), len(ds))
}

func indent(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		b.WriteString("    | " + line)
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}

// printKnown writes the table of known defects.
func printKnown(w io.Writer) {
	if len(knownDefects) == 0 {
		return
	}
	fmt.Fprintln(w, "known defects (a scenario failing only by these does not fail the run):")
	for _, k := range knownDefects {
		scenario := k.scenario
		if scenario == "" {
			scenario = "every scenario"
		}
		fmt.Fprintf(w, "  %-18s %-45s defect %-5s %s\n", scenario, k.verdict, k.defect, k.what)
	}
}

func itoa(n int) string { return fmt.Sprint(n) }
