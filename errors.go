package durable

import (
	"errors"
	"reflect"
)

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

// Error is an error restored from a checkpoint that was not itself a
// known error or a value of a known error type (see [ErrorType]): an
// error that wraps them, or an unknown one. It keeps the message of the
// original error; errors.Is still matches the known errors the original
// matched, and errors.As still finds the values of known error types in
// its chain.
type Error struct {
	Message   string
	Permanent bool
	// Is lists the known errors the original matched and the values of
	// known error types found in its chain.
	Is []error
}

func (e *Error) Error() string   { return e.Message }
func (e *Error) Unwrap() []error { return e.Is }

// ErrorType is an error type whose values keep their type and fields
// when they cross a checkpoint (a step's error stored in the frame, a
// child workflow's error, the error a client reads): an error that is a
// T comes back as an equal T, and one that wraps a T comes back as an
// [Error] whose chain holds an equal T, so type assertions, type switches
// and errors.As behave as before the checkpoint. The value is stored with
// the frame codec (JSON), so T must be a type it stores exactly: exported
// fields of plain types, no interfaces, channels or functions.
//
// durablegen registers the types that a workflow's errors are asserted to
// or matched with errors.As in its descriptor; list others (those a
// caller of runtime.Handle.Result matches) with the runtime's options.
type ErrorType struct{ t reflect.Type }

// ErrorTypeFor returns the [ErrorType] of T.
func ErrorTypeFor[T error]() ErrorType { return ErrorType{reflect.TypeFor[T]()} }

// Type returns the Go type, nil for the zero ErrorType.
func (t ErrorType) Type() reflect.Type { return t.t }

// Name returns the name a value of the type is stored under: its import
// path and name, with a "*" in front for a pointer type.
func (t ErrorType) Name() string {
	if t.t == nil {
		return ""
	}
	if t.t.Kind() == reflect.Pointer && t.t.Elem().Name() != "" {
		return "*" + t.t.Elem().PkgPath() + "." + t.t.Elem().Name()
	}
	if t.t.Name() != "" {
		return t.t.PkgPath() + "." + t.t.Name()
	}
	return t.t.String()
}
