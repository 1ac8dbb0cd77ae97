package runtime_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
)

// fuzzFrame has a field of every shape generated frames hold.
type fuzzFrame struct {
	pc    int
	n     int
	s     string
	ok    bool
	err   error
	xs    []int
	m     map[string]int
	p     *int
	arr   [2]string
	pair  struct{ A, B int }
	u     uint64
	r     rune
	bytes []byte
}

func (f *fuzzFrame) unmarshal(d *runtime.Decoder) error {
	for d.Next() {
		switch d.Key() {
		case "pc":
			f.pc = int(d.Int())
		case "n":
			runtime.Value(d, &f.n)
		case "s":
			runtime.Value(d, &f.s)
		case "ok":
			runtime.Value(d, &f.ok)
		case "err":
			f.err = d.Error()
		case "xs":
			runtime.Value(d, &f.xs)
		case "m":
			runtime.Value(d, &f.m)
		case "p":
			runtime.Value(d, &f.p)
		case "arr":
			runtime.Value(d, &f.arr)
		case "pair":
			runtime.Value(d, &f.pair)
		case "u":
			runtime.Value(d, &f.u)
		case "r":
			runtime.Value(d, &f.r)
		case "bytes":
			runtime.Value(d, &f.bytes)
		case "anyerr":
			runtime.Value(d, &f.err)
		}
	}
	return d.Err()
}

var errFuzzKnown = errors.New("known sentinel")

// FuzzDecoder feeds arbitrary bytes to the frame decoder the way a
// generated UnmarshalFrame does: it must return an error for a corrupt
// frame and never panic.
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"pc":3,"n":-7,"s":"héllo","ok":true,"err":{"m":"boom","p":true,"is":["known sentinel"]}}`,
		`{"xs":[1,2,3],"m":{"a":1},"p":5,"arr":["a","b"],"pair":{"A":1,"B":2},"u":18446744073709551615}`,
		`{"r":128512,"bytes":"AAEC","anyerr":"not an object","err":null}`,
		`{"pc":"x"}`,
		`{"pc":1e400}`,
		`{"pc":99999999999999999999}`,
		`{"n":1.5}`,
		`{"xs":{}}`,
		`{"s":"\ud800"}`,
		`{"pc":1,}`,
		`{"pc"`,
		`[1,2]`,
		`null`,
		`"frame"`,
		``,
		`{"a":{"b":[{"c":[[[[]]]]}]}}`,
		`{"pc":1}{"pc":2}`,
		`{"err":{"m":5}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr fuzzFrame
		d := runtime.NewDecoder(data, []error{errFuzzKnown})
		err := fr.unmarshal(d)
		if err != nil && d.Next() {
			t.Errorf("Decoder.Next() after error %v = true, want false", err)
		}
		// A frame that decodes must decode again to the same values.
		if err == nil {
			var again fuzzFrame
			if err := again.unmarshal(runtime.NewDecoder(data, []error{errFuzzKnown})); err != nil {
				t.Fatalf("second decode of %q = %v, want nil like the first", data, err)
			}
			if !reflect.DeepEqual(errText(fr.err), errText(again.err)) || fr.n != again.n || fr.s != again.s {
				t.Errorf("decode of %q is not deterministic", data)
			}
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// FuzzFrameRoundTrip encodes frame fields with the Encoder and decodes
// them: every value a workflow can hold in these types comes back equal,
// and errors keep their message, permanence and known sentinels.
func FuzzFrameRoundTrip(f *testing.F) {
	f.Add(int64(0), "", true, "", false, int64(0))
	f.Add(int64(-1<<63), "aé😀b", false, "boom", true, int64(1<<62))
	f.Add(int64(42), "\"quoted\"\n\t<html>&", true, "known", false, int64(-3))
	f.Fuzz(func(t *testing.T, n int64, s string, b bool, msg string, permanent bool, x int64) {
		if !utf8.ValidString(msg) {
			// Error messages are stored by encoding/json, which
			// replaces invalid UTF-8 with U+FFFD.
			return
		}
		var err error
		if msg != "" {
			err = errors.New(msg)
			if msg == errFuzzKnown.Error() {
				err = errFuzzKnown
			}
			if permanent {
				err = durable.Permanent(err)
			}
		}
		known := []error{errFuzzKnown}
		e := runtime.NewEncoder(nil, known)
		e.Int("pc", n)
		runtime.Field(e, "s", s)
		runtime.Field(e, "ok", b)
		e.Error("err", err)
		runtime.Field(e, "xs", []int64{x, n})
		runtime.Field(e, "m", map[string]int64{s: x})
		data, encErr := e.Bytes()
		if encErr != nil {
			t.Fatalf("Encoder.Bytes() error = %v, want nil", encErr)
		}
		var (
			gotN  int64
			gotS  string
			gotB  bool
			gotE  error
			gotXs []int64
			gotM  map[string]int64
		)
		d := runtime.NewDecoder(data, known)
		for d.Next() {
			switch d.Key() {
			case "pc":
				gotN = d.Int()
			case "s":
				runtime.Value(d, &gotS)
			case "ok":
				runtime.Value(d, &gotB)
			case "err":
				gotE = d.Error()
			case "xs":
				runtime.Value(d, &gotXs)
			case "m":
				runtime.Value(d, &gotM)
			}
		}
		if err := d.Err(); err != nil {
			t.Fatalf("decode %s: %v", data, err)
		}
		if gotN != n || gotS != s || gotB != b {
			t.Errorf("round trip of (%d, %q, %v) = (%d, %q, %v)", n, s, b, gotN, gotS, gotB)
		}
		if !reflect.DeepEqual(gotXs, []int64{x, n}) || !reflect.DeepEqual(gotM, map[string]int64{s: x}) {
			t.Errorf("round trip of xs, m = %v, %v, want %v, %v", gotXs, gotM, []int64{x, n}, map[string]int64{s: x})
		}
		checkErrorRoundTrip(t, err, gotE)
	})
}

func checkErrorRoundTrip(t *testing.T, want, got error) {
	t.Helper()
	if (want == nil) != (got == nil) {
		t.Fatalf("round trip of error %v = %v", want, got)
	}
	if want == nil {
		return
	}
	if got.Error() != want.Error() {
		t.Errorf("round trip of error %q = %q", want.Error(), got.Error())
	}
	if durable.IsPermanent(got) != durable.IsPermanent(want) {
		t.Errorf("round trip of error %q: IsPermanent = %v, want %v", want, durable.IsPermanent(got), durable.IsPermanent(want))
	}
	if errors.Is(got, errFuzzKnown) != errors.Is(want, errFuzzKnown) {
		t.Errorf("round trip of error %q: errors.Is(known) = %v, want %v", want, errors.Is(got, errFuzzKnown), errors.Is(want, errFuzzKnown))
	}
}

// TestFrameInvalidUTF8 checks that a string that is not valid UTF-8
// (for example a byte slice of a multi-byte rune) survives a checkpoint
// unchanged, as a field, a map key and through the String fast path.
func TestFrameInvalidUTF8(t *testing.T) {
	for _, s := range []string{"é"[:1], "\xff", "a\xc3", "\xed\xa0\x80", `\udcff`} {
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) {
			e := runtime.NewEncoder(nil, nil)
			runtime.Field(e, "s", s)
			e.String("fast", s)
			runtime.Field(e, "m", map[string]string{s: s})
			data, err := e.Bytes()
			if err != nil {
				t.Fatalf("Encoder.Bytes() error = %v", err)
			}
			var got, fast string
			var m map[string]string
			d := runtime.NewDecoder(data, nil)
			for d.Next() {
				switch d.Key() {
				case "s":
					runtime.Value(d, &got)
				case "fast":
					fast = d.String()
				case "m":
					runtime.Value(d, &m)
				}
			}
			if err := d.Err(); err != nil {
				t.Fatalf("decode %s: %v", data, err)
			}
			if got != s || fast != s || !reflect.DeepEqual(m, map[string]string{s: s}) {
				t.Errorf("round trip of %q through %s = %q, %q, %q", s, data, got, fast, m)
			}
		})
	}
}

// fuzzEmbedded is promoted into fuzzRich.
type fuzzEmbedded struct {
	Level float32
	Tags  []string `json:"tags,omitempty"`
}

type fuzzKey int

func (k fuzzKey) MarshalText() ([]byte, error) { return []byte("k" + strconv.Itoa(int(k))), nil }
func (k *fuzzKey) UnmarshalText(b []byte) error {
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "k"))
	*k = fuzzKey(n)
	return err
}

// fuzzRich has a field of every shape the codec stores faithfully.
type fuzzRich struct {
	fuzzEmbedded
	*FuzzPtr
	F      float64
	Fs     []float64          `json:"fs,omitempty"`
	S      string             `json:"s"`
	Hidden string             `json:"-"`
	B      []byte             `json:"b"`
	N      int64              `json:",string"`
	U      uint8              `json:"u"`
	Q      *float64           `json:"q,string"`
	M      map[string]float64 `json:"m,omitempty"`
	K      map[fuzzKey]string `json:"k"`
	T      time.Time          `json:"t"`
	Ts     map[time.Time]int  `json:"ts"`
	Arr    [2]*string         `json:"arr"`
	Errs   []error            `json:"errs"`
	Nested []map[string][]fuzzEmbedded
	Cells  map[fuzzCell][]string `json:"cells"`
	Grid   map[[2]int8]bool      `json:"grid"`
	Flags  map[bool]string       `json:"flags"`
}

type FuzzPtr struct{ P int }

// fuzzCell is a struct map key of values JSON cannot hold as they are.
type fuzzCell struct {
	Name string
	At   time.Time
	F    float64
	K    fuzzKey
}

// FuzzRichRoundTrip builds a value of fuzzRich from the fuzzer's input,
// stores it as a frame field and decodes it: every value comes back as
// the workflow held it (NaN bits, -0, invalid UTF-8, time locations and
// wall clocks, nil versus empty).
func FuzzRichRoundTrip(f *testing.F) {
	f.Add(math.Float64bits(math.NaN()), "caf\xc3", []byte{0xff}, int64(-1), int64(1711846800), uint8(1), true)
	f.Add(math.Float64bits(math.Inf(-1)), "", []byte(nil), int64(1<<62), int64(-62135596800), uint8(3), false)
	f.Add(uint64(1<<63), "\xed\xa0\x80\\udcff", []byte{}, int64(0), int64(253402300800), uint8(4), true)
	locs := []*time.Location{time.UTC, time.Local, time.FixedZone("IST", 19800), time.FixedZone("", -61)}
	for _, name := range []string{"Europe/Paris", "America/New_York", "Asia/Kathmandu", "EST"} {
		if loc, err := time.LoadLocation(name); err == nil {
			locs = append(locs, loc)
		}
	}
	f.Fuzz(func(t *testing.T, fbits uint64, s string, b []byte, n, sec int64, sel uint8, nils bool) {
		fl := math.Float64frombits(fbits)
		when := time.Unix(sec%(1<<40), n%1e9).In(locs[int(sel)%len(locs)])
		v := fuzzRich{
			fuzzEmbedded: fuzzEmbedded{Level: float32(fl), Tags: []string{s}},
			F:            fl, Fs: []float64{fl, -fl}, S: s, Hidden: s + "!", B: b, N: n, U: sel, Q: &fl,
			M: map[string]float64{s: fl}, K: map[fuzzKey]string{fuzzKey(n % 1000): s},
			T: when, Ts: map[time.Time]int{when: int(sel)}, Arr: [2]*string{&s, nil},
			Errs:   []error{nil, errors.New(strings.ToValidUTF8(s, "?"))},
			Nested: []map[string][]fuzzEmbedded{{s: {{Level: 1}}}, nil, {}},
			Cells:  map[fuzzCell][]string{{Name: s, At: when, F: fl, K: fuzzKey(sel)}: {s}, {}: nil},
			Grid:   map[[2]int8]bool{{int8(n), int8(sel)}: nils},
			Flags:  map[bool]string{nils: s},
		}
		if nils {
			v.FuzzPtr = &FuzzPtr{P: int(sel)}
			v.Fs, v.M, v.Q, v.Nested, v.fuzzEmbedded.Tags = []float64{}, map[string]float64{}, nil, nil, nil
		}
		e := runtime.NewEncoder(nil, nil)
		runtime.Field(e, "v", v)
		data, err := e.Bytes()
		if err != nil {
			t.Fatalf("Encoder.Bytes() error = %v", err)
		}
		var got fuzzRich
		d := runtime.NewDecoder(data, nil)
		for d.Next() {
			runtime.Value(d, &got)
		}
		if err := d.Err(); err != nil {
			t.Fatalf("decode %s: %v", data, err)
		}
		if w, g := richKey(v), richKey(got); w != g {
			t.Errorf("round trip through %s:\n got %s\nwant %s", data, g, w)
		}
	})
}

// richKey prints what a workflow can observe of v.
func richKey(v fuzzRich) string {
	var b strings.Builder
	tm := func(t time.Time) string {
		return fmt.Sprintf("%d %s %s", t.UnixNano(), t.Location(), t.Format(time.RFC3339Nano+" MST"))
	}
	fmt.Fprintf(&b, "level=%x tags=%q(nil %v) ptr=%v f=%x fs=", math.Float32bits(v.Level), v.Tags, v.Tags == nil, v.FuzzPtr, math.Float64bits(v.F))
	for _, f := range v.Fs {
		fmt.Fprintf(&b, "%x,", math.Float64bits(f))
	}
	fmt.Fprintf(&b, "(nil %v) s=%q hidden=%q b=%q(nil %v) n=%d u=%d q=", v.Fs == nil, v.S, v.Hidden, v.B, v.B == nil, v.N, v.U)
	if v.Q != nil {
		fmt.Fprintf(&b, "%x", math.Float64bits(*v.Q))
	}
	fmt.Fprintf(&b, " m=(nil %v)", v.M == nil)
	for k, f := range v.M {
		fmt.Fprintf(&b, "%q:%x,", k, math.Float64bits(f))
	}
	fmt.Fprintf(&b, " k=%v t=%s ts=", v.K, tm(v.T))
	for k, n := range v.Ts {
		fmt.Fprintf(&b, "%s:%d,", tm(k), n)
	}
	fmt.Fprintf(&b, " arr=%q,%v errs=%v nested=%v(nil %v)", *v.Arr[0], v.Arr[1], v.Errs, v.Nested, v.Nested == nil)
	var cells []string
	for c, ss := range v.Cells {
		cells = append(cells, fmt.Sprintf("%q %s %x %v:%q(nil %v)", c.Name, tm(c.At), math.Float64bits(c.F), c.K, ss, ss == nil))
	}
	slices.Sort(cells)
	fmt.Fprintf(&b, " cells=%q grid=%v flags=%v", cells, v.Grid, v.Flags)
	return b.String()
}
