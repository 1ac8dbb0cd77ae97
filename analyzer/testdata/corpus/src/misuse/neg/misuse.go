package neg

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Email(ctx context.Context, to string) error { return nil }

// Invitee is a child workflow.
//
//durable:workflow
func Invitee(ctx durable.Context, to string) (bool, error) {
	return true, Email(ctx, to)
}

// Invite checks every error and starts child workflows.
//
//durable:workflow
func Invite(ctx durable.Context, to []string) (int, error) {
	n := 0
	for _, t := range to {
		ok, err := Invitee(ctx, t)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// key reads the context only through durable.IdempotencyKey: durablegen
// calls it as ordinary code.
func key(ctx durable.Context, to string) string { return to + ":" + durable.IdempotencyKey(ctx) }

// Keyed passes its context to a function that uses it only as the
// argument of durable functions.
//
//durable:workflow
func Keyed(ctx durable.Context, to string) (string, error) {
	k := key(ctx, to)
	return k, Email(ctx, k)
}
