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
