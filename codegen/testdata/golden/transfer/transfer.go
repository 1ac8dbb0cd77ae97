package transfer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/durablegen/durable"
)

type Request struct {
	From, To string
	Cents    int64
	Poll     time.Duration
}

type Receipt struct {
	ChargeID string
	Polls    int
	Key      string
}

type Charge struct{ ID string }

type Status struct{ Settled bool }

//durable:step retries=5 backoff=1s..5m timeout=30s
func ChargeCard(ctx context.Context, acct string, cents int64, key string) (Charge, error) {
	return Charge{ID: fmt.Sprintf("ch-%s-%d", acct, cents)}, nil
}

//durable:step
func PollStatus(ctx context.Context, id string) (Status, error) {
	return Status{Settled: true}, nil
}

//durable:step
func Credit(ctx context.Context, acct string, cents int64) error {
	if cents < 0 {
		return errors.New("negative")
	}
	return nil
}

//durable:workflow
func Transfer(ctx durable.Context, in Request) (Receipt, error) {
	key := durable.IdempotencyKey(ctx)
	charge, err := ChargeCard(ctx, in.From, in.Cents, key)
	if err != nil {
		return Receipt{}, err
	}
	polls := 0
	for {
		st, err := PollStatus(ctx, charge.ID)
		if err != nil {
			return Receipt{}, err
		}
		polls++
		if st.Settled {
			break
		}
		if err := durable.Sleep(ctx, in.Poll); err != nil {
			return Receipt{}, err
		}
	}
	if err := Credit(ctx, in.To, in.Cents); err != nil {
		return Receipt{}, fmt.Errorf("credit: %w", err)
	}
	return Receipt{ChargeID: charge.ID, Polls: polls, Key: key}, nil
}
