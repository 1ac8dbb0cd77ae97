package pos

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Notify(ctx context.Context, user string) error { return nil }

// Broadcast notifies users from goroutines.
//
//durable:workflow
func Broadcast(ctx durable.Context, users []string) (int, error) {
	for _, u := range users {
		go Notify(context.Background(), u) // finding: DG006
	}
	return len(users), nil
}

// Background starts a goroutine for bookkeeping.
//
//durable:workflow
func Background(ctx durable.Context, n int) (int, error) {
	total := 0
	go func() { total = n * 2 }() // finding: DG006
	return total, nil
}
