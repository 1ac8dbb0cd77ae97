package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// ledger records the effects of a workflow's steps by their key.
type ledger struct {
	mu   sync.Mutex
	runs map[string]int
}

func newLedger() *ledger { return &ledger{runs: map[string]int{}} }

func (l *ledger) record(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs[key]++
}

// again returns the keys that ran more than once.
func (l *ledger) again() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for k, n := range l.runs {
		if n > 1 {
			out[k] = n
		}
	}
	return out
}

func (l *ledger) count(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.runs[key]
}

// effectsWorkflow makes n checkpoints, each an effect of kind "step" (a
// step), "all" (a durable.Go future run by durable.All) or "effect" (a
// durable.SideEffect), recorded in led by step key (by instance and
// checkpoint for a side effect), and returns n.
func effectsWorkflow(kind string, n int, led *ledger) *durable.Workflow[int, int] {
	sites := make([]runtime.Site, n)
	for i := range sites {
		sites[i] = runtime.Site{ID: i + 1, Kind: "step", Name: fmt.Sprintf("E%d", i), Pos: "effects.go:1:1"}
	}
	step := func(ctx context.Context) (int, error) {
		led.record(durable.StepKey(ctx))
		return 1, nil
	}
	return durable.NewWorkflow[int, int]("example.com/effects."+kind, "v1", func() any {
		return &funcFrame[int]{run: func(x *runtime.Exec, f *funcFrame[int]) error {
			for f.pc < n {
				s := &sites[f.pc]
				switch kind {
				case "step":
					f.err = runtime.CallErr(x, s, func(ctx context.Context) error { _, err := step(ctx); return err })
				case "all":
					f.err = runtime.All(x, s, durable.Go(x.Context(), s.Name, step))
				case "effect":
					pc := f.pc
					runtime.SideEffect(x, s, func() int { led.record(fmt.Sprintf("%s@%d", x.Context().InstanceID(), pc)); return 0 })
				}
				if err := x.Commit(&f.pc, f.pc+1); err != nil {
					return err
				}
			}
			return runtime.Return(x, n, f.err)
		}}
	})
}

// pausing is a store whose process can be paused, as SIGSTOP does, at a
// given call: the call reaches the store and its effect is committed, but
// its caller gets the answer only when the test resumes the process;
// heartbeats sent meanwhile wait too.
type pausing struct {
	runtime.Store
	pauseClaim bool  // pause after the first claim
	pauseSeq   int64 // pause after the checkpoint with this sequence

	once    sync.Once
	paused  chan struct{} // closed when the pause starts
	resumed chan struct{} // closed by resume
}

func newPausing(s runtime.Store) *pausing {
	return &pausing{Store: s, paused: make(chan struct{}), resumed: make(chan struct{})}
}

func (p *pausing) pause() {
	p.once.Do(func() { close(p.paused) })
	<-p.resumed
}

func (p *pausing) isPaused() bool {
	select {
	case <-p.paused:
		select {
		case <-p.resumed:
			return false
		default:
			return true
		}
	default:
		return false
	}
}

func (p *pausing) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	insts, err := p.Store.Claim(ctx, req)
	if p.pauseClaim && len(insts) > 0 {
		p.pause()
	}
	return insts, err
}

func (p *pausing) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	err := p.Store.Checkpoint(ctx, cp)
	if err == nil && cp.Seq == p.pauseSeq {
		p.pause()
	}
	return err
}

func (p *pausing) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	if p.isPaused() {
		<-p.resumed
	}
	return p.Store.Heartbeat(ctx, id, epoch, lease)
}

// TestStoppedWorkerStartsNoCommittedStep stops a worker past its lease
// while a claim or a commit it sent is in flight: the call lands, another
// worker takes the instance over and runs it to its end, and then the
// stopped worker gets its answer. It must not start another effect on the
// lease it can no longer prove it holds; it stops, fenced.
func TestStoppedWorkerStartsNoCommittedStep(t *testing.T) {
	const lease = 60 * time.Millisecond
	for _, kind := range []string{"step", "all", "effect"} {
		for _, inFlight := range []string{"claim", "commit"} {
			t.Run(kind+"/"+inFlight, func(t *testing.T) {
				led := newLedger()
				wf := effectsWorkflow(kind, 3, led)
				clock := newFakeClock()
				mem := memstore.NewWithClock(clock.Now)
				store := newPausing(mem)
				if inFlight == "claim" {
					store.pauseClaim = true
				} else {
					store.pauseSeq = 1
				}
				first := runtime.NewWorker(store, runtime.WorkerOptions{Lease: lease, Owner: "first", Logger: quiet()})
				second := runtime.NewWorker(mem, runtime.WorkerOptions{Lease: lease, Owner: "second", Logger: quiet()})
				register(t, first, wf)
				register(t, second, wf)
				hd := mustStart(t, runtime.NewClient(mem), wf, "e", 0)

				drained := make(chan error, 1)
				go func() {
					_, err := first.Drain(context.Background())
					drained <- err
				}()
				<-store.paused
				clock.Advance(time.Minute) // the store lets the first lease expire
				mustDrain(t, second, 1)
				if out, err := hd.Result(context.Background()); out != 3 || err != nil {
					t.Fatalf("Result() = %d, %v, want 3, nil", out, err)
				}
				time.Sleep(2 * lease) // the stopped worker's own count of its lease runs out too
				close(store.resumed)
				if err := <-drained; !errors.Is(err, runtime.ErrFenced) {
					t.Errorf("stopped worker's Drain() = %v, want %v", err, runtime.ErrFenced)
				}
				if again := led.again(); len(again) > 0 {
					t.Errorf("effects run again after their checkpoint committed: %v", again)
				}
			})
		}
	}
}
