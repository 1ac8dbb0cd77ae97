package wire

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Point is a struct map key.
type Point struct{ X, Y int }

// Cell is a struct map key of values standard JSON cannot hold exactly.
type Cell struct {
	Name  string
	At    time.Time
	Score float64
	Grid  [2]int8
	Point
}

// TestStructKeys: maps keyed by structs and arrays are stored as arrays
// of [key, value] pairs, sorted by their encodings, and come back
// exactly; maps keyed by booleans are objects.
func TestStructKeys(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	instant := time.Date(2024, 3, 31, 1, 59, 59, 1, paris)
	for _, tc := range []struct {
		name string
		v    any
		want string // the encoding, if checked
	}{
		{"struct keys", map[Point]string{{2, 1}: "b", {1, 2}: "a"}, `[[{"X":1,"Y":2},"a"],[{"X":2,"Y":1},"b"]]`},
		{"array keys", map[[2]string]int{{"b", "\xff"}: 2, {"a", ""}: 1}, `[[["a",""],1],[["b","\udcff"],2]]`},
		{"bool keys", map[bool]int{true: 1, false: 0}, `{"false":0,"true":1}`},
		{"empty", map[Point]int{}, `[]`},
		{"nil", map[Point]int(nil), `null`},
		{"nested", map[string]map[Point][]Point{"a": {{1, 1}: {{2, 2}}}, "b": nil}, `{"a":[[{"X":1,"Y":1},[{"X":2,"Y":2}]]],"b":null}`},
		{"rich keys", map[Cell]bool{
			{Name: "caf\xc3", At: instant, Score: math.Copysign(0, -1), Grid: [2]int8{-128, 127}, Point: Point{1, 2}}: true,
			{Name: "inf", At: instant.UTC(), Score: math.Inf(-1)}:                                                     false,
		}, ""},
		{"struct value keys in a struct", struct {
			M map[Point]Point `json:"m"`
		}{map[Point]Point{{1, 2}: {3, 4}}}, `{"m":[[{"X":1,"Y":2},{"X":3,"Y":4}]]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := Marshal(tc.v, nil)
			if err != nil {
				t.Fatalf("Marshal(%v) error = %v", tc.v, err)
			}
			if tc.want != "" && string(data) != tc.want {
				t.Errorf("Marshal(%v) = %s, want %s", tc.v, data, tc.want)
			}
			if !strings.Contains(tc.name, "rich") {
				roundTrip(t, tc.v)
			}
			sameEncoding(t, tc.v, data)
		})
	}
}

// sameEncoding decodes data into a new value of v's type and checks that
// it encodes to data again: the form of equality that holds for keys with
// NaN or times (which map lookups do not find).
func sameEncoding(t *testing.T, v any, data []byte) {
	t.Helper()
	got := reflect.New(reflect.TypeOf(v))
	if err := Unmarshal(data, got.Interface(), nil); err != nil {
		t.Fatalf("Unmarshal(%s) error = %v", data, err)
	}
	again, err := Marshal(got.Elem().Interface(), nil)
	if err != nil {
		t.Fatalf("Marshal(Unmarshal(%s)) error = %v", data, err)
	}
	if string(again) != string(data) {
		t.Errorf("Marshal(Unmarshal(%s)) = %s", data, again)
	}
}

// TestNaNKeys: distinct NaN-holding keys of one map all come back.
func TestNaNKeys(t *testing.T) {
	type K struct{ F float64 }
	m := map[K]int{{math.NaN()}: 1, {math.NaN()}: 2, {1}: 3}
	data, err := Marshal(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got map[K]int
	if err := Unmarshal(data, &got, nil); err != nil {
		t.Fatal(err)
	}
	sum := 0
	for k, v := range got {
		if v != 3 && !math.IsNaN(k.F) || v == 3 && k.F != 1 {
			t.Errorf("key %v holds %d", k, v)
		}
		sum += v
	}
	if len(got) != 3 || sum != 6 {
		t.Errorf("Unmarshal(%s) = %v, want the three entries back", data, got)
	}
	sameEncoding(t, m, data)
}

// TestRefusedKeys: keys that hold pointers, interfaces or channels, whose
// identity a decoded key would not keep, are refused both ways.
func TestRefusedKeys(t *testing.T) {
	type P struct{ P *int }
	type I struct{ V any }
	type C struct{ C [1]chan int }
	for _, tc := range []struct {
		v    any
		want string
	}{
		{map[P]int{}, "P.P is a pointer"},
		{map[I]int{}, "I.V is an interface"},
		{map[C]int{}, "C.C[i] is a channel"},
		{map[float64]int{}, "cannot store a map with keys of type float64"},
	} {
		_, err := Marshal(tc.v, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Marshal(%T) error = %v, want one containing %q", tc.v, err, tc.want)
		}
		if err := Unmarshal([]byte(`[]`), reflect.New(reflect.TypeOf(tc.v)).Interface(), nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Unmarshal into %T error = %v, want one containing %q", tc.v, err, tc.want)
		}
	}
}

// TestCorruptPairs: malformed pairs fail with an error, never a panic.
func TestCorruptPairs(t *testing.T) {
	for _, data := range []string{`{"a":1}`, `[1]`, `[[]]`, `[[{"X":1}]]`, `[[{"X":1},1,2]]`, `[[{"X":"a"},1]]`, `[[{"X":1},1]`, `["x"]`} {
		var m map[Point]int
		if err := Unmarshal([]byte(data), &m, nil); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", data, m)
		}
	}
	var b map[bool]int
	for _, data := range []string{`{"TRUE":1}`, `{"1":1}`, `{"":1}`} {
		if err := Unmarshal([]byte(data), &b, nil); err == nil {
			t.Errorf("Unmarshal(%s) into map[bool]int = %v, want an error", data, b)
		}
	}
}

// FuzzStructKeys stores maps keyed by structs and arrays built from the
// fuzzer's input: every entry comes back, and the encoding is stable.
func FuzzStructKeys(f *testing.F) {
	f.Add("a", "\xff", int64(-1), math.Float64bits(math.NaN()), true)
	f.Add("", "", int64(1<<62), math.Float64bits(math.Copysign(0, -1)), false)
	f.Fuzz(func(t *testing.T, s1, s2 string, n int64, fbits uint64, b bool) {
		type K struct {
			S   string
			N   int64
			F   float64
			B   bool
			Arr [2]string
		}
		fl := math.Float64frombits(fbits)
		m := map[K][]string{
			{S: s1, N: n, F: fl, B: b, Arr: [2]string{s2, s1}}: {s2},
			{S: s2, N: -n, F: -fl, B: !b}:                      nil,
			{}:                                                 {},
		}
		arr := map[[3]int64]K{{n, n + 1, n - 1}: {S: s1}, {}: {}}
		for _, v := range []any{m, arr, map[bool]string{b: s1, !b: s2}} {
			data, err := Marshal(v, nil)
			if err != nil {
				t.Fatalf("Marshal(%v) error = %v", v, err)
			}
			sameEncoding(t, v, data)
			got := reflect.New(reflect.TypeOf(v))
			if err := Unmarshal(data, got.Interface(), nil); err != nil {
				t.Fatal(err)
			}
			if got.Elem().Len() != reflect.ValueOf(v).Len() {
				t.Errorf("Unmarshal(%s) has %d entries, want %d", data, got.Elem().Len(), reflect.ValueOf(v).Len())
			}
		}
	})
}
