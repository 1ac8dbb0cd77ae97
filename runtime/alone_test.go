package runtime_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// stepWorkflow runs one step, step(input), and returns its result.
func stepWorkflow(step func(ctx context.Context, in int) (int, error)) *durable.Workflow[int, int] {
	site := runtime.Site{ID: 1, Kind: "step", Name: "Work"}
	return durable.NewWorkflow[int, int]("example.com/alone.W", "v1", func() any {
		return &funcFrame[int]{run: func(x *runtime.Exec, f *funcFrame[int]) error {
			for {
				switch f.pc {
				case 0:
					in := f.v
					f.v, f.err = runtime.Call(x, &site, func(ctx context.Context) (int, error) { return step(ctx, in) })
					if err := x.Commit(&f.pc, 1); err != nil {
						return err
					}
				case 1:
					return runtime.Return(x, f.v, f.err)
				default:
					return runtime.BadState(f.pc)
				}
			}
		}}
	})
}

// cutBy claims instance id for a worker that never runs it, n times, each
// time letting the fake clock run the lease out: n runs in a row that
// ended without committing, none of them alone, as when a neighbour
// crashes the worker each time.
func cutBy(t *testing.T, h *harness, id string, n int) {
	t.Helper()
	for i := range n {
		got, err := h.store.Claim(context.Background(), runtime.ClaimRequest{Owner: "crashed", Workflows: []string{"example.com/alone.W@v1"}, Limit: 1, Lease: testLease})
		if err != nil || len(got) != 1 || got[0].ID != id {
			t.Fatalf("claim %d of %s = %v, %v", i+1, id, got, err)
		}
		h.clock.Advance(testLease + time.Second)
	}
}

// TestNeighbourCrashesNotPoison checks that an instance whose runs were
// cut MaxAbortedRuns times in a row, none of them alone on its worker,
// is not failed as poison: it runs alone, and finishes.
func TestNeighbourCrashesNotPoison(t *testing.T) {
	var runs atomic.Int32
	wf := stepWorkflow(func(context.Context, int) (int, error) { runs.Add(1); return 7, nil })
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	mustStart(t, h.client, wf, "healthy", 0)
	cutBy(t, h, "healthy", 3)
	if _, err := h.worker.Drain(context.Background()); err != nil {
		t.Fatalf("Drain() = %v", err)
	}
	inst := h.get("healthy")
	if inst.Status != runtime.StatusCompleted || runs.Load() != 1 {
		t.Errorf("after 3 runs cut by neighbours: status %s, error %q, step ran %d times; want completed, once", inst.Status, inst.Error, runs.Load())
	}
}

// TestPoisonAloneFails checks that an instance whose runs keep dying
// fails once MaxAbortedRuns-1 of MaxAbortedRuns aborted runs in a row ran
// alone: here one cut by a neighbour, then two alone that die too.
func TestPoisonAloneFails(t *testing.T) {
	var runs atomic.Int32
	wf := stepWorkflow(func(context.Context, int) (int, error) { runs.Add(1); return 7, nil })
	h := newHarness(t, runtime.WorkerOptions{Hooks: runtime.Hooks{AfterStep: func(string, int64, *runtime.Site) error { return errCrash }}}, wf)
	mustStart(t, h.client, wf, "poison", 0)
	cutBy(t, h, "poison", 1)
	for range 3 { // two runs alone die; the next claim fails it
		_, _ = h.worker.Drain(context.Background())
		h.clock.Advance(testLease + time.Second)
	}
	inst := h.get("poison")
	if inst.Status != runtime.StatusFailed || runs.Load() != 2 {
		t.Errorf("status %s, error %q, step ran %d times; want failed after two runs alone", inst.Status, inst.Error, runs.Load())
	}
	if want := "its last 3 runs ended without committing anything, 2 of them alone on their worker"; !strings.Contains(inst.Error, want) {
		t.Errorf("error %q, want it to say %q", inst.Error, want)
	}
}

// recording notes when RecordAlone was called.
type recording struct {
	*memstore.Store
	mu sync.Mutex
	at []time.Time
}

func (s *recording) RecordAlone(ctx context.Context, id string, epoch int64, alone bool) error {
	if alone {
		s.mu.Lock()
		s.at = append(s.at, time.Now())
		s.mu.Unlock()
	}
	return s.Store.RecordAlone(ctx, id, epoch, alone)
}

func (s *recording) calls() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at
}

// TestRunAloneWaitsForOthers checks that a worker that claims an instance
// set apart to run alone lets the run it has in flight finish first,
// claims nothing meanwhile, then records the run alone and runs it.
func TestRunAloneWaitsForOthers(t *testing.T) {
	release := make(chan struct{})
	started := make(chan string, 4)
	names := []string{"busy", "suspect", "later"} // by input
	var busyDone atomic.Int64
	wf := stepWorkflow(func(ctx context.Context, in int) (int, error) {
		started <- names[in]
		if in == 0 {
			<-release
			busyDone.Store(time.Now().UnixNano())
		}
		return 1, nil
	})
	mem := memstore.New()
	store := &recording{Store: mem}
	client := runtime.NewClient(store)
	ctx := context.Background()
	// The suspect: two runs cut (under a short lease, on the real clock),
	// so that its next claim sets it apart.
	mustStart(t, client, wf, "suspect", 1)
	for range 2 {
		got, err := mem.Claim(ctx, runtime.ClaimRequest{Owner: "crashed", Workflows: []string{wf.Name() + "@" + wf.Version()}, Limit: 1, Lease: 200 * time.Millisecond})
		if err != nil || len(got) != 1 {
			t.Fatalf("claim the suspect = %v, %v", got, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	got, err := mem.Claim(ctx, runtime.ClaimRequest{Owner: "crashed", Workflows: []string{wf.Name() + "@" + wf.Version()}, Limit: 1, Lease: 400 * time.Millisecond})
	if err != nil || len(got) != 1 {
		t.Fatalf("claim the suspect = %v, %v", got, err)
	}
	mustStart(t, client, wf, "busy", 0)
	w := runtime.NewWorker(store, runtime.WorkerOptions{Concurrency: 4, Lease: 2 * time.Second, PollInterval: 10 * time.Millisecond, Logger: quiet()})
	register(t, w, wf)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go w.Run(runCtx)
	if id := <-started; id != "busy" {
		t.Fatalf("first step started: %s, want busy", id)
	}
	time.Sleep(600 * time.Millisecond)   // the suspect's lease runs out, and the worker claims it
	mustStart(t, client, wf, "later", 2) // ready now: waits for the run alone
	select {
	case id := <-started:
		t.Fatalf("step of %s started while busy runs and the suspect waits to run alone", id)
	case <-time.After(500 * time.Millisecond):
	}
	close(release)
	if id := <-started; id != "suspect" {
		t.Fatalf("step started after busy: %s, want the suspect", id)
	}
	if id := <-started; id != "later" {
		t.Fatalf("step started after the suspect: %s, want later", id)
	}
	if at := store.calls(); len(at) != 1 || at[0].UnixNano() < busyDone.Load() {
		t.Errorf("RecordAlone called at %v (busy done at %v), want once, after busy", at, time.Unix(0, busyDone.Load()))
	}
	for _, id := range []string{"busy", "suspect", "later"} {
		if _, err := runtime.Attach[int](client, id).Result(ctx); err != nil {
			t.Errorf("Result(%s) = %v", id, err)
		}
	}
}
