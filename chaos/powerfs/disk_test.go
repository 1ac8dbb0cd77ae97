package main

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestPowerCut checks that a cut keeps what the last sync covered, loses
// or keeps each later change whole, and that what it kept is then synced.
func TestPowerCut(t *testing.T) {
	for seed := range uint64(50) {
		d := newDisk()
		f := d.create("f", 0o644)
		f.write(0, []byte("aaaa"))
		f.sync()
		f.write(4, []byte("bbbb"))
		f.write(0, []byte("cc"))
		f.truncate(6)
		st := d.powerCut(rand.New(rand.NewPCG(seed, 1)))
		if st.dropped+st.kept != 3 {
			t.Fatalf("seed %d: powerCut = %+v, want 3 changes lost or kept", seed, st)
		}
		// Every outcome is the synced "aaaa" with a subset of the three
		// changes applied in order.
		var want [][]byte
		for mask := range 8 {
			b := []byte("aaaa")
			if mask&1 != 0 {
				b = apply(b, change{off: 4, data: []byte("bbbb"), size: -1})
			}
			if mask&2 != 0 {
				b = apply(b, change{off: 0, data: []byte("cc"), size: -1})
			}
			if mask&4 != 0 {
				b = apply(b, change{size: 6})
			}
			want = append(want, b)
		}
		got := make([]byte, 16)
		got = got[:f.read(got, 0)]
		ok := false
		for _, w := range want {
			ok = ok || bytes.Equal(got, w)
		}
		if !ok {
			t.Errorf("seed %d: after the cut the file holds %q, not the synced data with some of the later changes", seed, got)
		}
		if len(f.pending) != 0 || !bytes.Equal(f.synced, f.data) {
			t.Errorf("seed %d: after the cut %d changes pending, synced %q, data %q; want all synced", seed, len(f.pending), f.synced, f.data)
		}
		if st.kept == 0 && string(got) != "aaaa" {
			t.Errorf("seed %d: nothing kept, file holds %q, want %q", seed, got, "aaaa")
		}
	}
}

// TestSyncedSurvives checks that a file synced after its last change
// loses nothing.
func TestSyncedSurvives(t *testing.T) {
	d := newDisk()
	f := d.create("f", 0o644)
	f.write(0, []byte("hello"))
	f.truncate(3)
	f.sync()
	if st := d.powerCut(rand.New(rand.NewPCG(1, 2))); st.files != 0 {
		t.Errorf("powerCut = %+v, want no file with unsynced changes", st)
	}
	got := make([]byte, 8)
	if got = got[:f.read(got, 0)]; string(got) != "hel" {
		t.Errorf("after the cut the file holds %q, want %q", got, "hel")
	}
}
