package workflows_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/durablegen/durable/bench/workflows"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// nopStore hands out what Create queued and keeps no checkpoint: the
// engine and the generated machine run without a store's cost.
type nopStore struct{ ready []*runtime.Instance }

func (s *nopStore) Create(ctx context.Context, inst *runtime.Instance) (*runtime.Instance, bool, error) {
	c := *inst
	s.ready = append(s.ready, &c)
	return &c, true, nil
}

func (s *nopStore) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	if len(s.ready) == 0 {
		return nil, nil
	}
	inst := s.ready[0]
	s.ready = s.ready[1:]
	inst.Status, inst.Epoch = runtime.StatusRunning, inst.Epoch+1
	return []*runtime.Instance{inst}, nil
}

func (s *nopStore) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error { return nil }
func (s *nopStore) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	return nil
}
func (s *nopStore) Signal(ctx context.Context, id, name string, payload []byte) error { return nil }
func (s *nopStore) Get(ctx context.Context, id string) (*runtime.Instance, error) {
	return nil, runtime.ErrNotFound
}
func (s *nopStore) Cancel(ctx context.Context, id, reason string) error             { return nil }
func (s *nopStore) History(ctx context.Context, id string) ([]runtime.Event, error) { return nil, nil }

// BenchmarkSequential runs the generated machine of Sequential: one op is
// one instance of 200 steps (201 checkpoints), started and drained.
// Profile a checkpoint's allocations with
//
//	go test ./workflows -run XXX -bench Sequential/nop -memprofile mem.out
func BenchmarkSequential(b *testing.B) {
	benchmarkRuns(b, 200)
}

// BenchmarkWorkflow runs one instance of Sequential(5) per op, from its
// start to its completion (start, claim, frame decode, 5 checkpoints, the
// completion): its allocs/op are the engine's allocations per workflow.
//
//	go test ./workflows -run XXX -bench Workflow/memstore -memprofile mem.out
func BenchmarkWorkflow(b *testing.B) {
	benchmarkRuns(b, 5)
}

// benchmarkRuns starts and drains one instance of Sequential(steps) per
// op, on a store that keeps nothing and on the in-memory store.
func benchmarkRuns(b *testing.B, steps int) {
	for _, bc := range []struct {
		name  string
		store func() runtime.Store
	}{
		{"nop", func() runtime.Store { return &nopStore{} }},
		{"memstore", func() runtime.Store { return memstore.New() }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			wf := workflows.ServiceSequentialWorkflow.Bind(&workflows.Service{})
			s := bc.store()
			w := runtime.NewWorker(s, runtime.WorkerOptions{Logger: slog.New(slog.DiscardHandler)})
			if err := w.Register(wf); err != nil {
				b.Fatal(err)
			}
			c := runtime.NewClient(s)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := runtime.Start(ctx, c, wf, fmt.Sprint("i", i), steps); err != nil {
					b.Fatal(err)
				}
				if n, err := w.Drain(ctx); n != 1 || err != nil {
					b.Fatalf("Drain() = %d, %v, want 1, nil", n, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(steps+1), "ns/checkpoint")
		})
	}
}
