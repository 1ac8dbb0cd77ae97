package runtime_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
)

// poisonWorkflow runs one step, counted in runs, then returns; a frame
// whose pc it does not know is refused with runtime.BadState, as generated
// machines do. With panicAt set, its machine panics there: "run",
// "marshal" (while encoding the frame at the commit) or "unmarshal".
func poisonWorkflow(runs *atomic.Int32, panicAt string) *durable.Workflow[int, int] {
	site := runtime.Site{ID: 1, Kind: "step", Name: "Poison"}
	return durable.NewWorkflow[int, int]("example.com/poison.P", "v1", func() any {
		return &poisonFrame{funcFrame: funcFrame[int]{run: func(x *runtime.Exec, f *funcFrame[int]) error {
			for {
				switch f.pc {
				case 0:
					f.v, f.err = runtime.Call(x, &site, func(ctx context.Context) (int, error) {
						runs.Add(1)
						return 1, nil
					})
					if panicAt == "run" {
						panic("generated code is broken")
					}
					if err := x.Commit(&f.pc, 1); err != nil {
						return err
					}
				case 1:
					return runtime.Return(x, f.v, f.err)
				default:
					return runtime.BadState(f.pc)
				}
			}
		}}, panicAt: panicAt}
	})
}

type poisonFrame struct {
	funcFrame[int]
	panicAt string
}

func (f *poisonFrame) MarshalFrame(e *runtime.Encoder) {
	if f.panicAt == "marshal" || f.panicAt == "marshal after start" && f.pc != 0 {
		panic("marshal is broken")
	}
	f.funcFrame.MarshalFrame(e)
}

func (f *poisonFrame) UnmarshalFrame(d *runtime.Decoder) error {
	if f.panicAt == "unmarshal" {
		panic("unmarshal is broken")
	}
	return f.funcFrame.UnmarshalFrame(d)
}

func (f *poisonFrame) Run(x *runtime.Exec) error { return f.funcFrame.run(x, &f.funcFrame) }

// TestStartPanickingMachine checks that a machine that panics while its
// input is encoded makes Start fail with the panic, not panic.
func TestStartPanickingMachine(t *testing.T) {
	var runs atomic.Int32
	wf := poisonWorkflow(&runs, "marshal")
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	_, err := runtime.Start(context.Background(), h.client, wf, "p", 0)
	if err == nil || !strings.Contains(err.Error(), "marshal is broken") {
		t.Errorf("Start() = %v, want an error with the panic", err)
	}
}

// refusing is a store that refuses every checkpoint that keeps the
// instance running, for a reason that is not transient.
type refusing struct{ runtime.Store }

func (s refusing) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	if cp.Status == runtime.StatusRunning {
		return errFatal
	}
	return s.Store.Checkpoint(ctx, cp)
}

// TestPoisonInstancesFail checks that an instance that no run can take
// past its checkpoint reaches the failed state, with the reason, within
// three runs, instead of being claimed and aborted every lease forever.
func TestPoisonInstancesFail(t *testing.T) {
	tests := []struct {
		name     string
		frame    string // stored frame, if not the input's
		panicAt  string
		crash    bool // every run dies after its step, as a worker killed there
		refuse   bool // the store refuses every commit
		wantRuns int  // runs that get to the step
		wantErr  string
	}{
		{name: "unknown state", frame: `{"pc":99}`, wantErr: "frame names machine state 99, which this build of the workflow does not have"},
		{name: "undecodable frame", frame: `{"pc":"x"}`, wantErr: "decode frame of instance p at checkpoint 0"},
		{name: "panic in the machine", panicAt: "run", wantRuns: 1, wantErr: "generated code is broken"},
		{name: "panic encoding the frame", panicAt: "marshal after start", wantRuns: 1, wantErr: "marshal is broken"},
		{name: "panic decoding the frame", panicAt: "unmarshal", wantErr: "unmarshal is broken"},
		{name: "worker dies every run", crash: true, wantRuns: 3, wantErr: "its last 3 runs ended without committing anything"},
		{name: "store refuses every commit", refuse: true, wantRuns: 3, wantErr: "3 runs in a row could not commit, the last because: " + errFatal.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var runs atomic.Int32
			wf := poisonWorkflow(&runs, tc.panicAt)
			h := newHarness(t, runtime.WorkerOptions{}, wf)
			var store runtime.Store = h.store
			if tc.refuse {
				store = refusing{h.store}
			}
			opts := runtime.WorkerOptions{Lease: testLease, Logger: quiet()}
			if tc.crash {
				opts.Hooks.AfterStep = func(string, int64, *runtime.Site) error { return errCrash }
			}
			w := runtime.NewWorker(store, opts)
			register(t, w, wf)
			ctx := context.Background()
			if tc.frame != "" {
				if _, _, err := h.store.Create(ctx, &runtime.Instance{ID: "p", Workflow: wf.Name(), Version: wf.Version(), Frame: []byte(tc.frame)}); err != nil {
					t.Fatal(err)
				}
			} else {
				mustStart(t, h.client, wf, "p", 0)
			}
			claims := 0
			for claims < 10 {
				claims++
				if _, err := w.Drain(ctx); err != nil && !errors.Is(err, errCrash) && !errors.Is(err, errFatal) {
					t.Logf("Drain() = %v", err)
				}
				if h.get("p").Status.Terminal() {
					break
				}
				h.clock.Advance(testLease + time.Second)
			}
			inst := h.get("p")
			if inst.Status != runtime.StatusFailed || !strings.Contains(inst.Error, tc.wantErr) {
				t.Fatalf("after %d claims: status %s, error %q; want failed with %q", claims, inst.Status, inst.Error, tc.wantErr)
			}
			if got := int(runs.Load()); got != tc.wantRuns {
				t.Errorf("the step ran %d times, want %d", got, tc.wantRuns)
			}
			_, err := runtime.Attach[int](h.client, "p").Result(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Result() = %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
}
