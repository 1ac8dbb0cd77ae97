package drip

//go:generate go run github.com/durablegen/durable/cmd/durablegen

import (
	"context"
	"fmt"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/examples/internal/ledger"
)

// Day is a day of durable time.
const Day = 24 * time.Hour

// Email is one email of the drip: its template, sent Day days after the
// signup.
type Email struct {
	Day      int
	Template string
}

// Schedule is the drip of every signup.
func Schedule() []Email {
	return []Email{
		{0, "welcome"},
		{1, "getting-started"},
		{3, "tips"},
		{7, "check-in"},
	}
}

// Signup is a new user to onboard.
type Signup struct {
	User   string
	Email  string
	Mailer Mailer
}

// Sent is an email the drip sent.
type Sent struct {
	Template  string
	Day       int
	MessageID string
	At        time.Time // durable time of the send
}

// Summary is the result of a finished drip.
type Summary struct {
	User      string
	StartedAt time.Time
	Sent      []Sent
}

// Onboard sends the emails of the drip on their day, counted from the
// signup: each waits until its due time with a durable timer, so a worker
// that restarts in between neither resends nor moves the schedule.
//
//durable:workflow
func Onboard(ctx durable.Context, in Signup) (Summary, error) {
	start := durable.Now(ctx)
	sum := Summary{User: in.User, StartedAt: start}
	for _, e := range Schedule() {
		if e.Day > 0 {
			if err := durable.SleepUntil(ctx, start.Add(time.Duration(e.Day)*Day)); err != nil {
				return sum, err
			}
		}
		id, err := in.Mailer.Send(ctx, in.Email, e.Template)
		if err != nil {
			return sum, fmt.Errorf("send %s to %s: %w", e.Template, in.Email, err)
		}
		sum.Sent = append(sum.Sent, Sent{Template: e.Template, Day: e.Day, MessageID: id, At: durable.Now(ctx)})
	}
	return sum, nil
}

// Mailer is the client of the mail provider, whose log is the ledger at
// Outbox.
type Mailer struct {
	Outbox string
}

// Send sends template to address, once per step key, and returns the
// provider's message ID.
//
//durable:step retries=5 backoff=1s..1m timeout=30s
func (m Mailer) Send(ctx context.Context, address, template string) (string, error) {
	key := durable.StepKey(ctx)
	return ledger.Ledger{Path: m.Outbox}.Call(ctx, key, "send", address+" "+template, func(int) (string, error) {
		return "msg-" + key, nil
	})
}
