package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
)

// BenchmarkCheckpointsAtOnce commits b.N checkpoints of n running
// instances from n goroutines at once, each committing its instance's
// steps one after another, as n runs of a worker do: ns/op is the time
// per checkpoint. counts, if not nil, returns the store's counts of
// transactions and of the writes they held so far: the benchmark reports
// their ratio as writes/commit.
func BenchmarkCheckpointsAtOnce(b *testing.B, s runtime.Store, n int, counts func() (batches, writes int64)) {
	ctx := b.Context()
	for i := range n {
		if _, _, err := s.Create(ctx, &runtime.Instance{ID: fmt.Sprint("bench-", i), Workflow: workflow, Version: version}); err != nil {
			b.Fatal(err)
		}
	}
	insts, err := s.Claim(ctx, runtime.ClaimRequest{Owner: "bench", Workflows: []string{key}, Limit: n, Lease: time.Hour})
	if err != nil || len(insts) != n {
		b.Fatalf("Claim() = %d instances, %v; want %d", len(insts), err, n)
	}
	frame := bigFrame(200)
	var batches, writes int64
	if counts != nil {
		batches, writes = counts()
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	for g, inst := range insts {
		wg.Go(func() {
			cp := runtime.Checkpoint{ID: inst.ID, Epoch: inst.Epoch, Status: runtime.StatusRunning, Frame: frame,
				Event: runtime.Event{Kind: "step", Name: "Charge", Site: 1, Attempts: 1, Detail: []byte(`{"id":"ch_1"}`)}}
			for i := g; i < b.N; i += n {
				cp.Seq++
				if err := s.Checkpoint(ctx, &cp); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if counts != nil {
		if b2, w2 := counts(); b2 > batches {
			b.ReportMetric(float64(w2-writes)/float64(b2-batches), "writes/commit")
		}
	}
}

// ContinueRun commits the checkpoints of running instance inst after its
// Seq up to last, the last one completing it, and after each one requires
// that History returns last's events so far, numbered from 1 without a
// gap. A store's upgrade tests run it on an instance that an older schema
// left running.
func ContinueRun(t testing.TB, s runtime.Store, inst *runtime.Instance, last int64) {
	t.Helper()
	ctx := t.Context()
	for seq := inst.Seq + 1; seq <= last; seq++ {
		cp := &runtime.Checkpoint{ID: inst.ID, Epoch: inst.Epoch, Seq: seq, Status: runtime.StatusRunning, Frame: []byte(`{}`),
			Event: runtime.Event{Kind: "step", Name: fmt.Sprint("s", seq)}}
		if seq == last {
			cp.Status, cp.Event.Kind = runtime.StatusCompleted, "complete"
		}
		if err := s.Checkpoint(ctx, cp); err != nil {
			t.Fatalf("Checkpoint(%s seq %d) = %v", inst.ID, seq, err)
		}
		evs, err := s.History(ctx, inst.ID)
		if err != nil || int64(len(evs)) != seq {
			t.Fatalf("History(%s) after seq %d = %d events, %v; want %d", inst.ID, seq, len(evs), err, seq)
		}
		for i, ev := range evs {
			if ev.Seq != int64(i+1) {
				t.Fatalf("History(%s)[%d].Seq = %d after seq %d, want %d", inst.ID, i, ev.Seq, seq, i+1)
			}
		}
	}
}
