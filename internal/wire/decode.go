package wire

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Unmarshal decodes data, which must hold exactly one value, into the
// value v points to. Malformed input is an error, never a panic.
func Unmarshal(data []byte, v any, errs ErrorCodec) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("decode into %T: want a non-nil pointer", v)
	}
	d := decoder{scanner: scanner{data: data}, errs: errs}
	el := rv.Elem()
	if err := d.value(el, planOf(el.Type())); err != nil {
		return err
	}
	return d.end()
}

// String decodes data, which must hold exactly one JSON string.
func String(data []byte) (string, error) {
	s := scanner{data: data}
	b, err := s.str(nil)
	if err != nil {
		return "", err
	}
	if err := s.end(); err != nil {
		return "", err
	}
	return string(b), nil
}

type decoder struct {
	scanner
	errs ErrorCodec
	buf  []byte // scratch for strings
}

func (d *decoder) typeError(what string, t reflect.Type) error {
	return d.errorf("cannot decode %s into a value of type %s", what, t)
}

// value decodes the next value into v, which is settable.
func (d *decoder) value(v reflect.Value, p *plan) error {
	switch p.how {
	case asTime:
		s, err := d.string()
		if err != nil {
			return err
		}
		t, err := parseTime(s)
		if err != nil {
			return d.errorf("%v", err)
		}
		v.Set(reflect.ValueOf(t))
		return nil
	case asError:
		raw, err := d.skip()
		if err != nil {
			return err
		}
		if string(raw) == "null" {
			v.SetZero()
			return nil
		}
		if d.errs == nil {
			return d.errorf("cannot decode an error value here")
		}
		if e := d.errs.DecodeError(raw); e != nil {
			v.Set(reflect.ValueOf(e))
		} else {
			v.SetZero()
		}
		return nil
	case asJSON:
		raw, err := d.skip()
		if err != nil {
			return err
		}
		if _, err := call(p.t, "UnmarshalJSON", func() (struct{}, error) {
			return struct{}{}, v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw)
		}); err != nil {
			return d.errorf("%s.UnmarshalJSON: %v", p.t, err)
		}
		return nil
	case asText:
		if d.isNull() {
			return nil
		}
		b, err := d.str(d.buf[:0])
		if err != nil {
			return err
		}
		d.buf = b
		if _, err := call(p.t, "UnmarshalText", func() (struct{}, error) {
			return struct{}{}, v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText(b)
		}); err != nil {
			return d.errorf("%s.UnmarshalText: %v", p.t, err)
		}
		return nil
	case asBytes:
		if d.isNull() {
			v.SetZero()
			return nil
		}
		b, err := d.str(d.buf[:0])
		if err != nil {
			return err
		}
		d.buf = b
		out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
		n, err := base64.StdEncoding.Decode(out, b)
		if err != nil {
			return d.errorf("base64: %v", err)
		}
		v.SetBytes(out[:n:n])
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if d.isNull() {
			v.SetZero()
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		el := v.Elem()
		return d.value(el, planOf(el.Type()))
	case reflect.Interface:
		if d.isNull() {
			v.SetZero()
			return nil
		}
		if v.NumMethod() != 0 {
			return d.typeError("a value", v.Type())
		}
		x, err := d.generic()
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(&x).Elem())
		return nil
	case reflect.Slice:
		return d.slice(v, p)
	case reflect.Array:
		return d.array(v, p)
	case reflect.Map:
		return d.mapValue(v, p)
	case reflect.Struct:
		return d.structValue(v, p)
	}
	return d.scalar(v, false)
}

// scalar decodes a boolean, number or string; quoted is the ",string"
// option.
func (d *decoder) scalar(v reflect.Value, quoted bool) error {
	switch c := d.peek(); {
	case c == 'n':
		// null leaves a value unchanged, as in encoding/json.
		return d.literal("null")
	case c == '"' && v.Kind() != reflect.String || quoted:
		s, err := d.string()
		if err != nil {
			return err
		}
		if v.Kind() == reflect.Float32 || v.Kind() == reflect.Float64 {
			if f, ok := specialFloat(s, v.Kind()); ok {
				v.SetFloat(f)
				return nil
			}
		}
		if !quoted {
			return d.typeError("a string", v.Type())
		}
		inner := decoder{scanner: scanner{data: []byte(s)}}
		if err := inner.scalar(v, false); err != nil {
			return d.errorf("in the string of a \",string\" field: %v", err)
		}
		return inner.end()
	}
	switch v.Kind() {
	case reflect.Bool:
		switch d.peek() {
		case 't':
			v.SetBool(true)
			return d.literal("true")
		case 'f':
			v.SetBool(false)
			return d.literal("false")
		}
		return d.unexpected("a boolean")
	case reflect.String:
		s, err := d.string()
		if err != nil {
			return err
		}
		v.SetString(s)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b, err := d.number()
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil || v.OverflowInt(n) {
			return d.typeError("the number "+string(b), v.Type())
		}
		v.SetInt(n)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		b, err := d.number()
		if err != nil {
			return err
		}
		n, err := strconv.ParseUint(string(b), 10, 64)
		if err != nil || v.OverflowUint(n) {
			return d.typeError("the number "+string(b), v.Type())
		}
		v.SetUint(n)
		return nil
	case reflect.Float32, reflect.Float64:
		b, err := d.number()
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(string(b), v.Type().Bits())
		if err != nil {
			return d.typeError("the number "+string(b), v.Type())
		}
		v.SetFloat(f)
		return nil
	}
	return d.typeError("a value", v.Type())
}

// specialFloat reads the special forms of NaN and the infinities.
func specialFloat(s string, k reflect.Kind) (float64, bool) {
	switch s {
	case "NaN":
		if k == reflect.Float32 {
			return float64(float32(math.NaN())), true
		}
		return math.NaN(), true
	case "+Inf":
		return math.Inf(1), true
	case "-Inf":
		return math.Inf(-1), true
	}
	hex, ok := strings.CutPrefix(s, "NaN(0x")
	if !ok || !strings.HasSuffix(hex, ")") {
		return 0, false
	}
	bits := 64
	if k == reflect.Float32 {
		bits = 32
	}
	b, err := strconv.ParseUint(hex[:len(hex)-1], 16, bits)
	if err != nil {
		return 0, false
	}
	if bits == 32 {
		f := math.Float32frombits(uint32(b))
		return float64(f), f != f
	}
	f := math.Float64frombits(b)
	return f, math.IsNaN(f)
}

func (d *decoder) string() (string, error) {
	b, err := d.str(d.buf[:0])
	d.buf = b
	return string(b), err
}

func (d *decoder) slice(v reflect.Value, p *plan) error {
	if d.isNull() {
		v.SetZero()
		return nil
	}
	if d.peek() != '[' {
		return d.typeError("a non-array", v.Type())
	}
	ep := p.elemPlan()
	s := reflect.MakeSlice(v.Type(), 0, 0)
	err := d.each('[', ']', func() error {
		s = reflect.Append(s, reflect.Zero(p.t.Elem()))
		return d.value(s.Index(s.Len()-1), ep)
	})
	if err != nil {
		return err
	}
	v.Set(s)
	return nil
}

func (d *decoder) array(v reflect.Value, p *plan) error {
	if d.isNull() {
		return nil
	}
	if d.peek() != '[' {
		return d.typeError("a non-array", v.Type())
	}
	ep := p.elemPlan()
	i := 0
	err := d.each('[', ']', func() error {
		defer func() { i++ }()
		if i >= v.Len() {
			_, err := d.skip()
			return err
		}
		return d.value(v.Index(i), ep)
	})
	if err != nil {
		return err
	}
	for ; i < v.Len(); i++ {
		v.Index(i).SetZero()
	}
	return nil
}

func (d *decoder) mapValue(v reflect.Value, p *plan) error {
	if p.err != nil {
		return p.err
	}
	if d.isNull() {
		v.SetZero()
		return nil
	}
	if p.pairs {
		return d.pairs(v, p)
	}
	if d.peek() != '{' {
		return d.typeError("a non-object", v.Type())
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	kp, ep := p.keyPlan(), p.elemPlan()
	kt, et := p.t.Key(), p.t.Elem()
	return d.each('{', '}', func() error {
		kb, err := d.str(d.buf[:0])
		if err != nil {
			return err
		}
		d.buf = kb
		k := reflect.New(kt).Elem()
		if err := d.mapKey(k, kp, kb); err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		e := reflect.New(et).Elem()
		if err := d.value(e, ep); err != nil {
			return err
		}
		v.SetMapIndex(k, e)
		return nil
	})
}

// pairs decodes a map with struct or array keys from its array of [key,
// value] pairs.
func (d *decoder) pairs(v reflect.Value, p *plan) error {
	if d.peek() != '[' {
		return d.typeError("a non-array", v.Type())
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	kp, ep := p.keyPlan(), p.elemPlan()
	kt, et := p.t.Key(), p.t.Elem()
	return d.each('[', ']', func() error {
		k, e := reflect.New(kt).Elem(), reflect.New(et).Elem()
		n := 0
		err := d.each('[', ']', func() error {
			n++
			switch n {
			case 1:
				return d.value(k, kp)
			case 2:
				return d.value(e, ep)
			}
			return d.errorf("a map entry of %s has more than a key and a value", v.Type())
		})
		if err != nil {
			return err
		}
		if n != 2 {
			return d.errorf("a map entry of %s is not a key and a value", v.Type())
		}
		v.SetMapIndex(k, e)
		return nil
	})
}

func (d *decoder) mapKey(k reflect.Value, p *plan, b []byte) error {
	switch {
	case k.Kind() == reflect.String:
		k.SetString(string(b))
		return nil
	case p.how == asTime:
		t, err := parseTime(string(b))
		if err != nil {
			return d.errorf("map key: %v", err)
		}
		k.Set(reflect.ValueOf(t))
		return nil
	case p.text:
		if _, err := call(p.t, "UnmarshalText", func() (struct{}, error) {
			return struct{}{}, k.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText(b)
		}); err != nil {
			return d.errorf("map key: %s.UnmarshalText: %v", p.t, err)
		}
		return nil
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil || k.OverflowInt(n) {
			return d.typeError(fmt.Sprintf("the map key %q", b), k.Type())
		}
		k.SetInt(n)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(string(b), 10, 64)
		if err != nil || k.OverflowUint(n) {
			return d.typeError(fmt.Sprintf("the map key %q", b), k.Type())
		}
		k.SetUint(n)
		return nil
	case reflect.Bool:
		t, err := strconv.ParseBool(string(b))
		if err != nil || string(b) != strconv.FormatBool(t) {
			return d.typeError(fmt.Sprintf("the map key %q", b), k.Type())
		}
		k.SetBool(t)
		return nil
	}
	return d.typeError("a map key", k.Type())
}

func (d *decoder) structValue(v reflect.Value, p *plan) error {
	if p.err != nil {
		return p.err
	}
	if d.isNull() {
		return nil
	}
	if d.peek() != '{' {
		return d.typeError("a non-object", v.Type())
	}
	return d.each('{', '}', func() error {
		kb, err := d.str(d.buf[:0])
		if err != nil {
			return err
		}
		d.buf = kb
		f := p.field(kb)
		if err := d.expect(':'); err != nil {
			return err
		}
		if f == nil {
			_, err := d.skip()
			return err
		}
		fv, err := fieldValue(v, f)
		if err != nil {
			return d.errorf("%v", err)
		}
		if f.quoted {
			return d.quoted(fv)
		}
		if err := d.value(fv, f.planOf()); err != nil {
			return fmt.Errorf("field %s: %w", f.name, err)
		}
		return nil
	})
}

// field finds the field named name: exactly, or else ignoring case as
// encoding/json does.
func (p *plan) field(name []byte) *field {
	for i := range p.fields {
		if p.fields[i].name == string(name) {
			return &p.fields[i]
		}
	}
	if !utf8.Valid(name) {
		return nil
	}
	for i := range p.fields {
		if strings.EqualFold(p.fields[i].name, string(name)) {
			return &p.fields[i]
		}
	}
	return nil
}

// fieldValue returns the field of struct v, allocating the embedded
// pointers on the way.
func fieldValue(v reflect.Value, f *field) (reflect.Value, error) {
	for j, x := range f.index {
		if j > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return v, fmt.Errorf("field %s: cannot allocate the embedded pointer %s", f.name, v.Type())
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, nil
}

func (d *decoder) quoted(v reflect.Value) error {
	if v.Kind() == reflect.Pointer {
		if d.isNull() {
			v.SetZero()
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if p := planOf(v.Type()); p.how != byKind {
		return d.value(v, p)
	}
	return d.scalar(v, true)
}

// generic decodes a value into an interface, as encoding/json does:
// objects as map[string]any, arrays as []any, numbers as float64.
func (d *decoder) generic() (any, error) {
	switch d.peek() {
	case '{':
		m := map[string]any{}
		err := d.each('{', '}', func() error {
			k, err := d.string()
			if err != nil {
				return err
			}
			if err := d.expect(':'); err != nil {
				return err
			}
			x, err := d.generic()
			m[k] = x
			return err
		})
		return m, err
	case '[':
		a := []any{}
		err := d.each('[', ']', func() error {
			x, err := d.generic()
			a = append(a, x)
			return err
		})
		return a, err
	case '"':
		return d.string()
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	}
	b, err := d.number()
	if err != nil {
		return nil, err
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return nil, d.errorf("number %s: %v", b, err)
	}
	return f, nil
}
