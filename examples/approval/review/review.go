package review

//go:generate go run github.com/durablegen/durable/cmd/durablegen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/examples/internal/ledger"
)

// Signal is the name of the signal that carries a [Decision].
const Signal = "decision"

// Request asks for a decision on a purchase.
type Request struct {
	ID        string // "PO-1042"
	What      string
	Requester string
	// Chain is who decides: the approver first, then whom to escalate
	// to, in order, when the one before did not answer within Timeout.
	Chain    []string
	Timeout  time.Duration
	Notifier Notifier
}

// Decision is the payload of the "decision" signal.
type Decision struct {
	Approved bool
	By       string
	Note     string `json:",omitempty"`
}

// Outcome is the result of a decided request.
type Outcome struct {
	Approved    bool
	By          string
	Note        string `json:",omitempty"`
	Escalations int    // how many times the request moved up the chain
}

// Review asks each person of the chain in turn for a decision, giving
// each in.Timeout to answer, and tells the requester the outcome. A
// request nobody decided fails as expired.
//
//durable:workflow
func Review(ctx durable.Context, in Request) (Outcome, error) {
	if len(in.Chain) == 0 {
		return Outcome{}, durable.Permanent(errors.New("request " + in.ID + " names nobody to decide"))
	}
	for level, who := range in.Chain {
		msg := fmt.Sprintf("please decide on %s (%s) within %v", in.ID, in.What, in.Timeout)
		if level > 0 {
			msg = fmt.Sprintf("escalated to you: %s did not decide on %s (%s) within %v; please decide within %v",
				in.Chain[level-1], in.ID, in.What, in.Timeout, in.Timeout)
		}
		if err := in.Notifier.Notify(ctx, who, msg); err != nil {
			return Outcome{}, err
		}
		d, ok, err := durable.AwaitTimeout[Decision](ctx, Signal, in.Timeout)
		if err != nil {
			return Outcome{}, fmt.Errorf("await the decision of %s: %w", who, err)
		}
		if !ok {
			continue // no answer in time: escalate
		}
		verdict := "rejected"
		if d.Approved {
			verdict = "approved"
		}
		if err := in.Notifier.Notify(ctx, in.Requester, fmt.Sprintf("%s %s by %s", in.ID, verdict, d.By)); err != nil {
			return Outcome{}, err
		}
		return Outcome{Approved: d.Approved, By: d.By, Note: d.Note, Escalations: level}, nil
	}
	if err := in.Notifier.Notify(ctx, in.Requester, fmt.Sprintf("%s expired: nobody decided", in.ID)); err != nil {
		return Outcome{}, err
	}
	return Outcome{}, fmt.Errorf("request %s expired: %s did not decide within %v each", in.ID, strings.Join(in.Chain, ", then "), in.Timeout)
}

// Notifier is the client of the notification service, whose log is the
// ledger at Log.
type Notifier struct {
	Log string
}

// Notify sends msg to person, once per step key.
//
//durable:step retries=5 backoff=1s..1m timeout=30s
func (n Notifier) Notify(ctx context.Context, person, msg string) error {
	_, err := ledger.Ledger{Path: n.Log}.Call(ctx, durable.StepKey(ctx), "notify", person, func(int) (string, error) {
		return msg, nil
	})
	return err
}
