package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/wire"
)

// Encoder writes a frame as a JSON object, one field at a time. Generated
// MarshalFrame methods call it; field values go through [Field], except
// for the fast paths below and errors.
type Encoder struct {
	buf   []byte
	first bool
	err   error
	known []error
	errs  knownErrors
}

// NewEncoder returns an Encoder appending to buf[:0]. Errors in known keep
// matching with errors.Is after a decode.
func NewEncoder(buf []byte, known []error) *Encoder {
	e := &Encoder{known: known, errs: knownErrors{known}}
	e.Reset(buf)
	return e
}

// Reset starts a new frame in buf[:0].
func (e *Encoder) Reset(buf []byte) {
	e.buf = append(buf[:0], '{')
	e.first = true
	e.err = nil
}

// Bytes closes the object and returns it, or the first encoding error.
func (e *Encoder) Bytes() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	return append(e.buf, '}'), nil
}

func (e *Encoder) key(k string) {
	if !e.first {
		e.buf = append(e.buf, ',')
	}
	e.first = false
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, k...)
	e.buf = append(e.buf, '"', ':')
}

// Int writes an integer field.
func (e *Encoder) Int(k string, v int64) {
	e.key(k)
	e.buf = strconv.AppendInt(e.buf, v, 10)
}

// Error writes an error field: its message, whether it is permanent and
// which known errors it matches.
func (e *Encoder) Error(k string, err error) {
	e.key(k)
	e.buf = appendError(e.buf, err, e.known)
}

// String writes a string field.
func (e *Encoder) String(k string, v string) {
	e.key(k)
	e.buf = wire.AppendString(e.buf, v)
}

// Bool writes a boolean field.
func (e *Encoder) Bool(k string, v bool) {
	e.key(k)
	e.buf = strconv.AppendBool(e.buf, v)
}

// Field writes field k of a frame with value v, through the faithful
// JSON codec (internal/wire): standard JSON for ordinary values, special
// forms for NaN, infinities, strings that are not UTF-8 and times in a
// named location. Generated code uses the typed methods for plain
// integers, strings and booleans, which do not allocate.
func Field[T any](e *Encoder, k string, v T) {
	if reflect.TypeFor[T]() == errorType {
		err, _ := any(v).(error)
		e.Error(k, err)
		return
	}
	e.key(k)
	b, err := wire.Append(e.buf, v, &e.errs)
	if err != nil {
		if e.err == nil {
			e.err = fmt.Errorf("frame field %s: %w", k, err)
		}
		e.buf = append(e.buf, "null"...)
		return
	}
	e.buf = b
}

var errorType = reflect.TypeFor[error]()

// knownErrors stores the values of type error inside other values
// (a []error, a struct field) as frames store error fields. A nil
// *knownErrors knows no sentinels.
type knownErrors struct{ known []error }

func (k *knownErrors) list() []error {
	if k == nil {
		return nil
	}
	return k.known
}

func (k *knownErrors) AppendError(buf []byte, err error) []byte {
	return appendError(buf, err, k.list())
}

func (k *knownErrors) DecodeError(raw []byte) error { return decodeError(raw, k.list()) }

type wireError struct {
	M  string   `json:"m"`
	P  bool     `json:"p,omitempty"`
	Is []string `json:"is,omitempty"`
	// Kept marks the error of an instance that failed outside its
	// workflow's own return (a panic, a frame that could not be read or
	// written, a step without an error result that failed for good): its
	// stored frame is its last committed checkpoint, where a retry resumes.
	Kept bool `json:"kept,omitempty"`
}

func appendError(buf []byte, err error, known []error) []byte {
	if err == nil {
		return append(buf, "null"...)
	}
	b, _ := json.Marshal(newWireError(err, known)) // strings and bools only: cannot fail
	return append(buf, b...)
}

func newWireError(err error, known []error) wireError {
	w := wireError{M: err.Error(), P: durable.IsPermanent(err)}
	for _, k := range known {
		if errors.Is(err, k) {
			w.Is = append(w.Is, k.Error())
		}
	}
	return w
}

// encodeKeptError is [EncodeError] for the error of an instance that
// failed with its last committed frame kept (see wireError.Kept).
func encodeKeptError(err error, known []error) string {
	w := newWireError(err, known)
	w.Kept = true
	b, _ := json.Marshal(w)
	return string(b)
}

// EncodeError returns err in the form frames use ("" for nil).
func EncodeError(err error, known []error) string {
	if err == nil {
		return ""
	}
	return string(appendError(nil, err, known))
}

// DecodeError restores an error encoded by [EncodeError] as a
// *durable.Error; nil for "".
func DecodeError(s string, known []error) error {
	if s == "" || s == "null" {
		return nil
	}
	return decodeError([]byte(s), known)
}

func decodeError(raw []byte, known []error) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var w wireError
	if err := json.Unmarshal(raw, &w); err != nil {
		// Not our encoding: keep the text as the message.
		return &durable.Error{Message: string(raw)}
	}
	e := &durable.Error{Message: w.M, Permanent: w.P}
	for _, name := range w.Is {
		for _, k := range known {
			if k.Error() == name {
				e.Is = append(e.Is, k)
				break
			}
		}
	}
	return e
}

// Decoder reads a frame written by [Encoder]. Generated UnmarshalFrame
// methods loop over its fields:
//
//	for d.Next() {
//		switch d.Key() {
//		case "x":
//			runtime.Value(d, &f.x)
//		}
//	}
//	return d.Err()
//
// Unknown keys are ignored. Malformed input makes Next return false and
// Err report it; it never panics.
type Decoder struct {
	obj   wire.Object
	key   string
	raw   []byte
	err   error
	known []error
	errs  knownErrors
}

// NewDecoder returns a Decoder over data.
func NewDecoder(data []byte, known []error) *Decoder {
	return &Decoder{obj: wire.NewObject(data), known: known, errs: knownErrors{known}}
}

// Next advances to the next field.
func (d *Decoder) Next() bool {
	if d.err != nil {
		return false
	}
	k, raw, ok := d.obj.Next()
	if !ok {
		if err := d.obj.Err(); err != nil {
			d.fail(fmt.Errorf("corrupt frame: %w", err))
		}
		return false
	}
	d.key, d.raw = k, raw
	return true
}

func (d *Decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// Key returns the current field's name.
func (d *Decoder) Key() string { return d.key }

// Int returns the current field as an integer.
func (d *Decoder) Int() int64 {
	n, err := strconv.ParseInt(string(d.raw), 10, 64)
	if err != nil {
		d.fail(fmt.Errorf("corrupt frame: field %s: %w", d.key, err))
	}
	return n
}

// String returns the current field as a string.
func (d *Decoder) String() string {
	v, err := wire.String(d.raw)
	if err != nil {
		d.fail(fmt.Errorf("corrupt frame: field %s: %w", d.key, err))
	}
	return v
}

// Bool returns the current field as a boolean.
func (d *Decoder) Bool() bool {
	v, err := strconv.ParseBool(string(d.raw))
	if err != nil {
		d.fail(fmt.Errorf("corrupt frame: field %s: %w", d.key, err))
	}
	return v
}

// Error returns the current field as an error (see [Encoder.Error]).
func (d *Decoder) Error() error { return decodeError(d.raw, d.known) }

// Err returns the first error met.
func (d *Decoder) Err() error { return d.err }

// Value decodes the current field into v.
func Value[T any](d *Decoder, v *T) {
	if p, ok := any(v).(*error); ok {
		*p = d.Error()
		return
	}
	if err := wire.Unmarshal(d.raw, v, &d.errs); err != nil {
		d.fail(fmt.Errorf("corrupt frame: field %s: %w", d.key, err))
	}
}
