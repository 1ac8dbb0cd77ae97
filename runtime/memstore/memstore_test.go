package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// clock is a settable store clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const key = "wf@v1"

func newStore(t *testing.T) (*memstore.Store, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	return memstore.NewWithClock(c.now), c
}

func create(t *testing.T, s *memstore.Store, id string) {
	t.Helper()
	if _, _, err := s.Create(context.Background(), &runtime.Instance{ID: id, Workflow: "wf", Version: "v1", Frame: []byte("{}")}); err != nil {
		t.Fatalf("Create(%s) = %v, want nil", id, err)
	}
}

func claim(t *testing.T, s *memstore.Store, owner string, limit int) []*runtime.Instance {
	t.Helper()
	got, err := s.Claim(context.Background(), runtime.ClaimRequest{Owner: owner, Workflows: []string{key}, Limit: limit, Lease: time.Minute})
	if err != nil {
		t.Fatalf("Claim(%s) = %v, want nil", owner, err)
	}
	return got
}

func TestInjectedClock(t *testing.T) {
	tests := []struct {
		name    string
		status  runtime.Status // committed after the first claim
		wakeIn  time.Duration
		advance time.Duration
		want    bool // claimable after advance
	}{
		{"lease not expired", runtime.StatusRunning, 0, time.Minute, false},
		{"lease expired", runtime.StatusRunning, 0, time.Minute + time.Nanosecond, true},
		{"timer not due", runtime.StatusSleeping, time.Hour, time.Hour - time.Nanosecond, false},
		{"timer due", runtime.StatusSleeping, time.Hour, time.Hour, true},
		{"waiting with timeout due", runtime.StatusWaiting, time.Hour, time.Hour, true},
		{"waiting without timeout", runtime.StatusWaiting, 0, 1000 * time.Hour, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, c := newStore(t)
			create(t, s, "a")
			got := claim(t, s, "w1", 1)
			if len(got) != 1 {
				t.Fatalf("Claim() = %d instances, want 1", len(got))
			}
			cp := &runtime.Checkpoint{ID: "a", Epoch: got[0].Epoch, Seq: 1, Status: tc.status, AwaitName: "go", Event: runtime.Event{Kind: "step"}}
			if tc.wakeIn > 0 {
				cp.WakeAt = got[0].Now.Add(tc.wakeIn)
			}
			if err := s.Checkpoint(context.Background(), cp); err != nil {
				t.Fatalf("Checkpoint() = %v, want nil", err)
			}
			c.advance(tc.advance)
			if n := len(claim(t, s, "w2", 1)); (n == 1) != tc.want {
				t.Errorf("Claim() after %v = %d instances, want claimable %v", tc.advance, n, tc.want)
			}
		})
	}
}

func TestClaimOrder(t *testing.T) {
	s, c := newStore(t)
	for _, id := range []string{"c", "a", "b"} {
		create(t, s, id)
		c.advance(time.Second)
	}
	got := claim(t, s, "w", 10)
	var ids []string
	for _, inst := range got {
		ids = append(ids, inst.ID)
	}
	if want := []string{"c", "a", "b"}; !equal(ids, want) {
		t.Errorf("Claim() = %v, want %v (oldest ready first)", ids, want)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestClaimExclusive(t *testing.T) {
	s := memstore.New()
	const n = 200
	for i := range n {
		create(t, s, string(rune('A'+i%26))+string(rune('0'+i/26)))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.Claim(context.Background(), runtime.ClaimRequest{Owner: string(rune('a' + w)), Workflows: []string{key}, Limit: 3, Lease: time.Hour})
				if err != nil || len(got) == 0 {
					return
				}
				mu.Lock()
				for _, inst := range got {
					seen[inst.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("claimed %d distinct instances, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("instance %s claimed %d times, want 1", id, k)
		}
	}
}

func TestReturnsCopies(t *testing.T) {
	s, _ := newStore(t)
	create(t, s, "a")
	got := claim(t, s, "w", 1)[0]
	frame := []byte(`{"pc":1}`)
	cp := &runtime.Checkpoint{ID: "a", Epoch: got.Epoch, Seq: 1, Frame: frame, Status: runtime.StatusRunning, Event: runtime.Event{Kind: "step", Detail: frame}}
	if err := s.Checkpoint(context.Background(), cp); err != nil {
		t.Fatalf("Checkpoint() = %v, want nil", err)
	}
	copy(frame, "XXXXXXXX") // the engine reuses its buffers
	inst, err := s.Get(context.Background(), "a")
	if err != nil {
		t.Fatalf("Get() = %v, want nil", err)
	}
	if string(inst.Frame) != `{"pc":1}` {
		t.Errorf("Get().Frame = %q, want %q", inst.Frame, `{"pc":1}`)
	}
	inst.Frame[0] = 'Y'
	evs, err := s.History(context.Background(), "a")
	if err != nil {
		t.Fatalf("History() = %v, want nil", err)
	}
	if again, _ := s.Get(context.Background(), "a"); string(again.Frame) != `{"pc":1}` || string(evs[0].Detail) != `{"pc":1}` {
		t.Errorf("stored frame %q, detail %q after callers wrote to their copies, want both %q", again.Frame, evs[0].Detail, `{"pc":1}`)
	}
}

func TestCheckpointSequenceGap(t *testing.T) {
	s, _ := newStore(t)
	create(t, s, "a")
	got := claim(t, s, "w", 1)[0]
	err := s.Checkpoint(context.Background(), &runtime.Checkpoint{ID: "a", Epoch: got.Epoch, Seq: 2, Status: runtime.StatusRunning})
	if err == nil || errors.Is(err, runtime.ErrDuplicateSeq) {
		t.Errorf("Checkpoint(seq 2 after 0) = %v, want a sequence gap error", err)
	}
}

func TestWaitForWork(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(s *memstore.Store, id string) error // on a fresh ready instance id
	}{
		{"create", func(s *memstore.Store, id string) error {
			_, _, err := s.Create(ctx, &runtime.Instance{ID: "new-" + id, Workflow: "wf", Version: "v1"})
			return err
		}},
		{"signal", func(s *memstore.Store, id string) error { return s.Signal(ctx, id, "go", nil) }},
		{"cancel", func(s *memstore.Store, id string) error { return s.Cancel(ctx, id, "stop") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := memstore.New()
			const n = 500
			for i := range n {
				create(t, s, fmt.Sprint("i", i))
			}
			woke := make(chan struct{})
			go func() {
				s.WaitForWork(ctx, time.Hour)
				close(woke)
			}()
			// The waiter may start waiting after the first change: change
			// the store again until it wakes.
			for i := range n {
				id := fmt.Sprint("i", i)
				if err := tc.change(s, id); err != nil {
					t.Fatalf("%s(%s) = %v, want nil", tc.name, id, err)
				}
				select {
				case <-woke:
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
			t.Errorf("WaitForWork did not wake after %d changes (%s)", n, tc.name)
		})
	}
}
