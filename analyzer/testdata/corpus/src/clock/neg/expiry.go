package neg

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

type Invoice struct {
	ID    string
	DueIn time.Duration
}

//durable:step
func SendReminder(ctx context.Context, id string) error {
	_ = time.Now() // steps may use the clock
	return nil
}

// Expiry uses the durable clock.
//
//durable:workflow
func Expiry(ctx durable.Context, inv Invoice) (bool, error) {
	due := durable.Now(ctx).Add(inv.DueIn)
	if err := durable.SleepUntil(ctx, due); err != nil {
		return false, err
	}
	if durable.Now(ctx).Sub(due) >= 0 {
		return true, SendReminder(ctx, inv.ID)
	}
	return false, nil
}

// Stamp is plain code that no workflow calls.
func Stamp() time.Time { return time.Now() }

// Window formats durations: time arithmetic is deterministic.
//
//durable:workflow
func Window(ctx durable.Context, d time.Duration) (string, error) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return start.Add(d).Format(time.RFC3339) + d.String(), nil
}
