package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// CancelRequester is implemented by stores that can cancel an instance
// gracefully: [Client.RequestCancel] uses it. Store.Cancel ends an
// instance at once; a requested cancel lets it undo what it did first.
type CancelRequester interface {
	// RequestCancel records reason as instance id's CancelReason, in one
	// transaction, and makes the instance runnable now: a sleeping or
	// waiting instance becomes ready; a running one becomes ready under a
	// new epoch (its owner is fenced at its next commit or heartbeat). A
	// second request keeps the first reason. It fails with an error
	// wrapping [ErrNotFound] if id does not exist and [ErrFinished] if it
	// is terminal.
	RequestCancel(ctx context.Context, id, reason string) error
}

// RequestCancel asks instance id to stop: the next worker to claim it runs
// the compensations it registered (durable.Compensate), last first, each
// a checkpointed step, and ends it canceled with reason (joined with the
// errors of compensations that failed). An instance with no compensations
// ends canceled at once. Its child workflows in progress are asked to
// cancel too (with a store that implements [Admin]). The store must
// implement [CancelRequester]
// (sqlite, postgres and memstore do); otherwise the error matches
// errors.ErrUnsupported and [Client.Cancel] is what remains.
func (c *Client) RequestCancel(ctx context.Context, id, reason string) error {
	cr, ok := c.store.(CancelRequester)
	if !ok {
		return fmt.Errorf("request cancel of %s: store %T cannot: %w; Cancel ends the instance at once", id, c.store, errors.ErrUnsupported)
	}
	if err := CheckID(id); err != nil {
		return fmt.Errorf("request cancel: %w", err)
	}
	if reason == "" {
		reason = "canceled"
	}
	reason = storedText(reason, maxErrorText)
	if err := cr.RequestCancel(ctx, id, reason); err != nil {
		return fmt.Errorf("request cancel of %s: %w", id, err)
	}
	return c.cancelChildren(ctx, id, reason, cr.RequestCancel)
}

// cancelRun ends a claimed instance whose cancel was requested: through
// its compensations if it registered any, else at once.
func (x *Exec) cancelRun() error {
	x.canceling = true
	h := &x.saga
	if h.saga != nil && (len(h.saga.List) > 0 || *h.pc == h.state) {
		if *h.pc != h.state {
			*h.err = errors.New(x.cancelReason)
			*h.pc = h.state
			// A retry suspended at the interrupted checkpoint is abandoned:
			// the compensations start with fresh attempts and keys.
			x.attempt, x.stepSeq = 0, 0
		}
		return x.compensate()
	}
	return x.finish(nil, errors.New(x.cancelReason))
}

// canceledError is what a canceled instance stores as its Error: the
// reason, then the errors of compensations that failed.
func canceledError(reason string, compensations []string) string {
	if len(compensations) == 0 {
		return reason
	}
	return reason + "; " + strings.Join(compensations, "; ")
}
