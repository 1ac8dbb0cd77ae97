package durabletest_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/durablegen/durable/durabletest"
)

// TestChoose checks what a sample of crash points always holds — the
// first and last three of each phase, the first at each site — and that
// the rest is drawn by the seed alone.
func TestChoose(t *testing.T) {
	// Phase 0 alternates sites 0 and 1 over 20 crash points, with site 2
	// once, at 10; phase 2 has 5 crash points, all at site 3.
	var sites [][3]int
	for k := 1; k <= 20; k++ {
		s := k % 2
		if k == 10 {
			s = 2
		}
		sites = append(sites, [3]int{0, k, s})
		if k <= 5 {
			sites = append(sites, [3]int{2, k, 3})
		}
	}
	always := [][2]int{{0, 1}, {0, 2}, {0, 3}, {0, 10}, {0, 18}, {0, 19}, {0, 20}, {2, 1}, {2, 2}, {2, 3}, {2, 4}, {2, 5}}
	if got := durabletest.Choose(5, 1, sites); !reflect.DeepEqual(got, always) {
		t.Errorf("Choose(5) = %v, want the %d points always chosen: %v", got, len(always), always)
	}
	a := durabletest.Choose(15, 1, sites)
	if len(a) != 15 {
		t.Fatalf("Choose(15) = %v, want 15 points", a)
	}
	for _, p := range always {
		if !slices.Contains(a, p) {
			t.Errorf("Choose(15) = %v, without %v", a, p)
		}
	}
	if !slices.IsSortedFunc(a, func(x, y [2]int) int { return slices.Compare(x[:], y[:]) }) {
		t.Errorf("Choose(15) = %v, want them in order", a)
	}
	if b := durabletest.Choose(15, 1, sites); !reflect.DeepEqual(a, b) {
		t.Errorf("Choose(15) with the same seed = %v, then %v", a, b)
	}
	differ := false
	for seed := uint64(2); seed < 10 && !differ; seed++ {
		differ = !reflect.DeepEqual(a, durabletest.Choose(15, seed, sites))
	}
	if !differ {
		t.Errorf("Choose(15) = %v whatever the seed", a)
	}
	if got := durabletest.Choose(100, 1, sites); len(got) != len(sites) {
		t.Errorf("Choose(100) of %d points = %d points, want all", len(sites), len(got))
	}
}
