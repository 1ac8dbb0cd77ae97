package pos

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

type Invoice struct {
	ID     string
	DueIn  time.Duration
	Amount int64
}

//durable:step
func SendReminder(ctx context.Context, id string) error { return nil }

// Expiry reminds the customer if the invoice is overdue.
//
//durable:workflow
func Expiry(ctx durable.Context, inv Invoice) (bool, error) {
	due := time.Now().Add(inv.DueIn) // finding: DG001
	if err := durable.Sleep(ctx, inv.DueIn); err != nil {
		return false, err
	}
	if time.Since(due) > 0 { // finding: DG001
		return true, SendReminder(ctx, inv.ID)
	}
	return false, nil
}
