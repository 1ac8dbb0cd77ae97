package pos

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Email(ctx context.Context, to string) error { return nil }

func notifyAll(ctx durable.Context, to []string) { _ = ctx.InstanceID() }

// Invite ignores a step error and passes ctx to a helper.
//
//durable:workflow
func Invite(ctx durable.Context, to []string) (int, error) {
	Email(ctx, to[0])  // finding: DG016
	notifyAll(ctx, to) // finding: DG016
	return len(to), nil
}

// Retry calls a step through a func value.
//
//durable:workflow
func Retry(ctx durable.Context, to string) (int, error) {
	send := Email // finding: DG016
	return 1, send(context.Background(), to)
}
