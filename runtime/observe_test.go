package runtime

import (
	"testing"
	"time"
)

// TestReadyLag checks what a run reports of its queue lag: known since
// creation for a first run, since the wake-up time for a due timer, since
// the signal for an instance it woke, and unknown otherwise.
func TestReadyLag(t *testing.T) {
	now := time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		inst Instance
		want time.Duration
		ok   bool
	}{
		{"first run", Instance{CreatedAt: now.Add(-3 * time.Second)}, 3 * time.Second, true},
		{"due timer", Instance{Seq: 4, CreatedAt: now.Add(-time.Hour), WakeAt: now.Add(-2 * time.Second)}, 2 * time.Second, true},
		{"signal", Instance{Seq: 4, CreatedAt: now.Add(-time.Hour), Signal: &Signal{CreatedAt: now.Add(-time.Second)}}, time.Second, true},
		{"signal before a later deadline", Instance{Seq: 4, WakeAt: now.Add(time.Hour), Signal: &Signal{CreatedAt: now.Add(-time.Second)}}, time.Second, true},
		{"clock behind", Instance{CreatedAt: now.Add(time.Second)}, 0, true},
		{"takeover", Instance{Seq: 0, Aborted: 1, CreatedAt: now.Add(-time.Hour)}, 0, false},
		{"hand-back", Instance{Seq: 4, CreatedAt: now.Add(-time.Hour)}, 0, false},
		{"no clock", Instance{}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inst := tc.inst
			if tc.name != "no clock" {
				inst.Now = now
			}
			got, ok := readyLag(&inst)
			if got != tc.want || ok != tc.ok {
				t.Errorf("readyLag() = %v, %v, want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
