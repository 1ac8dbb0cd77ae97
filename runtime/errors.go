package runtime

import "errors"

var (
	// ErrNotFound is returned for an instance ID that does not exist.
	ErrNotFound = errors.New("instance not found")
	// ErrFenced is returned by a fenced store call when the caller's claim
	// is no longer current: the lease expired and another worker took the
	// instance over, or it was cancelled. The caller must drop the instance.
	ErrFenced = errors.New("lease lost: instance claimed by another worker or cancelled")
	// ErrDuplicateSeq is returned by Store.Checkpoint for a sequence number
	// the instance already has.
	ErrDuplicateSeq = errors.New("checkpoint sequence already committed")
	// ErrFinished is returned by Store.Signal for an instance that is
	// already completed, failed or canceled.
	ErrFinished = errors.New("instance already finished")
	// ErrAlreadyStarted is returned by [Start] when an instance with the
	// requested ID exists and runs a different workflow.
	ErrAlreadyStarted = errors.New("instance ID already used by another workflow")
	// ErrCanceled is returned by [Handle.Result] for a cancelled instance.
	ErrCanceled = errors.New("instance canceled")
	// ErrNotRetryable is returned by [Client.Retry] and [Admin].Retry for
	// an instance that cannot be retried: it is not failed, or it failed
	// with an error its workflow returned.
	ErrNotRetryable = errors.New("instance cannot be retried")
	// ErrNoVariable is returned by [State.Var] for a name the frame does
	// not hold.
	ErrNoVariable = errors.New("no such variable in the frame")
	// ErrInvalidID is returned for an instance ID or a signal name that no
	// store can keep (see [CheckID]).
	ErrInvalidID = errors.New("invalid instance ID or signal name")
	// ErrTooLarge is returned for an input, a signal payload, a frame or
	// an output over its size limit (see [DefaultMaxPayload]).
	ErrTooLarge = errors.New("value too large")
)
