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
	"github.com/durablegen/durable/examples/onboarding/drip"
	"github.com/durablegen/durable/runtime"
)

// killAfterSend is the Send step after which the first worker is killed:
// the second, the day-1 email, so that a durable sleep has committed.
const killAfterSend = 2

// demo runs the drip with a crash in the middle and reports on it. It
// returns whether every check passed.
func demo(ctx context.Context, cfg config, out, stderr io.Writer) (bool, error) {
	timeout := 2 * time.Minute
	if !cfg.skip {
		timeout += 7 * drip.Day
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dir, cleanup, err := crashdemo.Dir("onboarding", cfg.dir, cfg.keep, out, "durable.db", "outbox.db", "clock-offset")
	if err != nil {
		return false, err
	}
	defer cleanup()
	var clock *crashdemo.Clock
	if cfg.skip {
		clock = crashdemo.NewClock(dir)
	}
	start := clock.Now()
	dbPath := filepath.Join(dir, "durable.db")
	store, err := crashdemo.Open(dbPath, clock)
	if err != nil {
		return false, err
	}
	defer store.Close()
	client := runtime.NewClient(store)
	outbox := ledger.Ledger{Path: filepath.Join(dir, "outbox.db")}
	id := "onboarding-" + strconv.FormatInt(time.Now().UnixMilli(), 36)
	in := drip.Signup{User: "ada", Email: "ada@example.com", Mailer: drip.Mailer{Outbox: outbox.Path}}
	h, err := runtime.Start(ctx, client, drip.OnboardWorkflow, id, in)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(out, "onboarding drip for %s <%s>: instance %s\n", in.User, in.Email, id)
	if cfg.skip {
		fmt.Fprintln(out, "  the durable clock skips ahead to each timer while the instance sleeps")
	}
	fmt.Fprintf(out, "  workflow store %s\n  mail outbox    %s\n", dbPath, outbox.Path)

	pause := crashdemo.Pause{}
	if cfg.crash {
		pause = crashdemo.Pause{Kind: "step", Name: "Send", N: killAfterSend}
	}
	res, err := crashdemo.Run(ctx, crashdemo.Config{
		DB: dbPath, Client: client, ID: id, Clock: clock, Lease: cfg.lease, Pause: pause, Out: out, Stderr: stderr,
		OnCommit: func(ctx context.Context, c crashdemo.Commit) (string, error) {
			return fmt.Sprintf("day %.2f", float64(clock.Now().Sub(start))/float64(drip.Day)), nil
		},
	})
	if err != nil {
		return false, err
	}
	sum, rerr := h.Result(ctx)
	if rerr != nil {
		fmt.Fprintf(out, "\nresult: error: %v\n", rerr)
	}
	history, err := client.History(ctx, id)
	if err != nil {
		return false, err
	}
	entries, err := outbox.Entries(ctx, id)
	if err != nil {
		return false, err
	}
	if res.KilledAt >= 0 {
		fmt.Fprintf(out, "\nworker 2 resumed after checkpoint %d, %s: checkpoints 1-%d were not replayed;\n", res.KilledAt, res.Sites[res.KilledAt], res.KilledAt)
		fmt.Fprintf(out, "only checkpoint %d, whose send had run but not committed, ran again\n", res.KilledAt+1)
	}
	fmt.Fprintln(out, "\nemails (durable time since the signup):")
	for _, s := range sum.Sent {
		fmt.Fprintf(out, "  %-16s due day %d, sent day %.2f  %s\n", s.Template, s.Day, float64(s.At.Sub(sum.StartedAt))/float64(drip.Day), s.MessageID)
	}
	crashdemo.PrintHistory(out, history)
	crashdemo.PrintEntries(out, "mail provider calls", entries, res.Workers)
	checks := crashdemo.Checks(crashdemo.Evidence{ID: id, History: history, Entries: entries, Run: res, End: "complete"})
	checks = append(checks, checkOutbox(entries, in.Email), checkDates(sum, rerr, history))
	return crashdemo.PrintChecks(out, checks), nil
}

// checkOutbox checks that the provider sent each email of the schedule
// once, in order.
func checkOutbox(entries []ledger.Entry, address string) crashdemo.Check {
	var got, want []string
	for _, e := range entries {
		if e.Outcome == ledger.Applied {
			got = append(got, e.Op+" "+e.Target)
		}
	}
	for _, e := range drip.Schedule() {
		want = append(want, "send "+address+" "+e.Template)
	}
	if !slices.Equal(got, want) {
		return crashdemo.Fail("the provider sent %q, want %q", got, want)
	}
	return crashdemo.Pass("the provider sent each of the %d emails once, in order", len(want))
}

// checkDates checks that the drip's timers were set for the days of the
// schedule, counted from the signup — so that the takeover after the
// crash, which delayed one email, moved none of the later ones — and that
// no email went out before its day.
func checkDates(sum drip.Summary, rerr error, history []runtime.Event) crashdemo.Check {
	if rerr != nil {
		return crashdemo.Fail("the drip failed: %v", rerr)
	}
	schedule := drip.Schedule()
	if len(sum.Sent) != len(schedule) {
		return crashdemo.Fail("the summary lists %d emails, want %d", len(sum.Sent), len(schedule))
	}
	var timers []time.Time
	for _, ev := range history {
		if ev.Kind == "sleep" {
			t, err := time.Parse(time.RFC3339Nano, string(ev.Detail))
			if err != nil {
				return crashdemo.Fail("sleep at checkpoint %d: %v", ev.Seq, err)
			}
			timers = append(timers, t)
		}
	}
	var problems []string
	n := 0
	for i, e := range schedule {
		due := sum.StartedAt.Add(time.Duration(e.Day) * drip.Day)
		if e.Day > 0 {
			if n >= len(timers) || !timers[n].Equal(due) {
				problems = append(problems, fmt.Sprintf("timer %d not set for day %d", n+1, e.Day))
			}
			n++
		}
		if s := sum.Sent[i]; s.Template != e.Template || s.At.Before(due) {
			problems = append(problems, fmt.Sprintf("%s sent at day %.2f, want %s no earlier than day %d",
				s.Template, float64(s.At.Sub(sum.StartedAt))/float64(drip.Day), e.Template, e.Day))
		}
	}
	if n != len(timers) {
		problems = append(problems, fmt.Sprintf("%d timers, want %d", len(timers), n))
	}
	if len(problems) > 0 {
		return crashdemo.Fail("dates: %s", strings.Join(problems, "; "))
	}
	return crashdemo.Pass("the %d timers were set for days 1, 3 and 7 after the signup, whatever the crash delayed; no email went out early", n)
}
