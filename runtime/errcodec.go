package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/durablegen/durable"
)

// Errors that cross a checkpoint (a step's error in the frame, a child's
// or a workflow's final error) are stored as a wireError and restored by
// decodeError:
//
//   - an error that is a known error (err == k) comes back as k itself;
//   - an error whose type is a known error type comes back as an equal
//     value of that type;
//   - any other error comes back as a *durable.Error with its message,
//     whose chain holds the known errors it matched (errors.Is) and the
//     values of the known error types found in its chain (errors.As).
//
// Known errors are identified by their message, error types by
// [durable.ErrorType.Name]; what a decoder does not know is left out of
// the chain, never guessed.

// knownErrors are the errors and error types that keep their identity
// across a checkpoint. A value is never modified once built: [knownErrors.with]
// returns a new one.
type knownErrors struct {
	errs  []error
	types []durable.ErrorType
}

func sentinels(errs []error) knownErrors { return knownErrors{errs: errs} }

// with returns k extended by the errors and types it does not hold yet.
func (k knownErrors) with(errs []error, types []durable.ErrorType) knownErrors {
	out := knownErrors{errs: slices.Clip(k.errs), types: slices.Clip(k.types)}
	for _, e := range errs {
		if e != nil && !slices.ContainsFunc(out.errs, func(o error) bool { return sameError(o, e) }) {
			out.errs = append(out.errs, e)
		}
	}
	for _, t := range types {
		if t.Type() != nil && !slices.ContainsFunc(out.types, func(o durable.ErrorType) bool { return o.Type() == t.Type() }) {
			out.types = append(out.types, t)
		}
	}
	return out
}

// withDefinition returns k extended by the known errors of a workflow
// descriptor (generated descriptors list them).
func (k knownErrors) withDefinition(def any) knownErrors {
	d, ok := def.(interface {
		Errors() []error
		ErrorTypes() []durable.ErrorType
	})
	if !ok {
		return k
	}
	return k.with(d.Errors(), d.ErrorTypes())
}

// check reports known errors that a decoder could not tell apart: two
// distinct errors with the same message, two types with the same name.
func (k knownErrors) check() error {
	for i, a := range k.errs {
		for _, b := range k.errs[:i] {
			if message(a) == message(b) {
				return fmt.Errorf("known errors %T and %T have the same message %q: they cannot be told apart after a checkpoint; give them distinct messages", b, a, message(a))
			}
		}
	}
	for i, a := range k.types {
		for _, b := range k.types[:i] {
			if a.Name() == b.Name() {
				return fmt.Errorf("known error types %s and %s have the same name %q", b.Type(), a.Type(), a.Name())
			}
		}
	}
	return nil
}

func (k knownErrors) sentinel(msg string) error {
	for _, e := range k.errs {
		if message(e) == msg {
			return e
		}
	}
	return nil
}

func (k knownErrors) errorType(name string) (durable.ErrorType, bool) {
	for _, t := range k.types {
		if t.Name() == name {
			return t, true
		}
	}
	return durable.ErrorType{}, false
}

type wireError struct {
	M  string   `json:"m"`
	P  bool     `json:"p,omitempty"`
	Is []string `json:"is,omitempty"`
	// X is 1 + the index in Is of the known error the original was.
	X int `json:"x,omitempty"`
	// T holds the values of known error types in the original's chain.
	T []wireValue `json:"t,omitempty"`
	// Kept marks the error of an instance that failed outside its
	// workflow's own return (a panic, a frame that could not be read or
	// written, a step without an error result that failed for good): its
	// stored frame is its last committed checkpoint, where a retry resumes.
	Kept bool `json:"kept,omitempty"`
}

// wireValue is a value of a known error type.
type wireValue struct {
	T string          `json:"t"`           // durable.ErrorType.Name
	V json.RawMessage `json:"v"`           // the value, JSON
	X bool            `json:"x,omitempty"` // the original error was this value
}

func appendError(buf []byte, err error, known knownErrors) []byte {
	if err == nil {
		return append(buf, "null"...)
	}
	b, merr := json.Marshal(newWireError(err, known))
	if merr != nil {
		// Not reached: the values are valid JSON from json.Marshal.
		b, _ = json.Marshal(wireError{M: message(err), P: durable.IsPermanent(err)})
	}
	return append(buf, b...)
}

func newWireError(err error, known knownErrors) wireError {
	w := wireError{M: message(err), P: durable.IsPermanent(err)}
	for _, k := range known.errs {
		if sameError(err, k) {
			w.X = len(w.Is) + 1
			w.Is = append(w.Is, message(k))
		} else if matchesError(err, k) {
			w.Is = append(w.Is, message(k))
		}
	}
	for _, t := range known.types {
		v, ok := findErrorType(err, t)
		if !ok {
			continue
		}
		raw, ok := encodeErrorValue(v)
		if !ok {
			continue
		}
		w.T = append(w.T, wireValue{T: t.Name(), V: raw, X: reflect.TypeOf(err) == t.Type()})
	}
	return w
}

// encodeKeptError is [EncodeError] for the error of an instance that
// failed with its last committed frame kept (see wireError.Kept).
func encodeKeptError(err error, known knownErrors) string {
	w := newWireError(err, known)
	w.Kept = true
	b, _ := json.Marshal(w)
	return string(b)
}

// EncodeError returns err in the form frames use ("" for nil). Errors in
// known are recognized as such by [DecodeError].
func EncodeError(err error, known []error) string { return encodeError(err, sentinels(known)) }

func encodeError(err error, known knownErrors) string {
	if err == nil {
		return ""
	}
	return string(appendError(nil, err, known))
}

// DecodeError restores an error encoded by [EncodeError]: an error of
// known itself, or a *durable.Error; nil for "".
func DecodeError(s string, known []error) error { return decodeErrorString(s, sentinels(known)) }

func decodeErrorString(s string, known knownErrors) error {
	if s == "" || s == "null" {
		return nil
	}
	return decodeError([]byte(s), known)
}

func decodeError(raw []byte, known knownErrors) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var w wireError
	if err := json.Unmarshal(raw, &w); err != nil {
		// Not our encoding: keep the text as the message.
		return &durable.Error{Message: string(raw)}
	}
	var chain []error
	for i, name := range w.Is {
		k := known.sentinel(name)
		if k == nil {
			continue
		}
		if w.X == i+1 && durable.IsPermanent(k) == w.P {
			return k
		}
		chain = append(chain, k)
	}
	for _, v := range w.T {
		t, ok := known.errorType(v.T)
		if !ok {
			continue
		}
		e, ok := decodeErrorValue(t, v.V)
		if !ok {
			continue
		}
		if v.X && w.X == 0 && message(e) == w.M && isPermanent(e) == w.P {
			return e
		}
		chain = append(chain, e)
	}
	return &durable.Error{Message: w.M, Permanent: w.P, Is: chain}
}

// The functions below call methods of user error types (Error, Is, As,
// MarshalJSON...): a panic in one is taken as "no" rather than crashing
// the worker.

// sameError reports whether a == b, without panicking on values that are
// not comparable.
func sameError(a, b error) (same bool) {
	ta := reflect.TypeOf(a)
	if ta != reflect.TypeOf(b) || !ta.Comparable() {
		return false
	}
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

func matchesError(err, target error) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return errors.Is(err, target)
}

func message(err error) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprintf("%T (its Error method panicked: %v)", err, r)
		}
	}()
	return err.Error()
}

func isPermanent(err error) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return durable.IsPermanent(err)
}

// findErrorType returns the first error of type t in err's chain.
func findErrorType(err error, t durable.ErrorType) (v any, ok bool) {
	if t.Type() == nil {
		return nil, false
	}
	defer func() {
		if recover() != nil {
			v, ok = nil, false
		}
	}()
	target := reflect.New(t.Type())
	if !errors.As(err, target.Interface()) {
		return nil, false
	}
	return target.Elem().Interface(), true
}

// encodeErrorValue stores the value of a known error type, as the frame
// codec stores a value.
func encodeErrorValue(v any) (raw []byte, ok bool) {
	defer func() {
		if recover() != nil {
			raw, ok = nil, false
		}
	}()
	b, err := json.Marshal(v)
	return b, err == nil
}

// decodeErrorValue restores a value stored by encodeErrorValue as a t.
func decodeErrorValue(t durable.ErrorType, raw json.RawMessage) (e error, ok bool) {
	defer func() {
		if recover() != nil {
			e, ok = nil, false
		}
	}()
	p := reflect.New(t.Type())
	if json.Unmarshal(raw, p.Interface()) != nil {
		return nil, false
	}
	v := p.Elem()
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, false
	}
	e, ok = v.Interface().(error)
	return e, ok
}
