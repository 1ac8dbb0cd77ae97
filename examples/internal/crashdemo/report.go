package crashdemo

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/durablegen/durable/examples/internal/ledger"
	"github.com/durablegen/durable/runtime"
)

// PrintHistory prints an instance's history, one line per checkpoint.
func PrintHistory(w io.Writer, history []runtime.Event) {
	fmt.Fprintln(w, "\nhistory:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  seq\tkind\tname\tdetail")
	for _, ev := range history {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", ev.Seq, ev.Kind, ev.Name, eventDetail(ev))
	}
	tw.Flush()
}

// eventDetail returns the recorded result or payload of ev, shortened.
func eventDetail(ev runtime.Event) string {
	d := string(ev.Detail)
	switch {
	case ev.Error != "":
		d = "error: " + ev.Error
	case ev.Kind == "sleep":
		if t, err := time.Parse(time.RFC3339Nano, d); err == nil {
			d = "until " + t.Format("Jan 2 15:04:05")
		}
	case ev.Kind == "await" && d == "":
		d = "(no signal)"
	}
	if len(d) > 60 {
		d = d[:57] + "..."
	}
	return d
}

// PrintEntries prints the calls the ledger received, naming the worker
// that made each.
func PrintEntries(w io.Writer, title string, entries []ledger.Entry, workers map[int]int) {
	fmt.Fprintf(w, "\n%s:\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\top\ttarget\tstep key\toutcome\tresult\tfrom")
	for _, e := range entries {
		from := "pid " + strconv.Itoa(e.PID)
		if n, ok := workers[e.PID]; ok {
			from = fmt.Sprintf("worker %d", n)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.N, e.Op, e.Target, e.Key, e.Outcome, e.Result, from)
	}
	tw.Flush()
}

// Check is the outcome of one check.
type Check struct {
	OK  bool
	Msg string
}

// Pass and Fail make checks.
func Pass(format string, args ...any) Check { return Check{true, fmt.Sprintf(format, args...)} }
func Fail(format string, args ...any) Check { return Check{false, fmt.Sprintf(format, args...)} }

// PrintChecks prints a PASS or FAIL line per check and returns whether
// all passed.
func PrintChecks(w io.Writer, checks []Check) bool {
	fmt.Fprintln(w, "\nchecks:")
	ok := true
	for _, c := range checks {
		verdict := "PASS"
		if !c.OK {
			verdict, ok = "FAIL", false
		}
		fmt.Fprintf(w, "  %s  %s\n", verdict, c.Msg)
	}
	return ok
}

// Evidence is what [Checks] looks at: an instance's history in the
// workflow store, the ledger's log of the calls its steps made, and what
// the workers reported.
type Evidence struct {
	ID      string
	History []runtime.Event
	Entries []ledger.Entry
	Run     Result // what Run saw
	End     string // the kind of the last event: "complete" or "fail"
}

// Checks checks that the run was exactly-once where it must be: each
// checkpoint committed once, in order, to the expected end; no step ran
// again after its checkpoint committed; and the steps the kill cut off
// ran again after the restart with the same keys, which the ledger
// de-duplicated.
func Checks(e Evidence) []Check {
	return []Check{checkHistory(e), checkCalls(e), checkKilled(e)}
}

func checkHistory(e Evidence) Check {
	for i, ev := range e.History {
		if ev.Seq != int64(i+1) {
			return Fail("history: event %d has seq %d, want %d (each seq once, in order)", i+1, ev.Seq, i+1)
		}
	}
	n := len(e.History)
	if n == 0 || e.History[n-1].Kind != e.End {
		return Fail("history: %d checkpoints, the last is not %q", n, e.End)
	}
	return Pass("history has checkpoints 1-%d, each once, ending in %q", n, e.End)
}

// keySeq returns the checkpoint sequence number in step key k of
// instance id ("id/seq" or "id/seq/index"), or -1.
func keySeq(id, k string) int64 {
	rest, ok := strings.CutPrefix(k, id+"/")
	if !ok {
		return -1
	}
	rest, _, _ = strings.Cut(rest, "/")
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// checkCalls checks that every call has the key of a committed
// checkpoint and was made by a run of its step that a worker reported,
// that each key was applied once, and that no worker ran a step again
// after its checkpoint committed.
func checkCalls(e Evidence) Check {
	committed := map[int64]bool{}
	for _, ev := range e.History {
		committed[ev.Seq] = true
	}
	applied, called := map[string]int{}, map[string]int{}
	var problems []string
	for _, c := range e.Entries {
		called[c.Key]++
		if c.Outcome == ledger.Applied {
			applied[c.Key]++
		}
		if !committed[keySeq(e.ID, c.Key)] {
			problems = append(problems, fmt.Sprintf("call %d (%s) has no committed checkpoint", c.N, c.Key))
		}
	}
	for key, n := range called {
		seq := keySeq(e.ID, key)
		switch {
		case applied[key] != 1:
			problems = append(problems, fmt.Sprintf("key %s applied %d times", key, applied[key]))
		case n != e.Run.Runs[seq]:
			problems = append(problems, fmt.Sprintf("key %s called %d times, by %d reported runs of checkpoint %d", key, n, e.Run.Runs[seq], seq))
		}
	}
	for _, seq := range e.Run.RanAfterCommit {
		problems = append(problems, fmt.Sprintf("checkpoint %d ran again after it committed", seq))
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return Fail("calls: %s", strings.Join(problems, "; "))
	}
	var again []string
	for _, seq := range slices.Sorted(maps.Keys(e.Run.Runs)) {
		switch {
		case e.Run.Runs[seq] < 2:
		case seq == e.Run.KilledAt+1:
			again = append(again, fmt.Sprintf("checkpoint %d, cut off by the kill", seq))
		default:
			again = append(again, fmt.Sprintf("checkpoint %d, fenced after its lease expired", seq))
		}
	}
	msg := fmt.Sprintf("%d calls with %d keys, each applied once; no step ran again after its checkpoint committed", len(e.Entries), len(called))
	if len(again) > 0 {
		msg += " (re-ran before committing: " + strings.Join(again, ", ") + ")"
	}
	return Pass("%s", msg)
}

// checkKilled checks that the steps the kill cut off ran again after the
// restart and that the ledger de-duplicated them.
func checkKilled(e Evidence) Check {
	if e.Run.KilledAt < 0 {
		return Pass("no crash (-crash=false): nothing was retried")
	}
	seq := e.Run.KilledAt + 1
	outcomes := map[string][]string{}
	var keys []string
	for _, c := range e.Entries {
		if keySeq(e.ID, c.Key) != seq {
			continue
		}
		if _, ok := outcomes[c.Key]; !ok {
			keys = append(keys, c.Key)
		}
		outcomes[c.Key] = append(outcomes[c.Key], c.Outcome)
	}
	if len(keys) == 0 {
		return Fail("checkpoint %d, cut off by the kill, made no call", seq)
	}
	for _, k := range keys {
		// Applied by the run the kill cut off, a duplicate after the
		// restart (and after every run since fenced by a lost lease).
		o := outcomes[k]
		if len(o) < 2 || o[0] != ledger.Applied || slices.ContainsFunc(o[1:], func(s string) bool { return s != ledger.Duplicate }) {
			return Fail("step %s, cut off by the kill: outcomes %s, want %s then %s", k, strings.Join(o, ","), ledger.Applied, ledger.Duplicate)
		}
	}
	what := "step " + keys[0]
	if len(keys) > 1 {
		what = fmt.Sprintf("%d steps of checkpoint %d", len(keys), seq)
	}
	return Pass("%s, cut off by the kill, re-ran with the same key after the restart; the ledger de-duplicated it", what)
}
