package encrypt

import (
	"errors"
	"fmt"
)

var (
	// ErrUnknownKey is returned when a value was sealed with a key whose ID
	// the keyring does not hold: add the key (not as primary) to read it.
	ErrUnknownKey = errors.New("sealed with a key the keyring does not hold")
	// ErrAuthentication is returned when a sealed value fails AES-GCM
	// authentication under its key: it was altered, or it was sealed for
	// another instance or field and moved.
	ErrAuthentication = errors.New("sealed value fails authentication")
	// ErrNotSealed is returned for a value that is not in the sealed
	// format: written without encryption, truncated or damaged.
	ErrNotSealed = errors.New("not a sealed value")
)

// OpenError reports a stored value of an instance that could not be
// opened. It matches [ErrUnknownKey], [ErrAuthentication] or
// [ErrNotSealed] with errors.Is.
type OpenError struct {
	Instance string // instance ID
	Field    string // what the value is: "frame", "output", "error", `signal "approval"`, "event 3 detail"...
	KeyID    string // the key the value names; "" if its header is unreadable
	Err      error  // ErrUnknownKey, ErrAuthentication or ErrNotSealed, possibly wrapped
}

// Error explains what failed and what to do about it.
func (e *OpenError) Error() string {
	what := e.Field + " of instance " + e.Instance
	switch {
	case errors.Is(e.Err, ErrUnknownKey):
		return fmt.Sprintf("%s sealed with key %s, which the keyring does not hold; add it to the keyring", what, e.KeyID)
	case errors.Is(e.Err, ErrAuthentication):
		return fmt.Sprintf("%s sealed with key %s fails authentication: it was altered, or sealed for another instance or field", what, e.KeyID)
	default:
		return fmt.Sprintf("%s cannot be opened: %v (was it written without encryption?)", what, e.Err)
	}
}

// Unwrap returns the cause.
func (e *OpenError) Unwrap() error { return e.Err }
