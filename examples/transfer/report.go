package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/examples/transfer/payments"
	"github.com/durablegen/durable/runtime"
)

// report prints where the run resumed, the receipt, the history, the
// bank's log and the checks, and returns whether every check passed.
func (s *session) report(ctx context.Context, killedAt int64, receipt payments.Receipt, rerr error) (bool, error) {
	history, err := s.client.History(ctx, s.id)
	if err != nil {
		return false, err
	}
	calls, err := s.bank.Calls(ctx, s.id)
	if err != nil {
		return false, err
	}
	fmt.Fprintln(s.out)
	if killedAt >= 0 {
		fmt.Fprintf(s.out, "worker 2 resumed at checkpoint %d, %s: checkpoints 1-%d were not replayed;\n", killedAt, s.sites[killedAt], killedAt)
		fmt.Fprintf(s.out, "only checkpoint %d, whose step had run but not committed, ran again\n", killedAt+1)
	}
	if rerr != nil {
		fmt.Fprintf(s.out, "result: error: %v\n", rerr)
	} else {
		fmt.Fprintf(s.out, "receipt: charge %s, credit %s, %s, settled after %d polls", receipt.ChargeID, receipt.CreditID, payments.Dollars(receipt.Amount), receipt.Polls)
		if receipt.ApprovedBy != "" {
			fmt.Fprintf(s.out, ", approved by %s", receipt.ApprovedBy)
		}
		fmt.Fprintln(s.out)
	}

	fmt.Fprintln(s.out, "\nhistory:")
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  seq\tkind\tname\tdetail")
	for _, ev := range history {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", ev.Seq, ev.Kind, ev.Name, eventDetail(ev))
	}
	tw.Flush()

	fmt.Fprintln(s.out, "\nbank calls:")
	fmt.Fprintln(tw, "  #\top\tstep key\toutcome\tresult\tfrom")
	for _, c := range calls {
		from := "pid " + strconv.Itoa(c.PID)
		if n, ok := s.workers[c.PID]; ok {
			from = fmt.Sprintf("worker %d", n)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\n", c.N, c.Op, c.StepKey, c.Outcome, c.Result, from)
	}
	tw.Flush()

	fmt.Fprintln(s.out, "\nchecks:")
	ok := true
	for _, c := range runChecks(evidence{id: s.id, history: history, calls: calls, killedAt: killedAt, rejected: s.cfg.reject}) {
		verdict := "PASS"
		if !c.ok {
			verdict, ok = "FAIL", false
		}
		fmt.Fprintf(s.out, "  %s  %s\n", verdict, c.msg)
	}
	return ok, nil
}

// evidence is what the checks look at: the instance's history in the
// workflow store and the bank's log of the calls its steps made.
type evidence struct {
	id       string
	history  []runtime.Event
	calls    []payments.Call
	killedAt int64 // checkpoints committed when the worker was killed; -1 without a crash
	rejected bool  // the approval was refused: the transfer fails, the charge is refunded
}

// check is the outcome of one check.
type check struct {
	ok  bool
	msg string
}

// runChecks checks that the run was exactly-once where it must be: each
// checkpoint committed once, each committed step applied once at the
// bank, and only the step whose checkpoint the kill prevented ran twice.
func runChecks(e evidence) []check {
	last := checkApplied(e, "credit")
	if e.rejected {
		last = checkRefunded(e)
	}
	return []check{
		checkHistory(e),
		checkSteps(e),
		checkApplied(e, "charge"),
		last,
		checkKilledStep(e),
	}
}

func checkHistory(e evidence) check {
	for i, ev := range e.history {
		if ev.Seq != int64(i+1) {
			return check{false, fmt.Sprintf("history: event %d has seq %d, want %d (each seq once, in order)", i+1, ev.Seq, i+1)}
		}
	}
	n := len(e.history)
	end := "complete"
	if e.rejected {
		end = "fail"
	}
	if n == 0 || e.history[n-1].Kind != end {
		return check{false, fmt.Sprintf("history: %d checkpoints, the last is not %q", n, end)}
	}
	return check{true, fmt.Sprintf("history has checkpoints 1-%d, each once, ending in %q", n, end)}
}

// stepKey returns the key of the step committed at seq.
func (e evidence) stepKey(seq int64) string {
	return durable.StepInfo{InstanceID: e.id, Seq: seq}.Key()
}

// checkSteps checks that every committed step was applied exactly once
// at the bank, that it was called once unless its checkpoint was the one
// the kill prevented, and that the bank saw no call from a step that
// never committed.
func checkSteps(e evidence) check {
	committed := map[string]int64{}
	for _, ev := range e.history {
		if ev.Kind == "step" {
			committed[e.stepKey(ev.Seq)] = ev.Seq
		}
	}
	applied, called := map[string]int{}, map[string]int{}
	var problems []string
	for _, c := range e.calls {
		called[c.StepKey]++
		if c.Outcome == "applied" {
			applied[c.StepKey]++
		}
		if _, ok := committed[c.StepKey]; !ok {
			problems = append(problems, fmt.Sprintf("call %d (%s) has no committed step", c.N, c.StepKey))
		}
	}
	retried := 0
	for key, seq := range committed {
		switch {
		case applied[key] != 1:
			problems = append(problems, fmt.Sprintf("step %s applied %d times", key, applied[key]))
		case called[key] > 1 && (e.killedAt < 0 || seq != e.killedAt+1):
			problems = append(problems, fmt.Sprintf("step %s ran %d times though its checkpoint committed", key, called[key]))
		case called[key] > 1:
			retried++
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return check{false, "steps: " + strings.Join(problems, "; ")}
	}
	msg := fmt.Sprintf("%d committed steps, each applied once at the bank", len(committed))
	if retried > 0 {
		msg += fmt.Sprintf("; %d re-ran before its commit, none after", retried)
	}
	return check{true, msg}
}

// checkApplied checks that the bank applied exactly one op request.
func checkApplied(e evidence, op string) check {
	n := 0
	for _, c := range e.calls {
		if c.Op == op && c.Outcome == "applied" {
			n++
		}
	}
	if n != 1 {
		return check{false, fmt.Sprintf("the bank applied %d %ss, want 1", n, op)}
	}
	return check{true, fmt.Sprintf("the bank applied the %s once", op)}
}

// checkRefunded checks that a rejected transfer refunded its charge once
// (its compensation) and credited nothing.
func checkRefunded(e evidence) check {
	if c := checkApplied(e, "refund"); !c.ok {
		return c
	}
	for _, c := range e.calls {
		if c.Op == "credit" && c.Outcome == "applied" {
			return check{false, "the bank applied a credit, want none: the approval was refused"}
		}
	}
	return check{true, "the compensation refunded the charge once, and nothing was credited"}
}

// checkKilledStep checks that the step the kill interrupted ran again
// after the restart and that the bank de-duplicated it.
func checkKilledStep(e evidence) check {
	if e.killedAt < 0 {
		return check{true, "no crash (-crash=false): nothing was retried"}
	}
	key := e.stepKey(e.killedAt + 1)
	var outcomes []string
	for _, c := range e.calls {
		if c.StepKey == key {
			outcomes = append(outcomes, c.Outcome)
		}
	}
	if strings.Join(outcomes, ",") != "applied,duplicate" {
		return check{false, fmt.Sprintf("step %s, cut off by the kill: bank outcomes %v, want [applied duplicate]", key, outcomes)}
	}
	return check{true, fmt.Sprintf("step %s, cut off by the kill, re-ran with its key; the bank de-duplicated it", key)}
}

// eventDetail returns the recorded result or payload of ev, shortened.
func eventDetail(ev runtime.Event) string {
	d := string(ev.Detail)
	switch {
	case ev.Error != "":
		d = "error: " + ev.Error
	case ev.Kind == "sleep":
		if t, err := time.Parse(time.RFC3339Nano, d); err == nil {
			d = "until " + t.Format("15:04:05.000")
		}
	case ev.Kind == "await" && d == "":
		d = "(no signal yet: suspended)"
	}
	if len(d) > 48 {
		d = d[:45] + "..."
	}
	return d
}
