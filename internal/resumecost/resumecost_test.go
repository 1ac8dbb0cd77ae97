package resumecost

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// reads counts what a store returned to its callers.
type reads struct {
	ClaimCalls   int
	ClaimRows    int // instances returned by Claim
	GetCalls     int
	HistoryCalls int
	HistoryRows  int // events returned by History
	FrameBytes   int // bytes of the frames of claimed instances
}

// countingStore is a runtime.Store that counts the reads of the one it
// wraps.
type countingStore struct {
	runtime.Store
	mu sync.Mutex
	n  reads
}

func (s *countingStore) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	insts, err := s.Store.Claim(ctx, req)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n.ClaimCalls++
	s.n.ClaimRows += len(insts)
	for _, inst := range insts {
		s.n.FrameBytes += len(inst.Frame)
	}
	return insts, err
}

func (s *countingStore) Get(ctx context.Context, id string) (*runtime.Instance, error) {
	s.mu.Lock()
	s.n.GetCalls++
	s.mu.Unlock()
	return s.Store.Get(ctx, id)
}

func (s *countingStore) History(ctx context.Context, id string) ([]runtime.Event, error) {
	evs, err := s.Store.History(ctx, id)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n.HistoryCalls++
	s.n.HistoryRows += len(evs)
	return evs, err
}

func (s *countingStore) reset() reads {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.n
	s.n = reads{}
	return n
}

var errCrash = errors.New("simulated crash")

// resume runs Loop(n) until it crashes right after its last step's
// checkpoint committed, then resumes it with a new worker, and returns the
// store reads of the resume.
func resume(t *testing.T, n int) reads {
	t.Helper()
	ctx := context.Background()
	clock := durabletest.NewClock()
	db, err := sqlite.New(sqlite.Config{Path: filepath.Join(t.TempDir(), "resume.db"), Synchronous: "NORMAL", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := &countingStore{Store: db}
	client := runtime.NewClient(store)
	h, err := runtime.Start(ctx, client, LoopWorkflow, "loop", n)
	if err != nil {
		t.Fatal(err)
	}
	const lease = time.Minute
	newWorker := func(hooks runtime.Hooks) *runtime.Worker {
		w := runtime.NewWorker(store, runtime.WorkerOptions{Lease: lease, Hooks: hooks, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err := w.Register(LoopWorkflow); err != nil {
			t.Fatal(err)
		}
		return w
	}
	crashAt := func(_ string, seq int64, s *runtime.Site) error {
		if seq == int64(n) {
			return errCrash
		}
		return nil
	}
	if _, err := newWorker(runtime.Hooks{AfterCommit: crashAt}).Drain(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("first run of Loop(%d): Drain() error = %v, want the simulated crash", n, err)
	}
	inst, err := db.Get(ctx, "loop")
	if err != nil {
		t.Fatal(err)
	}
	if inst.Seq != int64(n) || inst.Status != runtime.StatusRunning {
		t.Fatalf("Loop(%d) after the crash: seq %d, status %s, want seq %d, running", n, inst.Seq, inst.Status, n)
	}

	clock.Advance(lease + time.Second) // the crashed worker's lease expires
	store.reset()
	if _, err := newWorker(runtime.Hooks{}).Drain(ctx); err != nil {
		t.Fatalf("resume of Loop(%d): %v", n, err)
	}
	got := store.reset()

	out, err := h.Result(ctx)
	if want := n * (n + 1) / 2; err != nil || out != want {
		t.Fatalf("Loop(%d) = %d, %v, want %d, nil", n, out, err, want)
	}
	return got
}

// TestResumeReadsConstantRows resumes an instance after 10 and after 1000
// checkpoints and checks that the store reads are the same: one claimed
// row, no history, no extra lookups.
func TestResumeReadsConstantRows(t *testing.T) {
	small := resume(t, 10)
	large := resume(t, 1000)
	t.Logf("resume after 10 checkpoints: %+v", small)
	t.Logf("resume after 1000 checkpoints: %+v", large)
	if small.ClaimRows != 1 {
		t.Errorf("resume after 10 checkpoints claimed %d instances, want 1", small.ClaimRows)
	}
	if small.HistoryCalls != 0 || large.HistoryCalls != 0 {
		t.Errorf("History calls on resume = %d (10 checkpoints), %d (1000), want 0", small.HistoryCalls, large.HistoryCalls)
	}
	// The frame is the same size too, up to the digits of its counters.
	if d := large.FrameBytes - small.FrameBytes; d < 0 || d > 16 {
		t.Errorf("frame bytes read on resume = %d after 1000 checkpoints, want %d as after 10 (up to 16 more digits)", large.FrameBytes, small.FrameBytes)
	}
	large.FrameBytes, small.FrameBytes = 0, 0
	if large != small {
		t.Errorf("store reads on resume after 1000 checkpoints = %+v, want %+v as after 10", large, small)
	}
}
