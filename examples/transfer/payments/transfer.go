package payments

//go:generate go run github.com/durablegen/durable/cmd/durablegen

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/durablegen/durable"
)

// ApprovalThreshold is the amount, in cents, above which a transfer waits
// for a person's approval: $10,000.00.
const ApprovalThreshold = 10_000_00

// TransferRequest asks to move Amount cents from one account to another
// through Bank.
type TransferRequest struct {
	From, To  string
	Amount    int64 // cents
	PollEvery time.Duration
	Bank      Bank
}

// Receipt is the result of a completed transfer.
type Receipt struct {
	ChargeID   string
	CreditID   string
	Amount     int64
	Polls      int
	ApprovedBy string `json:",omitempty"`
}

// Approval is the payload of the "approval" signal.
type Approval struct {
	Approved bool
	By       string
}

// Transfer charges the source account, polls until the charge settles,
// waits for an approval when the amount is large, and credits the
// destination account. If it fails after the charge, the charge is
// refunded (a compensation).
//
//durable:workflow
func Transfer(ctx durable.Context, in TransferRequest) (Receipt, error) {
	key := durable.IdempotencyKey(ctx)
	charge, err := in.Bank.Charge(ctx, in.From, in.Amount, key)
	if err != nil {
		return Receipt{}, fmt.Errorf("charge %s: %w", in.From, err)
	}
	// From here on, a failure refunds the charge: a rejected approval, a
	// credit that fails for good.
	durable.Compensate(ctx, in.Bank.Refund, charge.ID)
	polls := 0
	for {
		st, err := in.Bank.PollStatus(ctx, charge.ID)
		if err != nil {
			return Receipt{}, fmt.Errorf("poll charge %s: %w", charge.ID, err)
		}
		polls++
		if st.Settled {
			break
		}
		if err := durable.Sleep(ctx, in.PollEvery); err != nil {
			return Receipt{}, err
		}
	}
	approvedBy := ""
	if in.Amount > ApprovalThreshold {
		a, err := durable.Await[Approval](ctx, "approval")
		if err != nil {
			return Receipt{}, fmt.Errorf("await approval: %w", err)
		}
		if !a.Approved {
			return Receipt{}, fmt.Errorf("transfer of %s rejected by %s; charge %s refunded", Dollars(in.Amount), a.By, charge.ID)
		}
		approvedBy = a.By
	}
	credit, err := in.Bank.Credit(ctx, in.To, in.Amount)
	if err != nil {
		return Receipt{}, fmt.Errorf("credit %s: %w", in.To, err)
	}
	return Receipt{ChargeID: charge.ID, CreditID: credit.ID, Amount: in.Amount, Polls: polls, ApprovedBy: approvedBy}, nil
}

// Charge is a charge accepted by the bank.
type Charge struct{ ID string }

// ChargeStatus is what the bank says about a charge.
type ChargeStatus struct{ Settled bool }

// CreditNote is a credit applied by the bank.
type CreditNote struct{ ID string }

// Charge debits cents from acct. The bank applies one charge per
// idempotency key: a repeated request returns the first charge.
//
//durable:step retries=5 backoff=1s..5m timeout=30s
func (b Bank) Charge(ctx context.Context, acct string, cents int64, key string) (Charge, error) {
	return b.charge(ctx, durable.StepKey(ctx), acct, cents, key)
}

// PollStatus asks whether a charge has settled.
//
//durable:step
func (b Bank) PollStatus(ctx context.Context, chargeID string) (ChargeStatus, error) {
	settled, err := b.poll(ctx, durable.StepKey(ctx), chargeID)
	return ChargeStatus{Settled: settled}, err
}

// Credit pays cents into acct, once per step key.
//
//durable:step
func (b Bank) Credit(ctx context.Context, acct string, cents int64) (CreditNote, error) {
	id, err := b.credit(ctx, durable.StepKey(ctx), acct, cents)
	return CreditNote{ID: id}, err
}

// Refund reverses a charge, once per step key.
//
//durable:step
func (b Bank) Refund(ctx context.Context, chargeID string) error {
	return b.refund(ctx, durable.StepKey(ctx), chargeID)
}

// Dollars formats an amount in cents as dollars.
func Dollars(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	whole := strconv.FormatInt(n/100, 10)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return fmt.Sprintf("%s$%s.%02d", sign, whole, n%100)
}
