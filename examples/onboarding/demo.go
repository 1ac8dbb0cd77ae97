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

// onTime is how late, in real time, an email may be checkpointed after
// its due time: a worker notices a timer within its poll interval (50ms).
const onTime = 300 * time.Millisecond

// demo runs the drip with a crash in the middle and reports on it. It
// returns whether every check passed.
func demo(ctx context.Context, cfg config, out, stderr io.Writer) (bool, error) {
	clock := crashdemo.Clock{Epoch: time.Now().Round(0), Day: cfg.day}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute+clock.Real(7*drip.Day))
	defer cancel()
	dir, cleanup, err := crashdemo.Dir("onboarding", cfg.dir, cfg.keep, out, "durable.db", "outbox.db")
	if err != nil {
		return false, err
	}
	defer cleanup()
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
	fmt.Fprintf(out, "  a durable day takes %v; the week about %v\n", cfg.day, clock.Real(7*drip.Day).Round(100*time.Millisecond))
	fmt.Fprintf(out, "  workflow store %s\n  mail outbox    %s\n", dbPath, outbox.Path)

	pause := crashdemo.Pause{}
	if cfg.crash {
		pause = crashdemo.Pause{Kind: "step", Name: "Send", N: killAfterSend}
	}
	res, err := crashdemo.Run(ctx, crashdemo.Config{
		DB: dbPath, Clock: clock, Lease: cfg.lease, Pause: pause, Out: out, Stderr: stderr,
		OnCommit: func(ctx context.Context, c crashdemo.Commit) (string, error) {
			return fmt.Sprintf("day %.2f", float64(clock.Now().Sub(clock.Epoch))/float64(drip.Day)), nil
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
	checks := crashdemo.Checks(crashdemo.Evidence{ID: id, History: history, Entries: entries, KilledAt: res.KilledAt, End: "complete"})
	checks = append(checks, checkOutbox(entries, in.Email), checkDates(sum, rerr, clock, cfg.lease, cfg.crash))
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

// checkDates checks that every email went out on its day, never before:
// the one whose checkpoint the kill cut off is late by the takeover at
// most, and the later ones are on time, because the drip sleeps until
// dates counted from the signup.
func checkDates(sum drip.Summary, rerr error, clock crashdemo.Clock, lease time.Duration, crashed bool) crashdemo.Check {
	if rerr != nil {
		return crashdemo.Fail("the drip failed: %v", rerr)
	}
	schedule := drip.Schedule()
	if len(sum.Sent) != len(schedule) {
		return crashdemo.Fail("the summary lists %d emails, want %d", len(sum.Sent), len(schedule))
	}
	var problems []string
	for i, s := range sum.Sent {
		due := sum.StartedAt.Add(time.Duration(schedule[i].Day) * drip.Day)
		allowed := clock.Durable(onTime)
		if crashed && i == killAfterSend-1 {
			// Re-run by worker 2 once worker 1's lease expired.
			allowed += clock.Durable(lease + time.Second)
		}
		late := s.At.Sub(due)
		if s.Template != schedule[i].Template || late < 0 || late > allowed {
			problems = append(problems, fmt.Sprintf("%s at day %.2f, want %s on day %d (+%.2f)",
				s.Template, float64(s.At.Sub(sum.StartedAt))/float64(drip.Day), schedule[i].Template, schedule[i].Day, float64(allowed)/float64(drip.Day)))
		}
	}
	if len(problems) > 0 {
		return crashdemo.Fail("dates: %s", strings.Join(problems, "; "))
	}
	return crashdemo.Pass("every email went out on its day, none early; the crash did not move the later ones")
}
