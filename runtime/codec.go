package runtime

import (
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
	known knownErrors
}

// NewEncoder returns an Encoder appending to buf[:0]. Errors in known keep
// their identity after a decode (see [Encoder.Error]).
func NewEncoder(buf []byte, known []error) *Encoder {
	e := &Encoder{known: sentinels(known)}
	e.Reset(buf)
	return e
}

// Reset starts a new frame in buf[:0]; a buffer of less than
// minFrameBuffer bytes is replaced by one of that size, which most frames
// fit in without growing it field by field.
func (e *Encoder) Reset(buf []byte) {
	if cap(buf) < minFrameBuffer {
		buf = make([]byte, 0, minFrameBuffer)
	}
	e.buf = append(buf[:0], '{')
	e.first = true
	e.err = nil
}

const minFrameBuffer = 256

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

// Error writes an error field: its message, whether it is permanent,
// which known errors it is or matches, and the values of known error
// types in its chain.
func (e *Encoder) Error(k string, err error) {
	if _, ok := durable.IsContinueAsNew(err); ok {
		e.fail(fmt.Errorf("frame field %s holds the error of durable.ContinueAsNew, which cannot be kept across a checkpoint: return it from the workflow where it is made", k))
	}
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

// Frame writes field k holding the nested frame of a call in progress of
// a helper function that makes checkpoints: an object with the helper's
// own fields, written by its MarshalFrame.
func (e *Encoder) Frame(k string, m interface{ MarshalFrame(e *Encoder) }) {
	e.key(k)
	e.buf = append(e.buf, '{')
	e.first = true
	m.MarshalFrame(e)
	e.buf = append(e.buf, '}')
	e.first = false
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
	b, err := wire.Append(e.buf, v, &e.known)
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

// AppendError and DecodeError make knownErrors the [wire.ErrorCodec] of
// the values of type error inside other values (a []error, a struct
// field): they are stored as frames store error fields.
// A nil *knownErrors knows no errors.
func (k *knownErrors) AppendError(buf []byte, err error) []byte {
	if k == nil {
		return appendError(buf, err, knownErrors{})
	}
	return appendError(buf, err, *k)
}

func (k *knownErrors) DecodeError(raw []byte) error {
	if k == nil {
		return decodeError(raw, knownErrors{})
	}
	return decodeError(raw, *k)
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
	known knownErrors
	alias []byte // the record of shared memory (see Aliases)
	// stepSeq is the engine's field stepSeqField, read as the machine's
	// UnmarshalFrame passes over it.
	stepSeq int64
}

// NewDecoder returns a Decoder over data. Errors in known keep their
// identity (see [Decoder.Error]).
func NewDecoder(data []byte, known []error) *Decoder {
	return newDecoder(data, sentinels(known))
}

func newDecoder(data []byte, known knownErrors) *Decoder {
	return &Decoder{obj: wire.NewObject(data), known: known}
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
	if len(k) > 0 && k[0] == '$' && k == stepSeqField {
		d.stepSeq = d.Int()
	}
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

// Error returns the current field as an error (see [Encoder.Error]): a
// known error itself, a value of a known error type, or a
// *durable.Error.
func (d *Decoder) Error() error { return decodeError(d.raw, d.known) }

// Err returns the first error met.
func (d *Decoder) Err() error { return d.err }

// Frame decodes the current field, written by [Encoder.Frame], into the
// nested frame m.
func (d *Decoder) Frame(m interface{ UnmarshalFrame(d *Decoder) error }) {
	sub := newDecoder(d.raw, d.known)
	if err := m.UnmarshalFrame(sub); err != nil {
		d.fail(fmt.Errorf("nested frame %s: %w", d.key, err))
	}
}

// Value decodes the current field into v.
func Value[T any](d *Decoder, v *T) {
	if p, ok := any(v).(*error); ok {
		*p = d.Error()
		return
	}
	if err := wire.Unmarshal(d.raw, v, &d.known); err != nil {
		d.fail(fmt.Errorf("corrupt frame: field %s: %w", d.key, err))
	}
}
