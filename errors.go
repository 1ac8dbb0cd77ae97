package durable

import "errors"

// Permanent marks err as not retryable: a step that returns it fails at
// once, whatever its policy.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err was marked with [Permanent] or is an
// [Error] decoded from a permanent error.
func IsPermanent(err error) bool {
	var p *permanentError
	if errors.As(err, &p) {
		return true
	}
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// Error is an error restored from a checkpoint. It keeps the message of the
// original error and, for errors the worker was told about (its list of
// known errors), errors.Is still matches them.
type Error struct {
	Message   string
	Permanent bool
	// Is lists the known errors the original matched.
	Is []error
}

func (e *Error) Error() string   { return e.Message }
func (e *Error) Unwrap() []error { return e.Is }
