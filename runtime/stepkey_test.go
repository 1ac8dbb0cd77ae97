package runtime_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
)

// scripted is a step that behaves as its script says, one entry per
// attempt: "block" until its context ends, "fail" with a retryable error,
// "ok". It records the key of every attempt.
type scripted struct {
	mu      sync.Mutex
	script  []string
	keys    []string
	started chan struct{}
}

func newScripted(script ...string) *scripted {
	return &scripted{script: script, started: make(chan struct{}, 10)}
}

func (s *scripted) step(ctx context.Context) (string, error) {
	s.mu.Lock()
	s.keys = append(s.keys, durable.StepKey(ctx))
	what := "ok"
	if len(s.script) > 0 {
		what, s.script = s.script[0], s.script[1:]
	}
	s.mu.Unlock()
	s.started <- struct{}{}
	switch what {
	case "block":
		<-ctx.Done()
		return "", ctx.Err()
	case "fail":
		return "", errors.New("try again later")
	}
	return "done", nil
}

func (s *scripted) attempts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keys)
}

// keyedWorkflow runs one step of s, directly or as a durable.Go future,
// after a side effect (so that the step's key is not the instance's first
// sequence number), under a policy whose retries suspend the instance.
func keyedWorkflow(kind string, s *scripted) *durable.Workflow[string, string] {
	siteFx := runtime.Site{ID: 1, Kind: "effect", Name: "Before"}
	site := runtime.Site{ID: 2, Kind: "step", Name: "Keyed", Policy: durable.Policy{InitialInterval: time.Hour, MaxAttempts: 5}}
	return durable.NewWorkflow[string, string]("example.com/keyed."+kind, "v1", func() any {
		return &funcFrame[string]{run: func(x *runtime.Exec, f *funcFrame[string]) error {
			for {
				switch f.pc {
				case 0:
					runtime.SideEffect(x, &siteFx, func() int { return 0 })
					if err := x.Commit(&f.pc, 1); err != nil {
						return err
					}
				case 1:
					if kind == "all" {
						fut := durable.Go(x.Context(), "Keyed", s.step)
						if f.err = runtime.All(x, &site, fut); f.err == nil {
							f.v, f.err = fut.Get()
						}
					} else {
						f.v, f.err = runtime.Call(x, &site, s.step)
					}
					if err := x.Commit(&f.pc, 2); err != nil {
						return err
					}
				case 2:
					return runtime.Return(x, f.v, f.err)
				}
			}
		}}
	})
}

// cutByShutdown runs h's worker until the step starts, then cancels it:
// the step ignores nothing, so the run is cut after ShutdownTimeout and
// handed back.
func cutByShutdown(t *testing.T, h *harness, s *scripted) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.worker.Run(ctx) }()
	<-s.started
	stop()
	if err := <-ran; err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}
	if inst := h.get("k"); inst.Status != runtime.StatusReady {
		t.Fatalf("after the shutdown: status %s, want ready (handed back)", inst.Status)
	}
}

// TestStepKeyStable checks that a step keeps the key of its first attempt
// in every attempt, whatever the instance commits meanwhile without moving
// past it: a hand-back of a run cut by ShutdownTimeout (once or twice), a
// retry suspended for its backoff, both.
func TestStepKeyStable(t *testing.T) {
	tests := []struct {
		name   string
		script []string
		drive  func(t *testing.T, h *harness, s *scripted)
	}{
		{"cut once", []string{"block"}, func(t *testing.T, h *harness, s *scripted) {
			cutByShutdown(t, h, s)
		}},
		{"cut twice", []string{"block", "block"}, func(t *testing.T, h *harness, s *scripted) {
			cutByShutdown(t, h, s)
			cutByShutdown(t, h, s)
		}},
		{"suspended retry, then cut", []string{"fail", "block", "fail"}, func(t *testing.T, h *harness, s *scripted) {
			mustDrain(t, h.worker, 1)
			<-s.started
			h.clock.Advance(2 * time.Hour)
			cutByShutdown(t, h, s)
			mustDrain(t, h.worker, 1)
			<-s.started
			h.clock.Advance(4 * time.Hour)
		}},
	}
	for _, kind := range []string{"step", "all"} {
		for _, tc := range tests {
			if kind == "all" && tc.name != "cut once" {
				continue // futures retry in memory only
			}
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				s := newScripted(tc.script...)
				wf := keyedWorkflow(kind, s)
				h := newHarness(t, runtime.WorkerOptions{ShutdownTimeout: 5 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, wf)
				hd := mustStart(t, h.client, wf, "k", "")
				tc.drive(t, h, s)
				mustDrain(t, h.worker, 1)
				if out, err := hd.Result(context.Background()); out != "done" || err != nil {
					t.Fatalf("Result() = %q, %v, want done, nil", out, err)
				}
				keys := s.attempts()
				want := "k/2"
				if kind == "all" {
					want = "k/2/1"
				}
				for i, k := range keys {
					if k != want {
						t.Errorf("attempt %d of %d ran with key %s, want %s (all: %v; history %v)", i+1, len(keys), k, want, keys, h.kinds("k"))
						break
					}
				}
			})
		}
	}
}

// slowClaim is a store whose claims commit at once but answer only when
// the test lets them, as over a slow network; a claim whose context ends
// meanwhile fails, although it committed, as a driver's would.
type slowClaim struct {
	runtime.Store
	claiming chan struct{} // receives when a claim has committed
	answer   chan struct{} // closed to let the claims answer
}

func (s *slowClaim) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	insts, err := s.Store.Claim(context.WithoutCancel(ctx), req)
	if len(insts) > 0 {
		s.claiming <- struct{}{}
	}
	<-s.answer
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return insts, err
}

// TestClaimDuringShutdown stops a worker while its claim is in flight:
// the instance it claimed must be handed back at once (ready, no owner,
// its step not run), not stranded until its lease expires, and the step
// at its checkpoint, which a crashed run had started, keeps its key.
func TestClaimDuringShutdown(t *testing.T) {
	for _, crashed := range []bool{false, true} {
		name := "fresh"
		if crashed {
			name = "after a crash"
		}
		t.Run(name, func(t *testing.T) {
			s := newScripted()
			wf := keyedWorkflow("step", s)
			h := newHarness(t, runtime.WorkerOptions{}, wf)
			hd := mustStart(t, h.client, wf, "k", "")
			wantHistory := []string{"release", "effect", "step", "complete"}
			if crashed {
				crash := runtime.NewWorker(h.store, runtime.WorkerOptions{Lease: testLease, Logger: quiet(), Hooks: runtime.Hooks{
					AfterStep: func(string, int64, *runtime.Site) error { return errCrash },
				}})
				register(t, crash, wf)
				if _, err := crash.Drain(context.Background()); !errors.Is(err, errCrash) {
					t.Fatalf("crashing Drain() = %v, want %v", err, errCrash)
				}
				<-s.started
				h.clock.Advance(testLease + time.Second)
				wantHistory = []string{"effect", "release", "step", "complete"}
			}
			store := &slowClaim{Store: h.store, claiming: make(chan struct{}, 1), answer: make(chan struct{})}
			w := runtime.NewWorker(store, runtime.WorkerOptions{Lease: testLease, Logger: quiet()})
			register(t, w, wf)
			ctx, stop := context.WithCancel(context.Background())
			ran := make(chan error, 1)
			go func() { ran <- w.Run(ctx) }()
			<-store.claiming
			stop()
			close(store.answer)
			if err := <-ran; err != nil {
				t.Fatalf("Run() = %v, want nil", err)
			}
			if inst := h.get("k"); inst.Status != runtime.StatusReady || inst.Owner != "" {
				t.Fatalf("after the shutdown: status %s, owner %q; want ready, no owner (handed back)", inst.Status, inst.Owner)
			}
			mustDrain(t, h.worker, 1)
			if out, err := hd.Result(context.Background()); out != "done" || err != nil {
				t.Fatalf("Result() = %q, %v, want done, nil", out, err)
			}
			if got := h.kinds("k"); !slices.Equal(got, wantHistory) {
				t.Errorf("history = %v, want %v", got, wantHistory)
			}
			if keys := s.attempts(); slices.ContainsFunc(keys, func(k string) bool { return k != keys[0] }) {
				t.Errorf("step keys = %v, want one key for every attempt", keys)
			}
		})
	}
}
