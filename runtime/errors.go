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
)
