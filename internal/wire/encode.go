package wire

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// ErrorCodec encodes values of the error interface type, which JSON has
// no form for; the runtime supplies its own.
type ErrorCodec interface {
	AppendError(buf []byte, err error) []byte
	DecodeError(raw []byte) error
}

// Append appends the encoding of v to buf. On error, buf is returned
// unchanged with the reason.
func Append(buf []byte, v any, errs ErrorCodec) ([]byte, error) {
	if v == nil {
		return append(buf, "null"...), nil
	}
	e := encoder{buf: buf, errs: errs}
	rv := reflect.ValueOf(v)
	if err := e.value(rv, planOf(rv.Type())); err != nil {
		return buf, err
	}
	return e.buf, nil
}

// Marshal returns the encoding of v.
func Marshal(v any, errs ErrorCodec) ([]byte, error) { return Append(nil, v, errs) }

type encoder struct {
	buf   []byte
	depth int
	errs  ErrorCodec
}

func (e *encoder) value(v reflect.Value, p *plan) error {
	switch p.how {
	case asTime:
		var err error
		e.buf, err = appendTime(e.buf, v.Interface().(time.Time))
		return err
	case asError:
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if e.errs == nil {
			return fmt.Errorf("cannot store an error value here")
		}
		e.buf = e.errs.AppendError(e.buf, v.Interface().(error))
		return nil
	case asJSON:
		return e.marshalJSON(v, p)
	case asText:
		return e.marshalText(v, p)
	case asBytes:
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		b := v.Bytes()
		e.buf = append(e.buf, '"')
		e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
		e.buf = append(e.buf, '"')
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	case reflect.Float32:
		e.buf = appendFloat(e.buf, v.Float(), 32)
	case reflect.Float64:
		e.buf = appendFloat(e.buf, v.Float(), 64)
	case reflect.String:
		e.buf = AppendString(e.buf, v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		defer e.leave()
		el := v.Elem()
		return e.value(el, planOf(el.Type()))
	case reflect.Slice:
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.array(v, p)
	case reflect.Array:
		return e.array(v, p)
	case reflect.Map:
		return e.mapValue(v, p)
	case reflect.Struct:
		return e.structValue(v, p)
	default:
		return fmt.Errorf("cannot store a value of type %s", v.Type())
	}
	return nil
}

func (e *encoder) enter() error {
	e.depth++
	if e.depth > maxDepth {
		return fmt.Errorf("value nested deeper than %d (a pointer cycle?)", maxDepth)
	}
	return nil
}

func (e *encoder) leave() { e.depth-- }

// addressable returns v, or an addressable copy of it when its marshal
// method is declared on the pointer type.
func addressable(v reflect.Value, p *plan) reflect.Value {
	if !p.addr || v.CanAddr() {
		return v
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	return c
}

func (e *encoder) marshalJSON(v reflect.Value, p *plan) error {
	v = addressable(v, p)
	if p.addr {
		v = v.Addr()
	}
	b, err := call(p.t, "MarshalJSON", func() ([]byte, error) { return v.Interface().(json.Marshaler).MarshalJSON() })
	if err != nil {
		return fmt.Errorf("%s.MarshalJSON: %w", p.t, err)
	}
	start := len(e.buf)
	w := bytes.NewBuffer(e.buf)
	if err := json.Compact(w, b); err != nil {
		e.buf = e.buf[:start]
		return fmt.Errorf("%s.MarshalJSON returned invalid JSON: %w", p.t, err)
	}
	e.buf = w.Bytes()
	return nil
}

func (e *encoder) marshalText(v reflect.Value, p *plan) error {
	b, err := marshalText(v, p)
	if err != nil {
		return err
	}
	e.buf = appendStringBytes(e.buf, b)
	return nil
}

func marshalText(v reflect.Value, p *plan) ([]byte, error) {
	addr := !p.t.Implements(textMarshalerType)
	if addr && !v.CanAddr() {
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		v = c
	}
	if addr {
		v = v.Addr()
	}
	b, err := call(p.t, "MarshalText", func() ([]byte, error) { return v.Interface().(encoding.TextMarshaler).MarshalText() })
	if err != nil {
		return nil, fmt.Errorf("%s.MarshalText: %w", p.t, err)
	}
	return b, nil
}

func (e *encoder) array(v reflect.Value, p *plan) error {
	if err := e.enter(); err != nil {
		return err
	}
	defer e.leave()
	ep := p.elemPlan()
	e.buf = append(e.buf, '[')
	for i := range v.Len() {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.value(v.Index(i), ep); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

func (e *encoder) mapValue(v reflect.Value, p *plan) error {
	if p.err != nil {
		return p.err
	}
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	defer e.leave()
	if p.pairs {
		return e.pairs(v, p)
	}
	kp, ep := p.keyPlan(), p.elemPlan()
	type entry struct {
		key string
		v   reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := mapKey(it.Key(), kp)
		if err != nil {
			return err
		}
		entries = append(entries, entry{k, it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	e.buf = append(e.buf, '{')
	for i, en := range entries {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = AppendString(e.buf, en.key)
		e.buf = append(e.buf, ':')
		if err := e.value(en.v, ep); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// pairs writes a map with struct or array keys as an array of [key,
// value] pairs, sorted by their encodings.
func (e *encoder) pairs(v reflect.Value, p *plan) error {
	kp, ep := p.keyPlan(), p.elemPlan()
	encoded := make([][]byte, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		start := len(e.buf)
		e.buf = append(e.buf, '[')
		if err := e.value(it.Key(), kp); err != nil {
			return err
		}
		e.buf = append(e.buf, ',')
		if err := e.value(it.Value(), ep); err != nil {
			return err
		}
		e.buf = append(e.buf, ']')
		encoded = append(encoded, bytes.Clone(e.buf[start:]))
		e.buf = e.buf[:start]
	}
	slices.SortFunc(encoded, bytes.Compare)
	e.buf = append(e.buf, '[')
	for i, pair := range encoded {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, pair...)
	}
	e.buf = append(e.buf, ']')
	return nil
}

// mapKey returns the text of a map key: a string kind as it is, a time
// in its special form, a TextMarshaler's text, an integer in decimal, a
// boolean as true or false.
func mapKey(k reflect.Value, p *plan) (string, error) {
	switch {
	case k.Kind() == reflect.String:
		return k.String(), nil
	case p.how == asTime:
		b, err := appendTimeText(nil, k.Interface().(time.Time))
		return string(b), err
	case p.text:
		b, err := marshalText(k, p)
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	case reflect.Bool:
		return strconv.FormatBool(k.Bool()), nil
	}
	return "", fmt.Errorf("cannot store a map with keys of type %s", k.Type())
}

func (e *encoder) structValue(v reflect.Value, p *plan) error {
	if p.err != nil {
		return p.err
	}
	if err := e.enter(); err != nil {
		return err
	}
	defer e.leave()
	e.buf = append(e.buf, '{')
	first := true
fields:
	for i := range p.fields {
		f := &p.fields[i]
		fv := v
		for j, x := range f.index {
			if j > 0 && fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue fields // behind a nil embedded pointer
				}
				fv = fv.Elem()
			}
			fv = fv.Field(x)
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = append(e.buf, f.key...)
		if f.quoted {
			if err := e.quoted(fv, f.planOf()); err != nil {
				return err
			}
			continue
		}
		if err := e.value(fv, f.planOf()); err != nil {
			return fmt.Errorf("field %s: %w", f.name, err)
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// quoted writes a field with the ",string" option: its value inside a
// string (a pointer field that is nil is null).
func (e *encoder) quoted(v reflect.Value, p *plan) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		v = v.Elem()
		p = planOf(v.Type())
	}
	if p.how != byKind {
		return e.value(v, p)
	}
	if v.Kind() == reflect.String {
		e.buf = appendStringBytes(e.buf, AppendString(nil, v.String()))
		return nil
	}
	if k := v.Kind(); (k == reflect.Float32 || k == reflect.Float64) && !isFinite(v.Float()) {
		return e.value(v, p) // already a string
	}
	e.buf = append(e.buf, '"')
	if err := e.value(v, p); err != nil {
		return err
	}
	e.buf = append(e.buf, '"')
	return nil
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// appendFloat writes f as encoding/json does, and NaN and the infinities
// in their special forms.
func appendFloat(buf []byte, f float64, bits int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(buf, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(buf, `"-Inf"`...)
	case math.IsNaN(f):
		if bits == 32 {
			b := math.Float32bits(float32(f))
			if b == math.Float32bits(float32(math.NaN())) {
				return append(buf, `"NaN"`...)
			}
			return fmt.Appendf(buf, `"NaN(0x%08x)"`, b)
		}
		b := math.Float64bits(f)
		if b == math.Float64bits(math.NaN()) {
			return append(buf, `"NaN"`...)
		}
		return fmt.Appendf(buf, `"NaN(0x%016x)"`, b)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, bits)
	if format == 'e' {
		// 1e-07 → 1e-7, as encoding/json writes it.
		if n := len(buf); n >= 4 && buf[n-4] == 'e' && buf[n-3] == '-' && buf[n-2] == '0' {
			buf[n-2] = buf[n-1]
			buf = buf[:n-1]
		}
	}
	return buf
}

// AppendString appends s as a JSON string. Bytes that are not valid
// UTF-8 are written as the escapes \udc80 to \udcff (see the package
// doc), so the string decodes back byte for byte.
func AppendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', 'd', 'c', hex[c>>4], hex[c&0xf])
			i++
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

func appendStringBytes(buf, b []byte) []byte {
	// A conversion the compiler does not copy for a call that does not
	// keep its argument would be nicer; AppendString is small enough.
	return AppendString(buf, string(b))
}

// call runs a method of the user's type, turning a panic into an error:
// no value may panic the runtime.
func call[T any](t reflect.Type, method string, f func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s.%s panicked: %v", t, method, r)
		}
	}()
	return f()
}
