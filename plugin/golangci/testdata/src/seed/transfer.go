// Package seed holds the bugs the analyzer must catch in the seed
// scenario: an idempotency key made with uuid.New, a deadline from
// time.Now and a map range that issues steps.
package seed

import (
	"context"
	"time"

	"github.com/durablegen/durable"
	"github.com/google/uuid"
)

// Request asks to pay each account of Splits its amount in cents.
type Request struct {
	Splits map[string]int64
}

// Receipt lists the charges made.
type Receipt struct {
	Charges []string
	Late    bool
}

// Charge debits an account once per key.
//
//durable:step retries=5
func Charge(ctx context.Context, acct string, cents int64, key string) (string, error) { // want Charge:"step"
	return acct + "/" + key, nil
}

// Transfer pays every split.
//
//durable:workflow
func Transfer(ctx durable.Context, in Request) (Receipt, error) { // want Transfer:"workflow"
	key := uuid.New().String()                 // want `DG003: uuid.New`
	deadline := time.Now().Add(24 * time.Hour) // want `DG001: time.Now`
	var r Receipt
	for acct, cents := range in.Splits { // want `DG009: range over map in.Splits`
		id, err := Charge(ctx, acct, cents, key)
		if err != nil {
			return Receipt{}, err
		}
		r.Charges = append(r.Charges, id)
	}
	r.Late = durable.Now(ctx).After(deadline)
	return r, nil
}
