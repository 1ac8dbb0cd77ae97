package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Encoder writes a frame as a JSON object, one field at a time. Generated
// MarshalFrame methods call it; field values go through encoding/json,
// except for the fast paths below and errors.
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

// Error writes an error field: its message, whether it is permanent,
// which known errors it is or matches, and the values of known error
// types in its chain.
func (e *Encoder) Error(k string, err error) {
	e.key(k)
	e.buf = appendError(e.buf, err, e.known)
}

// String writes a string field.
func (e *Encoder) String(k string, v string) {
	e.key(k)
	e.buf = appendJSONString(e.buf, v)
}

// Bool writes a boolean field.
func (e *Encoder) Bool(k string, v bool) {
	e.key(k)
	e.buf = strconv.AppendBool(e.buf, v)
}

// Field writes field k of a frame with value v, through encoding/json.
// Generated code uses the typed methods for plain integers, strings and
// booleans, which do not allocate.
func Field[T any](e *Encoder, k string, v T) {
	e.key(k)
	b, err := json.Marshal(v)
	if err != nil {
		if e.err == nil {
			e.err = fmt.Errorf("frame field %s: %w", k, err)
		}
		e.buf = append(e.buf, "null"...)
		return
	}
	e.buf = append(e.buf, b...)
}

// appendJSONString appends s as a JSON string that encoding/json decodes
// back to s.
func appendJSONString(buf []byte, s string) []byte {
	if !utf8.ValidString(s) {
		b, _ := json.Marshal(s) // replaces invalid bytes like encoding/json
		return append(buf, b...)
	}
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
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
	dec   *json.Decoder
	key   string
	raw   json.RawMessage
	err   error
	known knownErrors
	start bool
}

// NewDecoder returns a Decoder over data. Errors in known keep their
// identity (see [Decoder.Error]).
func NewDecoder(data []byte, known []error) *Decoder {
	return newDecoder(data, sentinels(known))
}

func newDecoder(data []byte, known knownErrors) *Decoder {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &Decoder{dec: dec, known: known}
}

// Next advances to the next field.
func (d *Decoder) Next() bool {
	if d.err != nil {
		return false
	}
	if !d.start {
		d.start = true
		t, err := d.dec.Token()
		if err != nil {
			d.fail(fmt.Errorf("corrupt frame: %w", err))
			return false
		}
		if t != json.Delim('{') {
			d.fail(fmt.Errorf("corrupt frame: want an object, got %v", t))
			return false
		}
	}
	if !d.dec.More() {
		if _, err := d.dec.Token(); err != nil {
			d.fail(fmt.Errorf("corrupt frame: %w", err))
		}
		return false
	}
	t, err := d.dec.Token()
	if err != nil {
		d.fail(fmt.Errorf("corrupt frame: %w", err))
		return false
	}
	k, ok := t.(string)
	if !ok {
		d.fail(fmt.Errorf("corrupt frame: want a key, got %v", t))
		return false
	}
	d.key = k
	d.raw = d.raw[:0]
	if err := d.dec.Decode(&d.raw); err != nil {
		d.fail(fmt.Errorf("corrupt frame: field %s: %w", k, err))
		return false
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
	var v string
	if err := json.Unmarshal(d.raw, &v); err != nil {
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

// Value decodes the current field into v.
func Value[T any](d *Decoder, v *T) {
	if p, ok := any(v).(*error); ok {
		*p = d.Error()
		return
	}
	if err := json.Unmarshal(d.raw, v); err != nil {
		d.fail(fmt.Errorf("corrupt frame: field %s: %w", d.key, err))
	}
}
