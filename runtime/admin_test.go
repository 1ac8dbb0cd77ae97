package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	siteFirst  = runtime.Site{ID: 1, Kind: "step", Name: "First", Pos: "buggy.go:3:2"}
	siteSecond = runtime.Site{ID: 3, Kind: "step", Name: "Second", Pos: "buggy.go:5:2",
		Policy: durable.Policy{InitialInterval: time.Millisecond}}
)

// buggy is the state of a deployment: a workflow with a bug that a fix
// removes, and a record of its step runs.
type buggy struct {
	bug atomic.Value // string: how the workflow fails; "" when fixed

	mu   sync.Mutex
	runs []string // "step key"
}

func (b *buggy) record(ctx context.Context, step string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.runs = append(b.runs, step+" "+durable.StepKey(ctx))
}

func (b *buggy) steps() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.runs)
}

func (b *buggy) has(bug string) bool {
	s, _ := b.bug.Load().(string)
	return s == bug
}

// buggyWorkflow runs step First, then (unless fixed) fails as b's bug
// says between the checkpoints, then runs step Second and returns
// First's result plus Second's.
func buggyWorkflow(b *buggy) *durable.Workflow[int, int] {
	return durable.NewWorkflow[int, int]("example.com/buggy.Buggy", "v1", func() any {
		return &funcFrame[int]{run: func(x *runtime.Exec, f *funcFrame[int]) error {
			for {
				switch f.pc {
				case 0:
					f.v, f.err = runtime.Call(x, &siteFirst, func(ctx context.Context) (int, error) {
						b.record(ctx, "First")
						return f.v * 10, nil
					})
					if err := x.Commit(&f.pc, 2); err != nil {
						return err
					}
				case 2:
					if f.err != nil {
						return runtime.Return(x, 0, f.err)
					}
					if b.has("panic") {
						var m map[string]int
						m["boom"]++ // the bug: a nil map
					}
					if b.has("return") {
						return runtime.Return(x, 0, fmt.Errorf("bad input %d", f.v))
					}
					f.v += runtime.CallValue(x, &siteSecond, func(ctx context.Context) int {
						b.record(ctx, "Second")
						if b.has("value") {
							panic("second is broken")
						}
						return 1
					})
					if err := x.Commit(&f.pc, 4); err != nil {
						return err
					}
				case 4:
					return runtime.Return(x, f.v, nil)
				}
			}
		}}
	})
}

func (h *harness) retry(id string, opts runtime.RetryOptions) {
	h.t.Helper()
	if err := h.client.Retry(context.Background(), id, opts); err != nil {
		h.t.Fatalf("Retry(%s) = %v, want nil", id, err)
	}
}

// TestRetryResumes fails an instance in each way that keeps its last
// committed frame, fixes the bug, retries, and checks that the instance
// resumes there: the step that committed does not run again.
func TestRetryResumes(t *testing.T) {
	tests := []struct {
		bug       string
		wantError string
		wantSteps []string // after the fix, with step keys
	}{
		// The step after the failure keeps the key it had before it
		// (the failure and the resume take sequence numbers, not steps).
		{"panic", "workflow example.com/buggy.Buggy@v1 panicked in instance i after checkpoint 1: assignment to entry in nil map",
			[]string{"First i/1", "Second i/2"}},
		{"value", "step Second panicked: second is broken",
			[]string{"First i/1", "Second i/2", "Second i/2", "Second i/2", "Second i/2"}},
	}
	for _, tc := range tests {
		t.Run(tc.bug, func(t *testing.T) {
			b := &buggy{}
			b.bug.Store(tc.bug)
			wf := buggyWorkflow(b)
			h := newHarness(t, runtime.WorkerOptions{}, wf)
			ctx := context.Background()
			hd := mustStart(t, h.client, wf, "i", 4)
			mustDrain(t, h.worker, 1)
			failed := h.get("i")
			if failed.Status != runtime.StatusFailed || !strings.Contains(failed.Error, tc.wantError) {
				t.Fatalf("instance = %s with error %s, want failed with %q", failed.Status, failed.Error, tc.wantError)
			}
			if err := runtime.Retryable(failed); err != nil {
				t.Fatalf("Retryable(failed instance) = %v, want nil", err)
			}
			b.bug.Store("") // the fix is deployed
			h.retry("i", runtime.RetryOptions{Reason: "fixed"})
			mustDrain(t, h.worker, 1)
			if out, err := hd.Result(ctx); out != 41 || err != nil {
				t.Errorf("Result() = %d, %v, want 41, nil", out, err)
			}
			if got := b.steps(); !slices.Equal(got, tc.wantSteps) {
				t.Errorf("step runs = %v, want %v", got, tc.wantSteps)
			}
			if got, want := h.kinds("i"), []string{"step", "fail", "resume", "step", "complete"}; !slices.Equal(got, want) {
				t.Errorf("history = %v, want %v", got, want)
			}
			evs, _ := h.client.History(ctx, "i")
			if evs[2].Error != "fixed" {
				t.Errorf("resume event error = %q, want the reason", evs[2].Error)
			}
		})
	}
}

// unreadable reports instances as unreadable until its key is added, as
// a decrypting store does; it keeps the memory store's Admin methods.
type unreadable struct {
	*memstore.Store
	keyAdded atomic.Bool
}

func (s *unreadable) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	insts, err := s.Store.Claim(ctx, req)
	for _, inst := range insts {
		if !s.keyAdded.Load() {
			inst.Unreadable = fmt.Errorf("frame of instance %s sealed with key k1, which the keyring does not hold", inst.ID)
		}
	}
	return insts, err
}

// TestRetryUnreadable: an instance that failed because the store could
// not read it resumes once the store can.
func TestRetryUnreadable(t *testing.T) {
	ctx := context.Background()
	b := &buggy{}
	wf := buggyWorkflow(b)
	store := &unreadable{Store: memstore.New()}
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet()})
	if err := w.Register(wf); err != nil {
		t.Fatal(err)
	}
	c := runtime.NewClient(store)
	hd := mustStart(t, c, wf, "i", 4)
	mustDrain(t, w, 1)
	if _, err := hd.Result(ctx); err == nil || !strings.Contains(err.Error(), "sealed with key k1") {
		t.Fatalf("Result() = %v, want the unreadable error", err)
	}
	store.keyAdded.Store(true)
	if err := c.Retry(ctx, "i", runtime.RetryOptions{}); err != nil {
		t.Fatalf("Retry() = %v, want nil", err)
	}
	mustDrain(t, w, 1)
	if out, err := hd.Result(ctx); out != 41 || err != nil {
		t.Errorf("Result() after Retry = %d, %v, want 41, nil", out, err)
	}
}

// TestRetryReturnedError: an error the workflow returned is its result;
// Retry refuses it unless forced, and a forced retry with the same code
// fails the same way.
func TestRetryReturnedError(t *testing.T) {
	ctx := context.Background()
	b := &buggy{}
	b.bug.Store("return")
	wf := buggyWorkflow(b)
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	mustStart(t, h.client, wf, "i", 4)
	mustDrain(t, h.worker, 1)
	err := h.client.Retry(ctx, "i", runtime.RetryOptions{})
	if !errors.Is(err, runtime.ErrNotRetryable) || !strings.Contains(err.Error(), `its workflow returned the error "bad input 40"`) {
		t.Fatalf("Retry() = %v, want %v saying the workflow returned its error", err, runtime.ErrNotRetryable)
	}
	if got := h.get("i"); got.Status != runtime.StatusFailed || got.Seq != 2 {
		t.Errorf("after a refused Retry: %s at seq %d, want failed at 2", got.Status, got.Seq)
	}
	h.retry("i", runtime.RetryOptions{Force: true})
	mustDrain(t, h.worker, 1)
	got := h.get("i")
	if got.Status != runtime.StatusFailed || runtime.FailureKeptFrame(got.Error) || !strings.Contains(got.Error, "bad input 40") {
		t.Errorf("after a forced Retry: %s with %s, want failed again with the returned error", got.Status, got.Error)
	}
	if want := []string{"step", "fail", "resume", "fail"}; !slices.Equal(h.kinds("i"), want) {
		t.Errorf("history = %v, want %v", h.kinds("i"), want)
	}
	if got := b.steps(); !slices.Equal(got, []string{"First i/1"}) {
		t.Errorf("step runs = %v, want First once", got)
	}
}

func TestRetryNotFailed(t *testing.T) {
	ctx := context.Background()
	wf := helloWorkflow()
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	mustStart(t, h.client, wf, "waiting", "")
	mustStart(t, h.client, wf, "done", "")
	mustStart(t, h.client, wf, "canceled", "")
	mustDrain(t, h.worker, 3)
	if err := h.client.Signal(ctx, "done", "hello", "hi"); err != nil {
		t.Fatal(err)
	}
	mustDrain(t, h.worker, 1)
	if err := h.client.Cancel(ctx, "canceled", "not needed"); err != nil {
		t.Fatal(err)
	}
	mustStart(t, h.client, wf, "ready", "")
	tests := []struct {
		id   string
		want string
	}{
		{"ready", "it is ready, not failed: it is still in progress"},
		{"waiting", "it is waiting, not failed"},
		{"done", "it completed; only a failed instance can be retried"},
		{"canceled", "it was canceled (not needed)"},
	}
	for _, tc := range tests {
		for _, force := range []bool{false, true} {
			err := h.client.Retry(ctx, tc.id, runtime.RetryOptions{Force: force})
			if !errors.Is(err, runtime.ErrNotRetryable) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Retry(%s, force %v) = %v, want %v saying %q", tc.id, force, err, runtime.ErrNotRetryable, tc.want)
			}
		}
	}
	if err := h.client.Retry(ctx, "missing", runtime.RetryOptions{}); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Retry(missing) = %v, want %v", err, runtime.ErrNotFound)
	}
}

// bareStore is a Store without the optional capabilities.
type bareStore struct{ runtime.Store }

func TestAdminUnsupported(t *testing.T) {
	ctx := context.Background()
	c := runtime.NewClient(bareStore{memstore.New()})
	if _, err := c.List(ctx, runtime.ListOptions{}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("List() on a store without Admin = %v, want %v", err, errors.ErrUnsupported)
	}
	if err := c.Retry(ctx, "x", runtime.RetryOptions{}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Retry() on a store without Admin = %v, want %v", err, errors.ErrUnsupported)
	}
}

func TestClientList(t *testing.T) {
	ctx := context.Background()
	wf := helloWorkflow()
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	for _, id := range []string{"b", "a", "c"} {
		mustStart(t, h.client, wf, id, "")
		h.clock.Advance(time.Second)
	}
	got, err := h.client.List(ctx, runtime.ListOptions{Limit: 2, Descending: true})
	if err != nil || len(got) != 2 || got[0].ID != "c" || got[1].ID != "a" {
		t.Fatalf("List(newest 2) = %v, %v, want [c a]", got, err)
	}
	if got[0].Frame != nil {
		t.Errorf("List() frame = %q, want nil without Payloads", got[0].Frame)
	}
	if _, err := h.client.List(ctx, runtime.ListOptions{Statuses: []runtime.Status{"stuck"}}); err == nil || !strings.Contains(err.Error(), `unknown status "stuck"`) {
		t.Errorf("List(status stuck) = %v, want an unknown status error", err)
	}
}

func TestCursor(t *testing.T) {
	c := runtime.Cursor{CreatedAt: time.Date(2031, 1, 2, 3, 4, 5, 123456789, time.UTC), ID: "a/b c"}
	got, err := runtime.ParseCursor(c.String())
	if err != nil || !got.CreatedAt.Equal(c.CreatedAt) || got.ID != c.ID {
		t.Errorf("ParseCursor(%q) = %+v, %v, want %+v", c.String(), got, err, c)
	}
	if z, err := runtime.ParseCursor(""); err != nil || !z.IsZero() {
		t.Errorf("ParseCursor(\"\") = %+v, %v, want the zero cursor", z, err)
	}
	for _, bad := range []string{"x", "12", "abc/d", "1.5/x"} {
		if _, err := runtime.ParseCursor(bad); err == nil {
			t.Errorf("ParseCursor(%q) = nil error, want one", bad)
		}
	}
}
