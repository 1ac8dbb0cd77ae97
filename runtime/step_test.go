package runtime_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
)

var errFlaky = errors.New("flaky")

// attempts records the step info of every attempt of a step.
type attempts struct {
	mu    sync.Mutex
	infos []durable.StepInfo
}

func (a *attempts) add(ctx context.Context) int {
	info, _ := durable.Step(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.infos = append(a.infos, info)
	return info.Attempt
}

func (a *attempts) list() []durable.StepInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slicesClone(a.infos)
}

func slicesClone[T any](s []T) []T { return append([]T(nil), s...) }

// wantInfos returns the step infos of n attempts of step One of id at seq.
func wantInfos(id string, seq int64, n int) []durable.StepInfo {
	var out []durable.StepInfo
	for i := 1; i <= n; i++ {
		out = append(out, durable.StepInfo{InstanceID: id, Name: "One", Seq: seq, Attempt: i})
	}
	return out
}

func TestStepRetries(t *testing.T) {
	fast := durable.Policy{MaxAttempts: 4, InitialInterval: time.Millisecond}
	tests := []struct {
		name         string
		policy       durable.Policy
		fail         func(ctx context.Context, attempt int) error // nil: success
		wantAttempts int
		wantErr      string // "" for success; else a substring of the error
		wantFailed   bool   // the workflow ended failed
	}{
		{"first attempt", fast, func(context.Context, int) error { return nil }, 1, "", false},
		{"two transient failures", fast, func(_ context.Context, n int) error {
			if n <= 2 {
				return errFlaky
			}
			return nil
		}, 3, "", false},
		{"jittered backoff", durable.Policy{MaxAttempts: 4, InitialInterval: time.Millisecond, Jitter: 0.5}, func(_ context.Context, n int) error {
			if n == 1 {
				return errFlaky
			}
			return nil
		}, 2, "", false},
		{"attempts exhausted", fast, func(context.Context, int) error { return errFlaky }, 4, "flaky", true},
		{"permanent", fast, func(context.Context, int) error { return durable.Permanent(errFlaky) }, 1, "flaky", true},
		{"non-retryable", durable.Policy{MaxAttempts: 4, InitialInterval: time.Millisecond, NonRetryable: []error{errFlaky}},
			func(context.Context, int) error { return errFlaky }, 1, "flaky", true},
		{"panic then success", fast, func(_ context.Context, n int) error {
			if n == 1 {
				panic("boom")
			}
			return nil
		}, 2, "", false},
		{"panic every time", durable.Policy{MaxAttempts: 2, InitialInterval: time.Millisecond}, func(context.Context, int) error {
			panic("boom")
		}, 2, "step One panicked: boom (at github.com/durablegen/durable/runtime_test.TestStepRetries", true},
		{"attempt timeout", durable.Policy{MaxAttempts: 2, InitialInterval: time.Millisecond, Timeout: 5 * time.Millisecond},
			func(ctx context.Context, n int) error {
				if n == 1 {
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			}, 2, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var seen attempts
			env := &stepEnv{policy: tc.policy, step: func(ctx context.Context) (string, error) {
				if err := tc.fail(ctx, seen.add(ctx)); err != nil {
					return "", err
				}
				return "done", nil
			}}
			wf := oneWorkflow(env)
			h := newHarness(t, runtime.WorkerOptions{}, wf)
			ctx := context.Background()
			hd, err := runtime.Start(ctx, h.client, wf, "one", "in")
			if err != nil {
				t.Fatalf("Start() = %v, want nil", err)
			}
			if n, err := h.worker.Drain(ctx); n != 1 || err != nil {
				t.Fatalf("Drain() = %d, %v, want 1, nil", n, err)
			}
			out, err := hd.Result(ctx)
			switch {
			case tc.wantErr == "" && (err != nil || out != "done"):
				t.Errorf("Result() = %q, %v, want %q, nil", out, err, "done")
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Result() error = %v, want one containing %q", err, tc.wantErr)
			}
			if got, want := seen.list(), wantInfos("one", 1, tc.wantAttempts); !reflect.DeepEqual(got, want) {
				t.Errorf("step attempts = %+v, want %+v", got, want)
			}
			evs, err := h.client.History(ctx, "one")
			if err != nil || len(evs) == 0 {
				t.Fatalf("History() = %v, %v, want events", evs, err)
			}
			last := "complete"
			if tc.wantFailed {
				last = "fail"
			}
			if got := evs[len(evs)-1].Kind; got != last {
				t.Errorf("last event = %s, want %s", got, last)
			}
			if ev := evs[0]; ev.Kind != "step" || ev.Name != "One" || ev.Attempts != tc.wantAttempts || (ev.Error != "") != (tc.wantErr != "") {
				t.Errorf("History()[0] = %+v, want a step event of One with %d attempts, error %v", ev, tc.wantAttempts, tc.wantErr != "")
			}
		})
	}
}

// TestWaitHook checks that Hooks.Wait replaces the wait before every
// retry in memory, with the policy's backoffs, and that the attempts run
// as they would after a real wait.
func TestWaitHook(t *testing.T) {
	var seen attempts
	env := &stepEnv{
		policy: durable.Policy{MaxAttempts: 4, InitialInterval: time.Second, MaxInterval: 3 * time.Second},
		step: func(ctx context.Context) (string, error) {
			if seen.add(ctx) < 4 {
				return "", errFlaky
			}
			return "done", nil
		},
	}
	var mu sync.Mutex
	var waits []time.Duration
	wait := func(ctx context.Context, d time.Duration) bool {
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, d)
		return ctx.Err() == nil
	}
	wf := oneWorkflow(env)
	h := newHarness(t, runtime.WorkerOptions{Hooks: runtime.Hooks{Wait: wait}}, wf)
	ctx := context.Background()
	hd, err := runtime.Start(ctx, h.client, wf, "one", "in")
	if err != nil {
		t.Fatalf("Start() = %v, want nil", err)
	}
	if n, err := h.worker.Drain(ctx); n != 1 || err != nil {
		t.Fatalf("Drain() = %d, %v, want 1, nil", n, err)
	}
	if out, err := hd.Result(ctx); out != "done" || err != nil {
		t.Errorf("Result() = %q, %v, want %q, nil", out, err, "done")
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}; !reflect.DeepEqual(waits, want) {
		t.Errorf("Wait calls = %v, want %v", waits, want)
	}
	if got, want := seen.list(), wantInfos("one", 1, 4); !reflect.DeepEqual(got, want) {
		t.Errorf("step attempts = %+v, want %+v", got, want)
	}
}

// TestWorkerNow checks that a worker given a clock takes durable time
// from it alone: a suspended retry wakes exactly one backoff after it,
// and events carry its time.
func TestWorkerNow(t *testing.T) {
	env := &stepEnv{
		policy: durable.Policy{MaxAttempts: 2, InitialInterval: time.Hour, MaxInterval: time.Hour},
		step:   func(ctx context.Context) (string, error) { return "", errFlaky },
	}
	wf := oneWorkflow(env)
	var h *harness
	h = newHarness(t, runtime.WorkerOptions{MaxInlineBackoff: time.Minute, Now: func() time.Time { return h.clock.Now() }}, wf)
	ctx := context.Background()
	if _, err := runtime.Start(ctx, h.client, wf, "one", "in"); err != nil {
		t.Fatalf("Start() = %v, want nil", err)
	}
	at := h.clock.Now()
	if n, err := h.worker.Drain(ctx); n != 1 || err != nil {
		t.Fatalf("Drain() = %d, %v, want 1, nil", n, err)
	}
	if inst := h.get("one"); inst.Status != runtime.StatusSleeping || !inst.WakeAt.Equal(at.Add(time.Hour)) {
		t.Errorf("after the first attempt: %s until %v, want sleeping until %v", inst.Status, inst.WakeAt, at.Add(time.Hour))
	}
	evs, err := h.client.History(ctx, "one")
	if err != nil || len(evs) != 1 || !evs[0].At.Equal(at) {
		t.Errorf("History() = %+v, %v; want one event at %v", evs, err, at)
	}
}

// TestLongBackoffSuspends checks that a retry whose backoff exceeds
// MaxInlineBackoff suspends the instance, and that the attempts resume
// with the same step key once the backoff has passed.
func TestLongBackoffSuspends(t *testing.T) {
	var seen attempts
	env := &stepEnv{
		policy: durable.Policy{MaxAttempts: 4, InitialInterval: time.Hour, MaxInterval: 10 * time.Hour},
		step: func(ctx context.Context) (string, error) {
			if seen.add(ctx) < 3 {
				return "", errFlaky
			}
			return "done", nil
		},
	}
	wf := oneWorkflow(env)
	h := newHarness(t, runtime.WorkerOptions{MaxInlineBackoff: time.Minute}, wf)
	ctx := context.Background()
	hd, err := runtime.Start(ctx, h.client, wf, "one", "in")
	if err != nil {
		t.Fatalf("Start() = %v, want nil", err)
	}
	for i, wantWake := range []time.Duration{time.Hour, 2 * time.Hour} {
		claimedAt := h.clock.Now()
		if n, err := h.worker.Drain(ctx); n != 1 || err != nil {
			t.Fatalf("Drain() #%d = %d, %v, want 1, nil", i+1, n, err)
		}
		inst := h.get("one")
		if inst.Status != runtime.StatusSleeping || inst.Attempt != i+1 || inst.WakeAt.Before(claimedAt.Add(wantWake)) {
			t.Fatalf("after attempt %d: status %s, attempt %d, wake at +%v; want sleeping, %d, at least +%v",
				i+1, inst.Status, inst.Attempt, inst.WakeAt.Sub(claimedAt), i+1, wantWake)
		}
		if n, err := h.worker.Drain(ctx); n != 0 || err != nil {
			t.Fatalf("Drain() before the backoff passed = %d, %v, want 0, nil", n, err)
		}
		h.clock.Advance(inst.WakeAt.Sub(h.clock.Now()))
	}
	if n, err := h.worker.Drain(ctx); n != 1 || err != nil {
		t.Fatalf("Drain() after the backoff = %d, %v, want 1, nil", n, err)
	}
	if out, err := hd.Result(ctx); out != "done" || err != nil {
		t.Errorf("Result() = %q, %v, want %q, nil", out, err, "done")
	}
	if got, want := seen.list(), wantInfos("one", 1, 3); !reflect.DeepEqual(got, want) {
		t.Errorf("step attempts = %+v, want %+v", got, want)
	}
	if got, want := h.kinds("one"), []string{"retry", "retry", "step", "complete"}; !reflect.DeepEqual(got, want) {
		t.Errorf("History kinds = %v, want %v", got, want)
	}
}

// TestLongBackoffExhausted checks that the attempt count survives
// suspensions: the policy's last attempt fails the step.
func TestLongBackoffExhausted(t *testing.T) {
	var seen attempts
	env := &stepEnv{
		policy: durable.Policy{MaxAttempts: 3, InitialInterval: time.Hour, MaxInterval: 10 * time.Hour},
		step: func(ctx context.Context) (string, error) {
			seen.add(ctx)
			return "", errFlaky
		},
	}
	wf := oneWorkflow(env)
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	ctx := context.Background()
	hd, err := runtime.Start(ctx, h.client, wf, "one", "in")
	if err != nil {
		t.Fatalf("Start() = %v, want nil", err)
	}
	h.drive("one")
	if _, err := hd.Result(ctx); err == nil || err.Error() != "flaky" {
		t.Errorf("Result() error = %v, want flaky", err)
	}
	if got := len(seen.list()); got != 3 {
		t.Errorf("attempts = %d, want 3", got)
	}
}

// TestCallValueFailure checks that a step returning only a value fails
// the workflow when it exhausts its attempts.
func TestCallValueFailure(t *testing.T) {
	site := runtime.Site{ID: 1, Kind: "step", Name: "Count", Policy: durable.Policy{MaxAttempts: 2, InitialInterval: time.Millisecond}}
	wf := durable.NewWorkflow[int, int]("example.com/count.Count", "v1", func() any {
		return &funcFrame[int]{run: func(x *runtime.Exec, f *funcFrame[int]) error {
			switch f.pc {
			case 0:
				f.v = runtime.CallValue(x, &site, func(ctx context.Context) int { panic("no count") })
				if err := x.Commit(&f.pc, 1); err != nil {
					return err
				}
			}
			return runtime.Return(x, f.v, nil)
		}}
	})
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	ctx := context.Background()
	hd, err := runtime.Start(ctx, h.client, wf, "count", 1)
	if err != nil {
		t.Fatalf("Start() = %v, want nil", err)
	}
	if _, err := h.worker.Drain(ctx); err != nil {
		t.Fatalf("Drain() = %v, want nil", err)
	}
	if _, err := hd.Result(ctx); err == nil || !strings.Contains(err.Error(), "step Count panicked: no count") {
		t.Errorf("Result() error = %v, want the step's panic", err)
	}
	if got, want := h.kinds("count"), []string{"fail"}; !reflect.DeepEqual(got, want) {
		t.Errorf("History kinds = %v, want %v", got, want)
	}
}

// funcFrame is a small machine whose Run is a function, for tests of
// one behaviour each.
type funcFrame[T any] struct {
	run func(x *runtime.Exec, f *funcFrame[T]) error

	pc  int
	v   T
	err error
}

func (f *funcFrame[T]) SetInput(in T) { f.v = in }

func (f *funcFrame[T]) MarshalFrame(e *runtime.Encoder) {
	e.Int("pc", int64(f.pc))
	runtime.Field(e, "v", f.v)
	e.Error("err", f.err)
}

func (f *funcFrame[T]) UnmarshalFrame(d *runtime.Decoder) error {
	for d.Next() {
		switch d.Key() {
		case "pc":
			f.pc = int(d.Int())
		case "v":
			runtime.Value(d, &f.v)
		case "err":
			f.err = d.Error()
		}
	}
	return d.Err()
}

func (f *funcFrame[T]) Run(x *runtime.Exec) error { return f.run(x, f) }
