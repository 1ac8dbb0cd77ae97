package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

type Named int

type Color int

func (c Color) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("c%d", int(c))), nil }
func (c *Color) UnmarshalText(b []byte) error {
	_, err := fmt.Sscanf(string(b), "c%d", (*int)(c))
	return err
}

// Upper is encoded by its own methods, declared on the pointer.
type Upper struct{ s string }

func (u *Upper) MarshalJSON() ([]byte, error) { return json.Marshal(strings.ToUpper(u.s)) }
func (u *Upper) UnmarshalJSON(b []byte) error {
	var s string
	err := json.Unmarshal(b, &s)
	u.s = strings.ToLower(s)
	return err
}

type Inner struct {
	A int
	B string `json:"b"`
}

type Base struct {
	ID   int
	Note string
}

type base struct {
	Hidden int
	Level  float64
}

type Rich struct {
	Base
	base
	*Inner
	Name     string            `json:"name,omitempty"`
	Secret   string            `json:"-"`
	Dash     int               `json:"-,"`
	Quoted   int64             `json:",string"`
	QFloat   float64           `json:"qf,string"`
	QStr     string            `json:"qs,string"`
	QPtr     *bool             `json:"qp,string"`
	F32      float32           `json:"f32"`
	F64      float64           `json:"f64"`
	Empty    []int             `json:"empty,omitempty"`
	Nil      []int             `json:"nil"`
	EmptyM   map[string]int    `json:"emptym,omitempty"`
	Bytes    []byte            `json:"bytes"`
	Arr      [3]uint8          `json:"arr"`
	Ptr      *int              `json:"ptr"`
	PtrPtr   **string          `json:"pp"`
	Keys     map[string]string `json:"keys"`
	IntKeys  map[int8]bool     `json:"ik"`
	UintKeys map[uint64]Named  `json:"uk"`
	TextKeys map[Color]Color   `json:"tk"`
	TimeKeys map[time.Time]int `json:"timek"`
	When     time.Time         `json:"when"`
	Times    []time.Time       `json:"times"`
	Up       Upper             `json:"up"`
	UpPtr    *Upper            `json:"upp"`
	Addr     netip.Addr        `json:"addr"`
	Raw      json.RawMessage   `json:"raw"`
	Dur      time.Duration     `json:"dur"`
	Nested   [][]map[string]*Inner
	Err      error
	Errs     []error
	Any      any
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time.LoadLocation(%q): %v", name, err)
	}
	return loc
}

// errs is a test ErrorCodec: an error is its message.
type errs struct{}

func (errs) AppendError(buf []byte, err error) []byte { return AppendString(buf, err.Error()) }
func (errs) DecodeError(raw []byte) error {
	s, err := String(raw)
	if err != nil {
		return err
	}
	return errors.New(s)
}

// same compares values the way a workflow can observe them: times by
// instant, location name, zone and wall clock; errors by message; NaNs
// by bits; everything else deeply.
func same(a, b reflect.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	switch a.Type() {
	case timeType:
		ta, tb := a.Interface().(time.Time), b.Interface().(time.Time)
		return ta.Equal(tb) && ta.Location().String() == tb.Location().String() &&
			ta.Format(time.RFC3339Nano+" MST") == tb.Format(time.RFC3339Nano+" MST")
	case errorType:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return a.Interface().(error).Error() == b.Interface().(error).Error()
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		return math.Float64bits(a.Float()) == math.Float64bits(b.Float())
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return same(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.IsNil() != b.IsNil() {
			return false
		}
		fallthrough
	case reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !same(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		if a.Type().Key() == timeType {
			// Keys come back as equal instants in equal locations,
			// not as the same *time.Location.
			return fmt.Sprint(a.Interface()) == fmt.Sprint(b.Interface())
		}
		it := a.MapRange()
		for it.Next() {
			bv := b.MapIndex(it.Key())
			if !bv.IsValid() || !same(it.Value(), bv) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if !a.Type().Field(i).IsExported() && a.Type().Field(i).Anonymous {
				if !same(a.Field(i), b.Field(i)) {
					return false
				}
				continue
			}
			if !a.Type().Field(i).IsExported() {
				if !reflect.DeepEqual(fmt.Sprint(a.Field(i)), fmt.Sprint(b.Field(i))) {
					return false
				}
				continue
			}
			if !same(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func roundTrip(t *testing.T, v any) {
	t.Helper()
	data, err := Marshal(v, errs{})
	if err != nil {
		t.Fatalf("Marshal(%#v) error = %v", v, err)
	}
	if !json.Valid(data) {
		t.Fatalf("Marshal(%#v) = %s, not JSON", v, data)
	}
	got := reflect.New(reflect.TypeOf(v))
	if err := Unmarshal(data, got.Interface(), errs{}); err != nil {
		t.Fatalf("Unmarshal(%s) error = %v", data, err)
	}
	if !same(reflect.ValueOf(v), got.Elem()) {
		t.Errorf("round trip of %#v through %s = %#v", v, data, got.Elem().Interface())
	}
}

func TestRoundTrip(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	ny := mustLoad(t, "America/New_York")
	est := mustLoad(t, "EST")
	ist := time.FixedZone("IST", 5*3600+1800)
	odd := time.FixedZone("ODD", -(3*3600 + 7*60 + 13))
	noName := time.FixedZone("", 3600)
	utcFixed := time.FixedZone("UTC", 0)
	instant := time.Date(2024, 3, 31, 1, 59, 59, 123456789, time.UTC)
	s := "s"
	ps := &s
	yes := true
	x := 7
	cases := []struct {
		name string
		v    any
	}{
		{"int", 42},
		{"int8 min", int8(math.MinInt8)},
		{"int64 min", int64(math.MinInt64)},
		{"uint64 max", uint64(math.MaxUint64)},
		{"uintptr", uintptr(99)},
		{"named int", Named(-3)},
		{"bool", true},
		{"string", "héllo \"world\"\n\t\x00\x1f\u2028😀"},
		{"string invalid utf8", "a\xffb\xc3"},
		{"string surrogate bytes", "\xed\xa0\x80\xed\xb0\x80"},
		{"string replacement char", "\uFFFD"},
		{"string looks escaped", `\udcff`},
		{"float NaN", math.NaN()},
		{"float NaN other bits", math.Float64frombits(0xfff8000000000000)},
		{"float +Inf", math.Inf(1)},
		{"float -Inf", math.Inf(-1)},
		{"float -0", math.Copysign(0, -1)},
		{"float tiny", 5e-324},
		{"float big", 1.7976931348623157e308},
		{"float32 NaN", float32(math.NaN())},
		{"float32 NaN bits", math.Float32frombits(0x7fc00001)},
		{"float32 -Inf", float32(math.Inf(-1))},
		{"float32 -0", float32(math.Copysign(0, -1))},
		{"float32 odd", float32(0.1)},
		{"float32 small", float32(1e-7)},
		{"floats", []float64{1, 0.5, 1e21, 1e-7, math.NaN(), math.Inf(1)}},
		{"nil slice", []int(nil)},
		{"empty slice", []int{}},
		{"nil map", map[string]int(nil)},
		{"empty map", map[string]int{}},
		{"nil bytes", []byte(nil)},
		{"empty bytes", []byte{}},
		{"bytes", []byte{0, 1, 2, 255}},
		{"array", [2]string{"a", "\xff"}},
		{"byte array", [4]byte{1, 2, 3, 4}},
		{"pointer nil", (*int)(nil)},
		{"pointer", &x},
		{"pointer to pointer", &ps},
		{"map invalid utf8 keys", map[string]string{"\xff": "\xfe", "ok": "fine", "": ""}},
		{"map int keys", map[int]string{-1: "a", 0: "b", 1 << 40: "c"}},
		{"map text keys", map[Color]int{1: 2, 30: 4}},
		{"time UTC", instant},
		{"time zero", time.Time{}},
		{"time Local", instant.In(time.Local)},
		{"time Paris", instant.In(paris)},
		{"time Paris DST", instant.Add(time.Hour).In(paris)},
		{"time New York", instant.In(ny)},
		{"time EST location", instant.In(est)},
		{"time fixed", instant.In(ist)},
		{"time fixed seconds", instant.In(odd)},
		{"time fixed no name", instant.In(noName)},
		{"time fixed UTC", instant.In(utcFixed)},
		{"time LMT", time.Date(1850, 1, 1, 0, 0, 0, 0, paris)},
		{"time year 10000", time.Date(10000, 1, 1, 0, 0, 0, 1, ist)},
		{"time year -5", time.Date(-5, 12, 31, 23, 0, 0, 0, time.UTC)},
		{"time with monotonic", time.Now().Round(0)},
		{"time map keys", map[time.Time]string{instant: "utc", instant.In(paris): "paris", instant.Add(1): "later"}},
		{"upper", Upper{"abc"}},
		{"upper pointer", &Upper{"abc"}},
		{"text", Color(12)},
		{"netip", netip.MustParseAddr("::1")},
		{"raw", json.RawMessage(`{"a":[1,2]}`)},
		{"error nil", struct{ E error }{}},
		{"error", struct{ E error }{errors.New("boom")}},
		{"anonymous struct", struct {
			A int `json:"a"`
			B []string
		}{1, []string{}}},
		// json.RawMessage's own UnmarshalJSON keeps a null as "null".
		{"rich zero", Rich{Raw: json.RawMessage("null")}},
		{"rich", Rich{
			Base: Base{ID: 1, Note: "n"}, base: base{Hidden: 2, Level: math.Inf(-1)}, Inner: &Inner{A: 3, B: "\xff"},
			Name: "", Secret: "pw", Dash: 5, Quoted: -9, QFloat: math.NaN(), QStr: "q\"\xff", QPtr: &yes,
			F32: float32(math.Inf(1)), F64: math.Copysign(0, -1), Empty: []int{}, EmptyM: map[string]int{},
			Bytes: []byte("\xff\x00"), Arr: [3]uint8{1, 2, 3}, Ptr: &x, PtrPtr: &ps,
			Keys: map[string]string{"\xc3": "x"}, IntKeys: map[int8]bool{-128: true}, UintKeys: map[uint64]Named{math.MaxUint64: 1},
			TextKeys: map[Color]Color{3: 4}, TimeKeys: map[time.Time]int{instant.In(ny): 1},
			When: instant.In(paris), Times: []time.Time{instant.In(ist), instant.In(time.Local), {}},
			Up: Upper{"up"}, UpPtr: &Upper{"p"}, Addr: netip.MustParseAddr("10.0.0.1"), Raw: json.RawMessage(`[true]`),
			Dur: time.Hour, Nested: [][]map[string]*Inner{{{"a": {A: 1}, "nil": nil}}, nil, {}},
			Err: errors.New("e"), Errs: []error{nil, errors.New("x")}, Any: "plain",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { roundTrip(t, tc.v) })
	}
}

// Legacy is a type as frames written by encoding/json hold it.
type Legacy struct {
	Base
	*Inner
	Name    string             `json:"name,omitempty"`
	Skip    string             `json:"-"`
	Quoted  int64              `json:",string"`
	QStr    string             `json:"qs,string"`
	F       float64            `json:"f"`
	F32     float32            `json:"f32"`
	Empty   []int              `json:"empty,omitempty"`
	Bytes   []byte             `json:"bytes"`
	Arr     [2]int             `json:"arr"`
	Ptr     *string            `json:"ptr"`
	Keys    map[string]int     `json:"keys"`
	IntKeys map[int]string     `json:"ik"`
	Text    map[Color]Color    `json:"tk"`
	When    time.Time          `json:"when"`
	Whens   map[time.Time]bool `json:"whens"`
	Up      *Upper             `json:"up"`
	Addr    netip.Addr         `json:"addr"`
	Dur     time.Duration      `json:"dur"`
	Nested  []map[string][]*Inner
	Any     any
}

// TestDecodeLegacy decodes what encoding/json wrote for values of a rich
// type (frames and payloads of instances in flight when the codec
// changed) and wants what encoding/json decodes.
func TestDecodeLegacy(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	s := "p"
	instant := time.Date(2023, 7, 1, 12, 30, 0, 5000, time.UTC)
	for _, v := range []Legacy{
		{},
		{
			Base: Base{ID: 4, Note: "é"}, Inner: &Inner{A: 1, B: "b"}, Name: "n", Skip: "lost before, lost now", Quoted: 12, QStr: `q"`,
			F: 1e-7, F32: 0.1, Empty: []int{}, Bytes: []byte{1, 2}, Arr: [2]int{3, 4}, Ptr: &s,
			Keys: map[string]int{"a": 1}, IntKeys: map[int]string{-5: "x"}, Text: map[Color]Color{1: 2},
			When: instant.In(paris), Whens: map[time.Time]bool{instant: true}, Up: &Upper{"u"},
			Addr: netip.MustParseAddr("1.2.3.4"), Dur: time.Minute,
			Nested: []map[string][]*Inner{{"k": {{A: 2}, nil}}}, Any: map[string]any{"x": []any{1.0, "y", nil, true}},
		},
		{When: instant.In(time.FixedZone("X", 7200)), Whens: map[time.Time]bool{}},
	} {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var want, got Legacy
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if err := Unmarshal(data, &got, nil); err != nil {
			t.Fatalf("Unmarshal(%s) error = %v", data, err)
		}
		if !same(reflect.ValueOf(want), reflect.ValueOf(got)) {
			t.Errorf("Unmarshal(%s) = %#v, want %#v as encoding/json decodes it", data, got, want)
		}
	}
}

// TestRefused lists the struct types the codec cannot store without a
// loss; codegen's unserializable refuses the same (see its tests).
func TestRefused(t *testing.T) {
	type A struct{ X, Y int }
	type B struct{ X int }
	type Deep struct{ B }
	type unexportedInt int
	type node struct {
		*node
		V int
	}
	type Empty struct{}
	type twice struct {
		Deep
		D2 struct{ B }
	}
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"ambiguous", struct {
			A
			B
		}{}, "fields A.X and B.X are both named \"X\""},
		{"hidden", struct {
			Deep
			X string
		}{}, "fields X and Deep.B.X are both named \"X\""},
		{"tag collides", struct {
			X int `json:"Y"`
			Y int
		}{}, "named \"Y\""},
		{"dash collides", struct {
			X int `json:"-"`
			Y int `json:"X"`
		}{}, "named \"X\""},
		{"promoted again", struct {
			Deep
			B
		}{}, "already embedded as B"},
		{"unexported", struct{ x int }{}, "field x is unexported"},
		{"unexported embedded non-struct", struct{ unexportedInt }{}, "embedded field unexportedInt is unexported and not a struct"},
		{"embedded pointer unexported", struct{ *node }{}, "pointer to an unexported struct"},
		{"embedded pointer without fields", struct {
			*Empty
			V int
		}{}, "embedded pointer Empty has no field of its own"},
		{"repeated embedded type", struct {
			Deep
			Other struct{ Deep } `json:"other"`
			Z     struct{ B }    `json:"z"`
		}{}, ""},
		{"embedded twice", struct {
			A
			Inner struct {
				A
			}
		}{}, ""},
		{"same type embedded twice", struct {
			Deep
			T twice
		}{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Marshal(tc.v, nil)
			if tc.want == "" {
				if err != nil {
					t.Errorf("Marshal(%T) error = %v, want nil", tc.v, err)
				} else {
					roundTrip(t, tc.v)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Marshal(%T) error = %v, want one containing %q", tc.v, err, tc.want)
			}
			if err := Unmarshal([]byte(`{}`), reflect.New(reflect.TypeOf(tc.v)).Interface(), nil); err == nil {
				t.Errorf("Unmarshal into %T error = nil, want the same refusal", tc.v)
			}
		})
	}
}

func TestPromotedTwice(t *testing.T) {
	type C struct{ V int }
	type L struct{ C }
	type R struct{ W int }
	// C reached through two paths at the same depth.
	type both struct {
		L
		M struct{ C } `json:"m"`
	}
	roundTrip(t, both{L: L{C{1}}})
	type diamond struct {
		L
		R
		L2 struct{ C }
	}
	roundTrip(t, diamond{})
}

// TestCorrupt feeds malformed and mistyped input: every case is an
// error, none panics.
func TestCorrupt(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{`, `}`, `[`, `{"ID":}`, `{"ID":1,}`, `{"ID" 1}`, `{ID:1}`, `{"ID":1}x`, `{"ID":1}{}`,
		`{"ID":"x"}`, `{"ID":1.5}`, `{"ID":1e3}`, `{"ID":99999999999999999999}`, `{"ID":-}`, `{"ID":01}`,
		`{"Note":1}`, `{"Note":"\x01"}`, `{"Note":"\u12"}`, `{"Note":"\q"}`, `{"Note":"abc`, `{"Note":"\`,
		`{"f32":1e39}`, `{"f64":"NaN(0x1)"}`, `{"f64":"nan"}`, `{"f64":"Infinity"}`, `{"f32":"NaN(0x7ff8000000000001)"}`,
		`{"when":"2024-13-01T00:00:00Z"}`, `{"when":"2024-02-30T00:00:00Z"}`, `{"when":"2024-01-01T00:00:00Z[Nowhere/Zone]"}`,
		`{"when":"2024-01-01T00:00:00Z[Local"}`, `{"when":"x"}`, `{"when":5}`, `{"when":"2024-01-01T25:00:00Z"}`,
		`{"timek":{"yesterday":1}}`, `{"ik":{"300":true}}`, `{"uk":{"-1":1}}`, `{"tk":{"zz":1}}`,
		`{"bytes":"!!"}`, `{"bytes":[1]}`, `{"arr":[1,2,"x"]}`, `{"arr":{}}`, `{"empty":{}}`, `{"keys":[]}`,
		`{"Quoted":"x"}`, `{"qs":"abc"}`, `{"qs":"\"\\x\""}`, `{"up":5}`, `{"addr":"bad"}`,
		`{"Nested":[[{"a":{"A":"x"}}]]}`, `{"Any":[1,}`, strings.Repeat(`[`, maxDepth+5),
		`{"Nested":` + strings.Repeat(`[`, maxDepth+5) + `}`, "{\"Note\":\"\xff\"", `{"ID":1}` + "\x00",
		`{"qp":"yes"}`, `nul`, `tru`,
	} {
		t.Run(in[:min(len(in), 40)], func(t *testing.T) {
			var r Rich
			if err := Unmarshal([]byte(in), &r, errs{}); err == nil {
				t.Errorf("Unmarshal(%q) error = nil, want an error", in)
			}
		})
	}
}

// TestFixedZoneDetection pins what appendTime relies on in the time
// package's representation of a location.
func TestFixedZoneDetection(t *testing.T) {
	for _, tc := range []struct {
		loc  *time.Location
		want bool
	}{
		{time.FixedZone("EST", -5*3600), true},
		{time.FixedZone("", 0), true},
		{mustLoad(t, "EST"), false},
		{mustLoad(t, "Europe/Paris"), false},
		{mustLoad(t, "Etc/UTC"), false},
	} {
		if got := isFixedZone(tc.loc); got != tc.want {
			t.Errorf("isFixedZone(%v) = %v, want %v", tc.loc, got, tc.want)
		}
	}
}

func TestTimeForms(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	instant := time.Date(2024, 1, 2, 3, 4, 5, 600000000, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{instant, `"2024-01-02T03:04:05.6Z"`},
		{instant.In(paris), `"2024-01-02T04:04:05.6+01:00[Europe/Paris]"`},
		{instant.In(time.FixedZone("IST", 19800)), `"2024-01-02T08:34:05.6+05:30[fixed:IST]"`},
		{instant.In(time.FixedZone("S", -61)), `"2024-01-02T03:03:04.6-00:01:01[fixed:S]"`},
		{time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC), `"12345-01-01T00:00:00Z"`},
	} {
		got, err := Marshal(tc.t, nil)
		if err != nil || string(got) != tc.want {
			t.Errorf("Marshal(%v) = %s, %v, want %s", tc.t, got, err, tc.want)
		}
	}
}

func TestFloatForms(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{math.NaN(), `"NaN"`},
		{math.Inf(1), `"+Inf"`},
		{math.Inf(-1), `"-Inf"`},
		{math.Copysign(0, -1), `-0`},
		{1e21, `1e+21`},
		{1e20, `100000000000000000000`},
		{1e-7, `1e-7`},
		{float32(0.1), `0.1`},
		{"a\xffb", `"a\udcffb"`},
	} {
		got, err := Marshal(tc.v, nil)
		if err != nil || string(got) != tc.want {
			t.Errorf("Marshal(%v) = %s, %v, want %s", tc.v, got, err, tc.want)
		}
		std, err := json.Marshal(tc.v)
		if err == nil && string(std) != string(got) && tc.v != "a\xffb" {
			t.Errorf("Marshal(%v) = %s, encoding/json writes %s", tc.v, got, std)
		}
	}
}

// FuzzAppendString: every string comes back byte for byte, and a valid
// UTF-8 string is standard JSON that encoding/json reads back the same.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\" back\\slash", "nl\n tab\t cr\r \x00 \x1f", "é😀\u2028", "\xff\xfe bad utf8", "\xed\xa0\x80", `\udcff`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := AppendString(nil, s)
		got, err := String(b)
		if err != nil || got != s {
			t.Fatalf("String(AppendString(%q) = %s) = %q, %v, want %q", s, b, got, err, s)
		}
		if !utf8.ValidString(s) {
			return
		}
		var std string
		if err := json.Unmarshal(b, &std); err != nil || std != s {
			t.Errorf("json.Unmarshal(AppendString(%q) = %s) = %q, %v, want %q", s, b, std, err, s)
		}
	})
}

// Both is encoded by MarshalJSON, and keyed by MarshalText.
type Both struct{ N int }

func (b Both) MarshalJSON() ([]byte, error)  { return json.Marshal(b.N) }
func (b *Both) UnmarshalJSON(d []byte) error { return json.Unmarshal(d, &b.N) }
func (b Both) MarshalText() ([]byte, error)  { return []byte(fmt.Sprint("n", b.N)), nil }
func (b *Both) UnmarshalText(d []byte) error {
	_, err := fmt.Sscanf(string(d), "n%d", &b.N)
	return err
}

func TestKeyedByText(t *testing.T) {
	roundTrip(t, map[Both]Both{{1}: {2}, {3}: {4}})
	got, _ := Marshal(map[Both]Both{{1}: {2}}, nil)
	if string(got) != `{"n1":2}` {
		t.Errorf("Marshal(map[Both]Both) = %s, want {\"n1\":2}", got)
	}
}

// FuzzUnmarshal decodes arbitrary bytes into a rich type: never a panic,
// and a value that decodes is stored again in a form that decodes to
// the same value.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`{}`, `null`, `{"ID":1,"f64":"NaN","when":"2024-01-01T00:00:00+01:00[Europe/Paris]","keys":{"\udcff":"\udcfe"}}`,
		`{"Quoted":"12","qf":"-Inf","qs":"\"x\"","qp":"true","bytes":"AAE=","timek":{"2024-01-01T00:00:00Z[fixed:X]":1}}`,
		`{"Nested":[[{"a":{"A":1,"b":"c"}}]],"Errs":["x",null],"Any":{"a":[1,true,null]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Rich
		if Unmarshal(data, &r, errs{}) != nil {
			return
		}
		again, err := Marshal(r, errs{})
		if err != nil {
			return // e.g. a decoded value its own MarshalJSON refuses
		}
		var r2 Rich
		if err := Unmarshal(again, &r2, errs{}); err != nil {
			t.Fatalf("Unmarshal(Marshal(Unmarshal(%q)) = %s) error = %v", data, again, err)
		}
		if third, _ := Marshal(r2, errs{}); string(third) != string(again) {
			t.Errorf("encoding is not stable: %s, then %s", again, third)
		}
	})
}
