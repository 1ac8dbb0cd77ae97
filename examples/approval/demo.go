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

	"github.com/durablegen/durable/examples/approval/review"
	"github.com/durablegen/durable/examples/internal/crashdemo"
	"github.com/durablegen/durable/examples/internal/ledger"
	"github.com/durablegen/durable/runtime"
)

// timeout is how long each person has to decide, in durable time.
const timeout = 48 * time.Hour

// session is the state of one run of the demo.
type session struct {
	cfg    config
	out    io.Writer
	clock  *crashdemo.Clock
	start  time.Time
	client *runtime.Client
	id     string
	req    review.Request
	asked  int    // waits for a decision seen so far
	answer string // the answer to the last of them
}

// demo runs the review with a crash in the middle and reports on it. It
// returns whether every check passed.
func demo(ctx context.Context, cfg config, out, stderr io.Writer) (bool, error) {
	limit := 2 * time.Minute
	if !cfg.skip {
		limit += 2 * timeout
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	dir, cleanup, err := crashdemo.Dir("approval", cfg.dir, cfg.keep, out, "durable.db", "notifications.db", "clock-offset")
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
	notes := ledger.Ledger{Path: filepath.Join(dir, "notifications.db")}
	s := &session{
		cfg: cfg, out: out, clock: clock, start: clock.Now(), client: runtime.NewClient(store),
		id: "approval-" + strconv.FormatInt(time.Now().UnixMilli(), 36),
		req: review.Request{
			ID: "PO-1042", What: "4 laptops, $9,600", Requester: "dana",
			Chain: []string{"alice", "bob"}, Timeout: timeout, Notifier: review.Notifier{Log: notes.Path},
		},
	}
	h, err := runtime.Start(ctx, s.client, review.ReviewWorkflow, s.id, s.req)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(out, "approval of %s (%s) for %s: instance %s\n", s.req.ID, s.req.What, s.req.Requester, s.id)
	fmt.Fprintf(out, "  approver %s answers %s, manager %s answers %s; each has %v\n",
		s.req.Chain[0], cfg.answers[0], s.req.Chain[1], cfg.answers[1], timeout)
	fmt.Fprintf(out, "  workflow store %s\n  notifications  %s\n", dbPath, notes.Path)

	pause := crashdemo.Pause{}
	if cfg.crash {
		pause = crashdemo.Pause{Kind: "step", Name: "Notify", N: deciderLevel(cfg.answers) + 1}
	}
	res, err := crashdemo.Run(ctx, crashdemo.Config{
		DB: dbPath, Client: s.client, ID: s.id, Clock: clock, Lease: cfg.lease, Pause: pause, Out: out, Stderr: stderr,
		OnCommit: s.onCommit,
	})
	if err != nil {
		return false, err
	}
	outcome, rerr := h.Result(ctx)
	history, err := s.client.History(ctx, s.id)
	if err != nil {
		return false, err
	}
	entries, err := notes.Entries(ctx, s.id)
	if err != nil {
		return false, err
	}
	if res.KilledAt >= 0 {
		fmt.Fprintf(out, "\nworker 2 resumed after checkpoint %d, %s: checkpoints 1-%d were not replayed;\n", res.KilledAt, res.Sites[res.KilledAt], res.KilledAt)
		fmt.Fprintf(out, "only checkpoint %d, whose notification had been sent but not committed, ran again\n", res.KilledAt+1)
	}
	if rerr != nil {
		fmt.Fprintf(out, "\nresult: error: %v\n", rerr)
	} else {
		fmt.Fprintf(out, "\noutcome: %+v\n", outcome)
	}
	crashdemo.PrintHistory(out, history)
	crashdemo.PrintEntries(out, "notifications", entries, res.Workers)
	end := "complete"
	if rerr != nil {
		end = "fail"
	}
	checks := crashdemo.Checks(crashdemo.Evidence{ID: s.id, History: history, Entries: entries, Run: res, End: end})
	checks = append(checks,
		checkOutcome(s.req, cfg.answers, outcome, rerr),
		checkNotified(s.req, cfg.answers, entries),
		checkWaits(cfg.answers, history))
	return crashdemo.PrintChecks(out, checks), nil
}

// deciderLevel returns the position in the chain of the first person
// whose answer is not silent, or the length of the chain.
func deciderLevel(answers []string) int {
	for i, a := range answers {
		if a != silent {
			return i
		}
	}
	return len(answers)
}

// onCommit plays the people of the chain: when the workflow suspends to
// wait for a decision, the person asked answers at once unless silent.
func (s *session) onCommit(ctx context.Context, c crashdemo.Commit) (string, error) {
	day := fmt.Sprintf("day %.2f", float64(s.clock.Now().Sub(s.start))/float64(24*time.Hour))
	if c.Kind != "await" {
		return day, nil
	}
	inst, err := s.client.Get(ctx, s.id)
	if err != nil {
		return "", err
	}
	if inst.Status != runtime.StatusWaiting || inst.Seq != c.Seq {
		if s.answer == silent {
			return day + ", the wait timed out", nil
		}
		return day + ", the decision was received", nil
	}
	// This checkpoint suspended the instance: a new wait.
	level := s.asked
	s.asked++
	if level >= len(s.req.Chain) {
		return "", fmt.Errorf("the workflow waits for a decision a %dth time; the chain has %d people", level+1, len(s.req.Chain))
	}
	who, answer := s.req.Chain[level], s.cfg.answers[level]
	s.answer = answer
	if answer == silent {
		return fmt.Sprintf("%s, suspended until %s decides or %v pass; %s does not answer", day, who, timeout, who), nil
	}
	d := review.Decision{Approved: answer == approve, By: who}
	if err := s.client.Signal(ctx, s.id, review.Signal, d); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s, suspended until %s decides; %s answers %s (signal sent)", day, who, who, answer), nil
}

// checkOutcome checks that the request ended as the answers say: decided
// by the first person who answered, or expired.
func checkOutcome(req review.Request, answers []string, got review.Outcome, rerr error) crashdemo.Check {
	level := deciderLevel(answers)
	if level == len(answers) {
		if rerr == nil || !strings.Contains(rerr.Error(), "expired") {
			return crashdemo.Fail("outcome %+v, error %v; want the request to expire, nobody answered", got, rerr)
		}
		return crashdemo.Pass("nobody answered: the request expired after %d waits of %v", len(answers), timeout)
	}
	want := review.Outcome{Approved: answers[level] == approve, By: req.Chain[level], Escalations: level}
	if rerr != nil || got != want {
		return crashdemo.Fail("outcome %+v, error %v; want %+v", got, rerr, want)
	}
	return crashdemo.Pass("%s decided (%s), escalated %d time(s)", want.By, answers[level], want.Escalations)
}

// checkNotified checks that everyone asked, and the requester at the
// end, was notified exactly once, in order.
func checkNotified(req review.Request, answers []string, entries []ledger.Entry) crashdemo.Check {
	level := deciderLevel(answers)
	var want, got []string
	for _, who := range req.Chain[:min(level+1, len(req.Chain))] {
		want = append(want, who)
	}
	want = append(want, req.Requester)
	for _, e := range entries {
		if e.Outcome == ledger.Applied {
			got = append(got, e.Target)
		}
	}
	if !slices.Equal(got, want) {
		return crashdemo.Fail("notified %q, want %q, each once", got, want)
	}
	return crashdemo.Pass("notified %s, each once", strings.Join(want, ", then "))
}

// checkWaits checks in the history that each wait for a silent person
// timed out, no earlier than the timeout after it began, and that the
// answer of the one who decided ended that wait before its timeout.
func checkWaits(answers []string, history []runtime.Event) crashdemo.Check {
	var waits []runtime.Event
	for _, ev := range history {
		if ev.Kind == "await" {
			waits = append(waits, ev)
		}
	}
	// Each wait is two events: the suspension, and the timeout or the
	// signal that ended it.
	n := min(deciderLevel(answers)+1, len(answers))
	if len(waits) != 2*n {
		return crashdemo.Fail("%d await events, want %d: two for each of %d waits", len(waits), 2*n, n)
	}
	var spans []string
	for i := range n {
		begin, end := waits[2*i], waits[2*i+1]
		took := end.At.Sub(begin.At)
		timedOut := end.Error == "timed out"
		switch {
		case begin.Error != "" || len(begin.Detail) != 0:
			return crashdemo.Fail("wait %d: event %d has %q %q, want a suspension with no signal", i+1, begin.Seq, begin.Error, begin.Detail)
		case answers[i] == silent && (!timedOut || took < timeout):
			return crashdemo.Fail("wait %d (silent): ended after %v with %q, want a timeout after %v", i+1, took, end.Error, timeout)
		case answers[i] != silent && (timedOut || len(end.Detail) == 0 || took >= timeout):
			return crashdemo.Fail("wait %d (%s): ended after %v with %q %q, want the decision before the timeout", i+1, answers[i], took, end.Error, end.Detail)
		}
		what := "answered after"
		if timedOut {
			what = "timed out after"
		}
		spans = append(spans, fmt.Sprintf("%s %.2f days", what, float64(took)/float64(24*time.Hour)))
	}
	return crashdemo.Pass("waits (durable time): %s", strings.Join(spans, "; "))
}
