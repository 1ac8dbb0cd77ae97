package rowevents

import (
	"math"
	"testing"

	"github.com/durablegen/durable/runtime"
)

func TestLen(t *testing.T) {
	for _, tc := range []struct {
		name string
		seq  int64
		ev   runtime.Event
	}{
		{"empty", 0, runtime.Event{}},
		{"step", 12, runtime.Event{Kind: "step", Name: "Charge", Site: 3, Attempts: 1, Detail: []byte(`{"id":"ch_1"}`)}},
		{"empty detail", 9, runtime.Event{Kind: "now", Detail: []byte{}}},
		{"negative", -7, runtime.Event{Site: -120, Attempts: -1, Error: "déclinée ✓"}},
		{"extremes", math.MaxInt64, runtime.Event{Site: math.MinInt32, Attempts: math.MaxInt32}},
		{"min", math.MinInt64, runtime.Event{Name: "\x00\xff"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := Len(tc.seq, &tc.ev), len(AppendHead(nil, tc.seq, &tc.ev)); got != want {
				t.Errorf("Len(%d, %+v) = %d, want %d (the length AppendHead appends)", tc.seq, tc.ev, got, want)
			}
		})
	}
}
