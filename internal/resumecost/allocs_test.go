package resumecost

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// TestCheckpointAllocations guards the checkpoint path: the allocations a
// generated step checkpoint makes on the in-memory store, per checkpoint
// (a run of 100 steps minus a run of none). A count, not a time. The
// bench (cd bench && go run . -only machine) reports the same split by
// engine and codec.
func TestCheckpointAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("counts allocations over a few hundred runs; run without -short")
	}
	for _, tc := range []struct {
		name  string
		wf    *durable.Workflow[int, int]
		limit float64
	}{
		// Measured on memstore: 5.04 and 5.03 (2 engine, 1 codec, the
		// store's history and frame copies; the method loop's frame
		// holds a struct, which internal/wire appends to the frame
		// without allocating; encoding/json cost one more). A step call
		// that allocates (a method value, an escaping closure) adds 1 or 2.
		{"function step", LoopWorkflow, 5.5},
		{"method step", MethodLoopWorkflow, 5.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(n int) float64 {
				i := 0
				return testing.AllocsPerRun(20, func() {
					i++
					store := memstore.New()
					w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
					if err := w.Register(tc.wf); err != nil {
						t.Fatal(err)
					}
					c := runtime.NewClient(store)
					if _, err := runtime.Start(context.Background(), c, tc.wf, fmt.Sprint("a-", i), n); err != nil {
						t.Fatal(err)
					}
					if _, err := w.Drain(context.Background()); err != nil {
						t.Fatal(err)
					}
				})
			}
			per := (run(100) - run(0)) / 100
			t.Logf("%.2f allocations per checkpoint", per)
			if per > tc.limit {
				t.Errorf("%.2f allocations per checkpoint on memstore, want at most %.1f: something on the checkpoint path allocates again", per, tc.limit)
			}
		})
	}
}
