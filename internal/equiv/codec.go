package equiv

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/durablegen/durable"
)

// Special holds values standard JSON has no form for, in the places a
// frame and a result keep them: a NaN, infinities and -0, strings and
// map keys that are not valid UTF-8, times in a named location and in a
// fixed zone, a field tagged "-", an empty slice tagged omitempty, and an
// embedded unexported struct.
type Special struct {
	specialBase
	F      float64
	Fs     []float64 `json:"fs,omitempty"`
	S      string
	Keys   map[string]int
	At     time.Time
	Fixed  time.Time
	Secret string   `json:"-"`
	Empty  []string `json:"empty,omitempty"`
}

type specialBase struct{ Level float32 }

// SpecialValues keeps Special values across checkpoints: each step's
// result changes them, so every resume decodes them from the frame.
//
//durable:workflow
func SpecialValues(ctx durable.Context, n int) (Special, error) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return Special{}, err
	}
	v := Special{
		F:      math.NaN(),
		S:      "caf\xc3",
		Keys:   map[string]int{"\xff": n},
		At:     time.Date(2024, 3, 31, 0, 30, 0, 0, paris),
		Fixed:  time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("IST", 5*3600+1800)),
		Secret: "kept",
		Empty:  []string{},
	}
	v.Level = float32(math.Inf(-1))
	v.Fs = append(v.Fs, math.Copysign(0, -1))
	s, err := Echo(ctx, v.S+"\xfe")
	if err != nil {
		return Special{}, err
	}
	v.S = s
	// Two hours later in Paris crosses the change to summer time.
	v.At = v.At.Add(time.Duration(Inc(ctx, n)) * time.Hour)
	v.Fs = append(v.Fs, math.Inf(1), v.F)
	v.Keys[s] = Inc(ctx, 2)
	if v.Secret, err = Echo(ctx, v.Secret+fmt.Sprint(len(v.Empty))); err != nil {
		return Special{}, err
	}
	return v, nil
}

// SpecialKey prints what a workflow can observe of v, NaN bits and time
// locations included, so two values compare equal exactly when they
// cannot be told apart.
func SpecialKey(v Special) string {
	bits := func(fs ...float64) []string {
		var out []string
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%x", math.Float64bits(f)))
		}
		return out
	}
	tm := func(t time.Time) string {
		return fmt.Sprintf("%d %s %s", t.UnixNano(), t.Location(), t.Format(time.RFC3339Nano+" MST"))
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k, n := range v.Keys {
			if !yield(fmt.Sprintf("%q=%d", k, n)) {
				return
			}
		}
	})
	return fmt.Sprintf("level=%x f=%v fs=%v (nil %v) s=%q keys=%v at=%s fixed=%s secret=%q empty=%v (nil %v)",
		math.Float32bits(v.Level), bits(v.F), bits(v.Fs...), v.Fs == nil, v.S, keys, tm(v.At), tm(v.Fixed), v.Secret, v.Empty, v.Empty == nil)
}
