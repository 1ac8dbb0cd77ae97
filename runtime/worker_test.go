package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

var (
	siteNap   = runtime.Site{ID: 1, Kind: "sleep", Name: "Sleep", Pos: "nap.go:4:2"}
	siteHello = runtime.Site{ID: 1, Kind: "await", Name: "hello", Pos: "hello.go:4:2"}
)

// napWorkflow sleeps for d, then returns its input plus one.
func napWorkflow(d time.Duration) *durable.Workflow[int, int] {
	return durable.NewWorkflow[int, int]("example.com/nap.Nap", "v1", func() any {
		return &funcFrame[int]{run: func(x *runtime.Exec, f *funcFrame[int]) error {
			for {
				switch f.pc {
				case 0:
					f.err = runtime.Sleep(x, &siteNap, d)
					if err := x.Commit(&f.pc, 1); err != nil {
						return err
					}
				case 1:
					return runtime.Return(x, f.v+1, f.err)
				}
			}
		}}
	})
}

// helloWorkflow awaits the signal "hello" and returns its payload.
func helloWorkflow() *durable.Workflow[string, string] {
	return durable.NewWorkflow[string, string]("example.com/hello.Hello", "v1", func() any {
		return &funcFrame[string]{run: func(x *runtime.Exec, f *funcFrame[string]) error {
			for {
				switch f.pc {
				case 0:
					f.v, f.err = runtime.Await[string](x, &siteHello)
					if err := x.Commit(&f.pc, 1); err != nil {
						return err
					}
				case 1:
					return runtime.Return(x, f.v, f.err)
				}
			}
		}}
	})
}

func mustStart[In, Out any](t *testing.T, c *runtime.Client, wf *durable.Workflow[In, Out], id string, in In) *runtime.Handle[Out] {
	t.Helper()
	hd, err := runtime.Start(context.Background(), c, wf, id, in)
	if err != nil {
		t.Fatalf("Start(%s) = %v, want nil", id, err)
	}
	return hd
}

func mustDrain(t *testing.T, w *runtime.Worker, want int) {
	t.Helper()
	if n, err := w.Drain(context.Background()); n != want || err != nil {
		t.Fatalf("Drain() = %d, %v, want %d, nil", n, err, want)
	}
}

func TestSleepSuspendsUntilDue(t *testing.T) {
	wf := napWorkflow(time.Hour)
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	hd := mustStart(t, h.client, wf, "nap", 41)
	start := h.clock.Now()
	mustDrain(t, h.worker, 1)
	inst := h.get("nap")
	if inst.Status != runtime.StatusSleeping || inst.WakeAt.Before(start.Add(time.Hour)) || inst.Owner != "" {
		t.Fatalf("after the sleep: status %s, wake at +%v, owner %q; want sleeping, at least +1h, no owner", inst.Status, inst.WakeAt.Sub(start), inst.Owner)
	}
	mustDrain(t, h.worker, 0)
	h.clock.Advance(inst.WakeAt.Sub(h.clock.Now()))
	mustDrain(t, h.worker, 1)
	if out, err := hd.Result(context.Background()); out != 42 || err != nil {
		t.Errorf("Result() = %d, %v, want 42, nil", out, err)
	}
}

func TestAwaitSignal(t *testing.T) {
	tests := []struct {
		name      string
		before    bool // signal before the first run
		payload   any
		wantDrain int
		want      string
		wantErr   string
		wantLast  string // the last history event
	}{
		{"signal while waiting", false, "hi", 1, "hi", "", "complete"},
		{"signal before the await", true, "early", 2, "early", "", "complete"},
		{"undecodable payload", false, 42, 1, "", `decode signal "hello" of instance hello`, "fail"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wf := helloWorkflow()
			h := newHarness(t, runtime.WorkerOptions{}, wf)
			ctx := context.Background()
			hd := mustStart(t, h.client, wf, "hello", "")
			if !tc.before {
				mustDrain(t, h.worker, 1)
				if st := h.get("hello").Status; st != runtime.StatusWaiting {
					t.Fatalf("status before the signal = %s, want waiting", st)
				}
				mustDrain(t, h.worker, 0)
			}
			if err := h.client.Signal(ctx, "hello", "hello", tc.payload); err != nil {
				t.Fatalf("Signal() = %v, want nil", err)
			}
			mustDrain(t, h.worker, tc.wantDrain)
			out, err := hd.Result(ctx)
			if out != tc.want || (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Result() = %q, %v, want %q, error containing %q", out, err, tc.want, tc.wantErr)
			}
			if got, want := h.kinds("hello"), []string{"await", "await", tc.wantLast}; !reflect.DeepEqual(got, want) {
				t.Errorf("History kinds = %v, want %v", got, want)
			}
		})
	}
}

func TestSignalIsConsumedOnce(t *testing.T) {
	wf := helloWorkflow()
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	ctx := context.Background()
	for _, id := range []string{"a", "b"} {
		mustStart(t, h.client, wf, id, "")
	}
	if err := h.client.Signal(ctx, "a", "hello", "only a"); err != nil {
		t.Fatalf("Signal() = %v, want nil", err)
	}
	mustDrain(t, h.worker, 3) // a waits, a resumes, b waits
	if st := h.get("a").Status; st != runtime.StatusCompleted {
		t.Errorf("a is %s, want completed", st)
	}
	if st := h.get("b").Status; st != runtime.StatusWaiting {
		t.Errorf("b is %s, want waiting", st)
	}
}

func TestCorruptFrameFailsOnlyItsInstance(t *testing.T) {
	tests := []struct {
		name  string
		frame string
	}{
		{"truncated", `{"pc":`},
		{"not an object", `[1,2]`},
		{"wrong type", `{"pc":"one"}`},
		{"garbage", "\x00\xff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wf := napWorkflow(0)
			h := newHarness(t, runtime.WorkerOptions{}, wf)
			ctx := context.Background()
			if _, _, err := h.store.Create(ctx, &runtime.Instance{ID: "bad", Workflow: wf.Name(), Version: wf.Version(), Frame: []byte(tc.frame)}); err != nil {
				t.Fatalf("Create(bad) = %v, want nil", err)
			}
			good := mustStart(t, h.client, wf, "good", 1)
			mustDrain(t, h.worker, 2)
			if out, err := good.Result(ctx); out != 2 || err != nil {
				t.Errorf("good Result() = %d, %v, want 2, nil", out, err)
			}
			_, err := runtime.Attach[int](h.client, "bad").Result(ctx)
			if err == nil || !strings.Contains(err.Error(), "decode frame of instance bad at checkpoint 0") {
				t.Errorf("bad Result() error = %v, want a decode error naming the instance and checkpoint", err)
			}
			if inst := h.get("bad"); string(inst.Frame) != tc.frame {
				t.Errorf("bad frame after failing = %q, want the original %q kept", inst.Frame, tc.frame)
			}
		})
	}
}

func TestWorkflowPanicFailsOnlyItsInstance(t *testing.T) {
	wf := durable.NewWorkflow[int, int]("example.com/index.Index", "v1", func() any {
		return &funcFrame[int]{run: func(x *runtime.Exec, f *funcFrame[int]) error {
			xs := []int{1, 2, 3}
			return runtime.Return(x, xs[f.v], nil)
		}}
	})
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	ctx := context.Background()
	bad := mustStart(t, h.client, wf, "bad", 7)
	good := mustStart(t, h.client, wf, "good", 1)
	mustDrain(t, h.worker, 2)
	if out, err := good.Result(ctx); out != 2 || err != nil {
		t.Errorf("good Result() = %d, %v, want 2, nil", out, err)
	}
	_, err := bad.Result(ctx)
	if err == nil || !strings.Contains(err.Error(), "panicked in instance bad") || !strings.Contains(err.Error(), "index out of range [7]") || !strings.Contains(err.Error(), "worker_test.go:") {
		t.Errorf("bad Result() error = %v, want the panic value and its position in worker_test.go", err)
	}
}

// blocker is a step that blocks until released, reporting its starts.
type blocker struct {
	started chan struct{}
	release chan struct{}
	runs    atomic.Int32
}

func newBlocker() *blocker {
	return &blocker{started: make(chan struct{}, 10), release: make(chan struct{})}
}

func (b *blocker) step(ctx context.Context) (string, error) {
	b.runs.Add(1)
	b.started <- struct{}{}
	select {
	case <-b.release:
		return "first", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func TestFencedWorkerCannotCommit(t *testing.T) {
	tests := []struct {
		name     string
		takeOver func(h *harness) // while the first worker's step runs
		want     string
		wantErr  error
	}{
		{"lease expired and taken over", func(h *harness) {
			h.clock.Advance(testLease + time.Second)
			other := runtime.NewWorker(h.store, runtime.WorkerOptions{Lease: testLease, Owner: "other", Logger: quiet()})
			env := &stepEnv{step: func(context.Context) (string, error) { return "second", nil }}
			if err := other.Register(oneWorkflow(env)); err != nil {
				h.t.Fatalf("Register() = %v", err)
			}
			mustDrain(h.t, other, 1)
		}, "second", nil},
		{"cancelled", func(h *harness) {
			if err := h.client.Cancel(context.Background(), "one", "stop"); err != nil {
				h.t.Fatalf("Cancel() = %v, want nil", err)
			}
		}, "", runtime.ErrCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBlocker()
			wf := oneWorkflow(&stepEnv{step: b.step})
			h := newHarness(t, runtime.WorkerOptions{Owner: "first"}, wf)
			ctx := context.Background()
			hd := mustStart(t, h.client, wf, "one", "")
			drained := make(chan error, 1)
			go func() {
				_, err := h.worker.Drain(ctx)
				drained <- err
			}()
			<-b.started
			tc.takeOver(h)
			close(b.release)
			if err := <-drained; !errors.Is(err, runtime.ErrFenced) {
				t.Errorf("first worker's Drain() = %v, want %v", err, runtime.ErrFenced)
			}
			out, err := hd.Result(ctx)
			if out != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("Result() = %q, %v, want %q, %v", out, err, tc.want, tc.wantErr)
			}
			for _, ev := range mustHistory(t, h, "one") {
				if ev.Detail != nil && strings.Contains(string(ev.Detail), "first") {
					t.Errorf("history has the fenced worker's result: %+v", ev)
				}
			}
		})
	}
}

func mustHistory(t *testing.T, h *harness, id string) []runtime.Event {
	t.Helper()
	evs, err := h.client.History(context.Background(), id)
	if err != nil {
		t.Fatalf("History(%s) = %v, want nil", id, err)
	}
	return evs
}

func TestDrain(t *testing.T) {
	tests := []struct {
		name      string
		instances int
		want      int
	}{
		{"nothing", 0, 0},
		{"one", 1, 1},
		{"many", 7, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wf := napWorkflow(0)
			h := newHarness(t, runtime.WorkerOptions{}, wf)
			for i := range tc.instances {
				mustStart(t, h.client, wf, string(rune('a'+i)), i)
			}
			mustDrain(t, h.worker, tc.want)
			for i := range tc.instances {
				if st := h.get(string(rune('a' + i))).Status; st != runtime.StatusCompleted {
					t.Errorf("instance %c is %s, want completed", 'a'+i, st)
				}
			}
		})
	}
}

func TestRegister(t *testing.T) {
	w := runtime.NewWorker(memstore.New(), runtime.WorkerOptions{Logger: quiet()})
	if err := w.Register(napWorkflow(0)); err != nil {
		t.Fatalf("Register() = %v, want nil", err)
	}
	if err := w.Register(napWorkflow(0)); err == nil {
		t.Errorf("Register(duplicate) = nil, want an error")
	}
	notMachine := durable.NewWorkflow[int, int]("example.com/x.X", "v1", func() any { return 1 })
	if err := w.Register(notMachine); err == nil {
		t.Errorf("Register(non-machine) = nil, want an error")
	}
}

// TestRunEndToEnd runs the transfer on the real clock with Worker.Run.
func TestRunEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b := &bank{poll: 5 * time.Millisecond}
	wf := transferWorkflow(b)
	store := memstore.New()
	w := runtime.NewWorker(store, runtime.WorkerOptions{Concurrency: 4, Errors: []error{errInsufficientFunds}, Logger: quiet()})
	if err := w.Register(wf); err != nil {
		t.Fatalf("Register() = %v, want nil", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- w.Run(runCtx) }()

	c := runtime.NewClient(store, runtime.WithErrors(errInsufficientFunds))
	big := mustStart(t, c, wf, "big", TransferRequest{From: "a", To: "b", Amount: 5000})
	small := mustStart(t, c, wf, "small", TransferRequest{From: "a", To: "b", Amount: 5})
	declined := mustStart(t, c, wf, "declined", TransferRequest{From: "a", To: "b", Amount: 0})
	if r, err := small.Result(ctx); err != nil || r.Polls != 2 || r.Credit != "cr-small/7" {
		t.Errorf("small Result() = %+v, %v, want 2 polls and credit cr-small/7", r, err)
	}
	if _, err := declined.Result(ctx); !errors.Is(err, errInsufficientFunds) {
		t.Errorf("declined Result() = %v, want %v", err, errInsufficientFunds)
	}
	if err := c.Signal(ctx, "big", "approval", Approval{By: "ann", OK: true}); err != nil {
		t.Fatalf("Signal() = %v, want nil", err)
	}
	if r, err := big.Result(ctx); err != nil || r.Approver != "ann" {
		t.Errorf("big Result() = %+v, %v, want approved by ann", r, err)
	}
	stop()
	if err := <-ran; err != nil {
		t.Errorf("Run() = %v, want nil", err)
	}
}

func TestRunBoundsConcurrency(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var running, peak atomic.Int32
	env := &stepEnv{step: func(ctx context.Context) (string, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		return "ok", nil
	}}
	wf := oneWorkflow(env)
	store := memstore.New()
	w := runtime.NewWorker(store, runtime.WorkerOptions{Concurrency: 3, Logger: quiet()})
	if err := w.Register(wf); err != nil {
		t.Fatalf("Register() = %v, want nil", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- w.Run(runCtx) }()
	c := runtime.NewClient(store)
	var handles []*runtime.Handle[string]
	for i := range 30 {
		handles = append(handles, mustStart(t, c, wf, string(rune('A'+i)), ""))
	}
	for _, hd := range handles {
		if out, err := hd.Result(ctx); out != "ok" || err != nil {
			t.Errorf("Result(%s) = %q, %v, want ok, nil", hd.ID(), out, err)
		}
	}
	stop()
	if err := <-ran; err != nil {
		t.Errorf("Run() = %v, want nil", err)
	}
	if p := peak.Load(); p > 3 {
		t.Errorf("peak concurrent steps = %d, want at most 3", p)
	}
}

// signalHandler closes stopping when the worker logs that it stops.
type signalHandler struct {
	slog.Handler
	once     sync.Once
	stopping chan struct{}
}

func (s *signalHandler) Enabled(context.Context, slog.Level) bool { return true }

func (s *signalHandler) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "worker stopping") {
		s.once.Do(func() { close(s.stopping) })
	}
	return nil
}

func TestGracefulShutdown(t *testing.T) {
	tests := []struct {
		name        string
		timeout     time.Duration
		finishStep  bool     // the step returns during the grace period
		wantHistory []string // before the instance is resumed
		wantRuns    int32    // step runs in total
	}{
		{"handed over at the next checkpoint", time.Minute, true, []string{"step"}, 1},
		{"cancelled after the timeout", 10 * time.Millisecond, false, []string{"release"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBlocker()
			wf := oneWorkflow(&stepEnv{step: b.step})
			logs := &signalHandler{Handler: slog.DiscardHandler, stopping: make(chan struct{})}
			h := newHarness(t, runtime.WorkerOptions{ShutdownTimeout: tc.timeout, Logger: slog.New(logs)}, wf)
			hd := mustStart(t, h.client, wf, "one", "")
			ctx, stop := context.WithCancel(context.Background())
			ran := make(chan error, 1)
			go func() { ran <- h.worker.Run(ctx) }()
			<-b.started
			stop()
			<-logs.stopping
			if tc.finishStep {
				b.release <- struct{}{}
			}
			if err := <-ran; err != nil {
				t.Fatalf("Run() = %v, want nil", err)
			}
			inst := h.get("one")
			if inst.Status != runtime.StatusReady || inst.Owner != "" {
				t.Errorf("after shutdown: status %s, owner %q; want ready, no owner", inst.Status, inst.Owner)
			}
			if got := h.kinds("one"); !reflect.DeepEqual(got, tc.wantHistory) {
				t.Errorf("History kinds after shutdown = %v, want %v", got, tc.wantHistory)
			}
			close(b.release)
			mustDrain(t, h.worker, 1)
			if out, err := hd.Result(context.Background()); out != "first" || err != nil {
				t.Errorf("Result() = %q, %v, want first, nil", out, err)
			}
			if got := b.runs.Load(); got != tc.wantRuns {
				t.Errorf("step runs = %d, want %d", got, tc.wantRuns)
			}
		})
	}
}

// flakyStore fails the first calls of Claim and Checkpoint, as a store
// whose connection drops.
type flakyStore struct {
	*memstore.Store
	claimFailures      atomic.Int32
	checkpointFailures atomic.Int32
}

var errConnection = errors.New("connection reset")

func (s *flakyStore) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	if s.claimFailures.Add(-1) >= 0 {
		return nil, errConnection
	}
	return s.Store.Claim(ctx, req)
}

func (s *flakyStore) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	if s.checkpointFailures.Add(-1) >= 0 {
		return errConnection
	}
	return s.Store.Checkpoint(ctx, cp)
}

// TestRunSurvivesStoreErrors checks that store errors neither stop the
// worker nor lose the instance: a failed claim is retried, and a failed
// checkpoint leaves the instance to be taken over when its lease expires.
func TestRunSurvivesStoreErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var runs atomic.Int32
	env := &stepEnv{step: func(ctx context.Context) (string, error) {
		runs.Add(1)
		return durable.StepKey(ctx), nil
	}}
	wf := oneWorkflow(env)
	store := &flakyStore{Store: memstore.New()}
	store.claimFailures.Store(3)
	store.checkpointFailures.Store(1)
	w := runtime.NewWorker(store, runtime.WorkerOptions{Lease: 100 * time.Millisecond, PollInterval: 5 * time.Millisecond, Logger: quiet()})
	if err := w.Register(wf); err != nil {
		t.Fatalf("Register() = %v, want nil", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- w.Run(runCtx) }()
	hd := mustStart(t, runtime.NewClient(store), wf, "one", "")
	if out, err := hd.Result(ctx); out != "one/1" || err != nil {
		t.Errorf("Result() = %q, %v, want one/1, nil", out, err)
	}
	stop()
	if err := <-ran; err != nil {
		t.Errorf("Run() = %v, want nil", err)
	}
	if got := runs.Load(); got != 2 {
		t.Errorf("step runs = %d, want 2 (the first commit failed)", got)
	}
	if n := store.claimFailures.Load(); n >= 0 {
		t.Errorf("claim failures left = %d, want all used", n)
	}
}

func TestContextOutsideTheBody(t *testing.T) {
	var sleepErr, awaitErr error
	wf := durable.NewWorkflow[int, int]("example.com/ctx.Ctx", "v1", func() any {
		return &funcFrame[int]{run: func(x *runtime.Exec, f *funcFrame[int]) error {
			ctx := x.Context()
			sleepErr = durable.Sleep(ctx, time.Second)
			_, awaitErr = durable.Await[string](ctx, "x")
			if ctx.InstanceID() != "c" || durable.Now(ctx).IsZero() {
				return runtime.Return(x, 0, errors.New("bad context"))
			}
			return runtime.Return(x, 1, nil)
		}}
	})
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	hd := mustStart(t, h.client, wf, "c", 0)
	mustDrain(t, h.worker, 1)
	if out, err := hd.Result(context.Background()); out != 1 || err != nil {
		t.Errorf("Result() = %d, %v, want 1, nil", out, err)
	}
	for name, err := range map[string]error{"Sleep": sleepErr, "Await": awaitErr} {
		if err == nil || !strings.Contains(err.Error(), "call it in the workflow function itself") {
			t.Errorf("durable.%s through Exec.Context() = %v, want an error saying where to call it", name, err)
		}
	}
}

func TestOtherCheckpoints(t *testing.T) {
	var (
		siteEffect = runtime.Site{ID: 1, Kind: "effect", Name: "SideEffect"}
		siteErr    = runtime.Site{ID: 2, Kind: "step", Name: "Notify"}
		siteUntil  = runtime.Site{ID: 3, Kind: "sleep", Name: "SleepUntil"}
	)
	var notified atomic.Int32
	wf := durable.NewWorkflow[int, int]("example.com/misc.Misc", "v1", func() any {
		return &funcFrame[int]{run: func(x *runtime.Exec, f *funcFrame[int]) error {
			for {
				switch f.pc {
				case 0:
					f.v = runtime.SideEffect(x, &siteEffect, func() int { return 7 })
					if err := x.Commit(&f.pc, 1); err != nil {
						return err
					}
				case 1:
					f.err = runtime.CallErr(x, &siteErr, func(ctx context.Context) error {
						notified.Add(1)
						return nil
					})
					if err := x.Commit(&f.pc, 2); err != nil {
						return err
					}
				case 2:
					// A time already passed: the sleep does not suspend.
					f.err = runtime.SleepUntil(x, &siteUntil, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
					if err := x.Commit(&f.pc, 3); err != nil {
						return err
					}
				case 3:
					return runtime.Return(x, f.v, f.err)
				}
			}
		}}
	})
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	hd := mustStart(t, h.client, wf, "m", 0)
	mustDrain(t, h.worker, 1)
	if out, err := hd.Result(context.Background()); out != 7 || err != nil {
		t.Errorf("Result() = %d, %v, want 7, nil", out, err)
	}
	if got, want := h.kinds("m"), []string{"effect", "step", "sleep", "complete"}; !reflect.DeepEqual(got, want) {
		t.Errorf("History kinds = %v, want %v", got, want)
	}
	if n := notified.Load(); n != 1 {
		t.Errorf("CallErr step ran %d times, want 1", n)
	}
}

// picky is a value whose own encoding refuses negative numbers.
type picky int

func (p picky) MarshalJSON() ([]byte, error) {
	if p < 0 {
		return nil, fmt.Errorf("picky: %d is negative", int(p))
	}
	return []byte(strconv.Itoa(int(p))), nil
}

func (p *picky) UnmarshalJSON(b []byte) error {
	n, err := strconv.Atoi(string(b))
	*p = picky(n)
	return err
}

// TestUnencodableFrameFailsTheInstance checks that a frame value the
// codec cannot encode fails the instance at the checkpoint.
func TestUnencodableFrameFailsTheInstance(t *testing.T) {
	siteNeg := runtime.Site{ID: 1, Kind: "effect", Name: "Negative"}
	wf := durable.NewWorkflow[picky, picky]("example.com/picky.Negative", "v1", func() any {
		return &funcFrame[picky]{run: func(x *runtime.Exec, f *funcFrame[picky]) error {
			for {
				switch f.pc {
				case 0:
					f.v = runtime.SideEffect(x, &siteNeg, func() picky { return -1 })
					if err := x.Commit(&f.pc, 1); err != nil {
						return err
					}
				case 1:
					return runtime.Return(x, f.v, nil)
				}
			}
		}}
	})
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	hd := mustStart(t, h.client, wf, "neg", 1)
	mustDrain(t, h.worker, 1)
	_, err := hd.Result(context.Background())
	if err == nil || !strings.Contains(err.Error(), "encode frame of instance neg at checkpoint 1") {
		t.Errorf("Result() error = %v, want an encode error naming the instance and checkpoint", err)
	}
	if inst := h.get("neg"); !strings.Contains(string(inst.Frame), `"v":1`) {
		t.Errorf("frame after the failure = %s, want the last committed one", inst.Frame)
	}
}

// TestSpecialValuesSurviveCheckpoints runs values JSON has no standard
// form for through a frame, the history and the result.
func TestSpecialValuesSurviveCheckpoints(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	type special struct {
		F   []float64
		S   string
		M   map[string]time.Time
		Err []error
	}
	want := special{
		F:   []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)},
		S:   "\xff\xc3 not UTF-8",
		M:   map[string]time.Time{"\xfe": time.Date(2024, 6, 1, 12, 0, 0, 0, paris)},
		Err: []error{nil, errors.New("kept")},
	}
	site := runtime.Site{ID: 1, Kind: "effect", Name: "Special"}
	wf := durable.NewWorkflow[special, special]("example.com/special.Values", "v1", func() any {
		return &funcFrame[special]{run: func(x *runtime.Exec, f *funcFrame[special]) error {
			for {
				switch f.pc {
				case 0:
					f.v = runtime.SideEffect(x, &site, func() special { return want })
					if err := x.Commit(&f.pc, 1); err != nil {
						return err
					}
				case 1:
					return runtime.Return(x, f.v, nil)
				}
			}
		}}
	})
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	hd := mustStart(t, h.client, wf, "special", special{})
	mustDrain(t, h.worker, 1)
	got, err := hd.Result(context.Background())
	if err != nil {
		t.Fatalf("Result() error = %v", err)
	}
	if fmt.Sprint(got.F) != fmt.Sprint(want.F) || math.Signbit(got.F[3]) != true || got.S != want.S {
		t.Errorf("Result() = %v, %q, want %v, %q", got.F, got.S, want.F, want.S)
	}
	gt, wt := got.M["\xfe"], want.M["\xfe"]
	if !gt.Equal(wt) || gt.Location().String() != "Europe/Paris" || gt.Format(time.RFC3339+" MST") != wt.Format(time.RFC3339+" MST") {
		t.Errorf("Result().M = %v, want %v", got.M, want.M)
	}
	if len(got.Err) != 2 || got.Err[0] != nil || got.Err[1] == nil || got.Err[1].Error() != "kept" {
		t.Errorf("Result().Err = %v, want %v", got.Err, want.Err)
	}
}

// holdStore commits a step's checkpoint, then holds the call until the
// run's context is cancelled, so that the run's next store call (the
// workflow's final commit) comes after the shutdown timeout.
