package runtime_test

// Hand-written machines in the exact shape durablegen emits, with the
// helpers the tests share: a fake clock, a record of every step
// execution, and a driver that runs an instance to its end.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

var errInsufficientFunds = errors.New("insufficient funds")

// fakeClock is the store clock of a test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// effect is one execution of a step.
type effect struct {
	Key  string // durable.StepKey
	Step string
	Arg  string
}

// bank is the dependency of the transfer workflow: it records every step
// execution.
type bank struct {
	poll time.Duration // durable sleep between two polls; default 30m

	mu      sync.Mutex
	effects []effect
}

func (b *bank) pollInterval() time.Duration {
	if b.poll == 0 {
		return 30 * time.Minute
	}
	return b.poll
}

func (b *bank) record(ctx context.Context, step, arg string) string {
	key := durable.StepKey(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.effects = append(b.effects, effect{Key: key, Step: step, Arg: arg})
	return key
}

// dedup returns the first execution of every step key, in order.
func (b *bank) dedup() []effect {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []effect
	seen := map[string]bool{}
	for _, e := range b.effects {
		if !seen[e.Key] {
			seen[e.Key] = true
			out = append(out, e)
		}
	}
	return out
}

// runs returns how many times each step key ran.
func (b *bank) runs() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := map[string]int{}
	for _, e := range b.effects {
		n[e.Key]++
	}
	return n
}

func (b *bank) Charge(ctx context.Context, from string, cents int64, idem string) (string, error) {
	b.record(ctx, "Charge", fmt.Sprintf("%s %d %s", from, cents, idem))
	if cents <= 0 {
		return "", durable.Permanent(fmt.Errorf("charge %s: %w", from, errInsufficientFunds))
	}
	return "ch-" + idem[:8], nil
}

func (b *bank) PollStatus(ctx context.Context, charge string, n int) (bool, error) {
	b.record(ctx, "PollStatus", fmt.Sprintf("%s %d", charge, n))
	return n >= 2, nil
}

func (b *bank) Credit(ctx context.Context, to string, cents int64) (string, error) {
	key := b.record(ctx, "Credit", fmt.Sprintf("%s %d", to, cents))
	return "cr-" + key, nil
}

type TransferRequest struct {
	From, To string
	Amount   int64
}

type Approval struct {
	By string
	OK bool
}

type Receipt struct {
	Charge, Credit string
	Polls          int
	Approver       string
	Ref, Nonce     string // durable.UUID before and after the first checkpoint
	At             time.Time
}

var (
	siteCharge   = runtime.Site{ID: 1, Kind: "step", Name: "Charge", Pos: "transfer.go:12:3", Policy: durable.Policy{MaxAttempts: 3, InitialInterval: time.Millisecond}}
	sitePoll     = runtime.Site{ID: 3, Kind: "step", Name: "PollStatus", Pos: "transfer.go:17:3", Policy: durable.Policy{InitialInterval: time.Millisecond}}
	siteSleep    = runtime.Site{ID: 4, Kind: "sleep", Name: "Sleep", Pos: "transfer.go:22:3"}
	siteApproval = runtime.Site{ID: 7, Kind: "await", Name: "approval", Pos: "transfer.go:27:3"}
	siteCredit   = runtime.Site{ID: 9, Kind: "step", Name: "Credit", Pos: "transfer.go:33:3", Policy: durable.Policy{InitialInterval: time.Millisecond}}
	siteNow      = runtime.Site{ID: 10, Kind: "now", Name: "Now", Pos: "transfer.go:37:3"}
)

// transferFrame is the machine of:
//
//	func (b *bank) Transfer(ctx durable.Context, in TransferRequest) (Receipt, error) {
//		key := durable.IdempotencyKey(ctx)
//		ref := durable.UUID(ctx)
//		charge, err := b.Charge(ctx, in.From, in.Amount, key)
//		if err != nil {
//			return Receipt{}, err
//		}
//		nonce := durable.UUID(ctx)
//		polls := 0
//		for {
//			settled, err := b.PollStatus(ctx, charge, polls)
//			if err != nil {
//				return Receipt{}, err
//			}
//			if settled {
//				break
//			}
//			polls++
//			if err := durable.Sleep(ctx, b.pollInterval()); err != nil {
//				return Receipt{}, err
//			}
//		}
//		var approval Approval
//		if in.Amount > 1000 {
//			approval, err = durable.Await[Approval](ctx, "approval")
//			if err != nil {
//				return Receipt{}, err
//			}
//			if !approval.OK {
//				return Receipt{}, durable.Permanent(errors.New("rejected by " + approval.By))
//			}
//		}
//		credit, err := b.Credit(ctx, in.To, in.Amount)
//		if err != nil {
//			return Receipt{}, err
//		}
//		at := durable.Now(ctx)
//		return Receipt{charge, credit, polls, approval.By, ref, nonce, at}, nil
//	}
type transferFrame struct {
	b *bank // the receiver: supplied at registration, never serialized

	pc       int
	in       TransferRequest
	key      string
	ref      string
	nonce    string
	charge   string
	polls    int
	settled  bool
	approval Approval
	credit   string
	at       time.Time
	err      error
}

func (f *transferFrame) SetInput(in TransferRequest) { f.in = in }

func (f *transferFrame) MarshalFrame(e *runtime.Encoder) {
	e.Int("pc", int64(f.pc))
	runtime.Field(e, "in", f.in)
	runtime.Field(e, "key", f.key)
	runtime.Field(e, "ref", f.ref)
	runtime.Field(e, "nonce", f.nonce)
	runtime.Field(e, "charge", f.charge)
	runtime.Field(e, "polls", f.polls)
	runtime.Field(e, "settled", f.settled)
	runtime.Field(e, "approval", f.approval)
	runtime.Field(e, "credit", f.credit)
	runtime.Field(e, "at", f.at)
	e.Error("err", f.err)
}

func (f *transferFrame) UnmarshalFrame(d *runtime.Decoder) error {
	for d.Next() {
		switch d.Key() {
		case "pc":
			f.pc = int(d.Int())
		case "in":
			runtime.Value(d, &f.in)
		case "key":
			runtime.Value(d, &f.key)
		case "ref":
			runtime.Value(d, &f.ref)
		case "nonce":
			runtime.Value(d, &f.nonce)
		case "charge":
			runtime.Value(d, &f.charge)
		case "polls":
			runtime.Value(d, &f.polls)
		case "settled":
			runtime.Value(d, &f.settled)
		case "approval":
			runtime.Value(d, &f.approval)
		case "credit":
			runtime.Value(d, &f.credit)
		case "at":
			runtime.Value(d, &f.at)
		case "err":
			f.err = d.Error()
		}
	}
	return d.Err()
}

func (f *transferFrame) Run(x *runtime.Exec) error {
	for {
		switch f.pc {
		case 0:
			f.key = durable.IdempotencyKey(x.Context())
			f.ref = durable.UUID(x.Context())
			f.pc = 1
		case 1:
			f.charge, f.err = runtime.Call(x, &siteCharge, func(ctx context.Context) (string, error) {
				return f.b.Charge(ctx, f.in.From, f.in.Amount, f.key)
			})
			if err := x.Commit(&f.pc, 2); err != nil {
				return err
			}
		case 2:
			if f.err != nil {
				return runtime.Return(x, Receipt{}, f.err)
			}
			f.nonce = durable.UUID(x.Context())
			f.polls = 0
			f.pc = 3
		case 3:
			f.settled, f.err = runtime.Call(x, &sitePoll, func(ctx context.Context) (bool, error) {
				return f.b.PollStatus(ctx, f.charge, f.polls)
			})
			if err := x.Commit(&f.pc, 4); err != nil {
				return err
			}
		case 4:
			if f.err != nil {
				return runtime.Return(x, Receipt{}, f.err)
			}
			if f.settled {
				f.pc = 6
				continue
			}
			f.polls++
			f.err = runtime.Sleep(x, &siteSleep, f.b.pollInterval())
			if err := x.Commit(&f.pc, 5); err != nil {
				return err
			}
		case 5:
			if f.err != nil {
				return runtime.Return(x, Receipt{}, f.err)
			}
			f.pc = 3
		case 6:
			f.approval = Approval{}
			if f.in.Amount > 1000 {
				f.pc = 7
			} else {
				f.pc = 9
			}
		case 7:
			f.approval, f.err = runtime.Await[Approval](x, &siteApproval)
			if err := x.Commit(&f.pc, 8); err != nil {
				return err
			}
		case 8:
			if f.err != nil {
				return runtime.Return(x, Receipt{}, f.err)
			}
			if !f.approval.OK {
				return runtime.Return(x, Receipt{}, durable.Permanent(errors.New("rejected by "+f.approval.By)))
			}
			f.pc = 9
		case 9:
			f.credit, f.err = runtime.Call(x, &siteCredit, func(ctx context.Context) (string, error) {
				return f.b.Credit(ctx, f.in.To, f.in.Amount)
			})
			if err := x.Commit(&f.pc, 10); err != nil {
				return err
			}
		case 10:
			if f.err != nil {
				return runtime.Return(x, Receipt{}, f.err)
			}
			f.at = runtime.Now(x, &siteNow)
			if err := x.Commit(&f.pc, 11); err != nil {
				return err
			}
		case 11:
			return runtime.Return(x, Receipt{f.charge, f.credit, f.polls, f.approval.By, f.ref, f.nonce, f.at}, nil)
		}
	}
}

func transferWorkflow(b *bank) *durable.Workflow[TransferRequest, Receipt] {
	return durable.NewWorkflow[TransferRequest, Receipt]("example.com/payments.Transfer", "v1", func() any { return &transferFrame{b: b} })
}

// stepEnv is the dependency of the one-step workflow: the step's body and
// the policy it runs under.
type stepEnv struct {
	policy durable.Policy
	step   func(ctx context.Context) (string, error)
}

var siteOne = runtime.Site{ID: 1, Kind: "step", Name: "One", Pos: "one.go:5:2"}

// oneFrame is the machine of a workflow that runs one step and returns
// its result:
//
//	func (e *stepEnv) One(ctx durable.Context, in string) (string, error) {
//		return durable.Do(ctx, "One", e.step, durable.WithPolicy(e.policy))
//	}
type oneFrame struct {
	env *stepEnv

	pc  int
	in  string
	out string
	err error
}

func (f *oneFrame) SetInput(in string) { f.in = in }

func (f *oneFrame) MarshalFrame(e *runtime.Encoder) {
	e.Int("pc", int64(f.pc))
	runtime.Field(e, "in", f.in)
	runtime.Field(e, "out", f.out)
	e.Error("err", f.err)
}

func (f *oneFrame) UnmarshalFrame(d *runtime.Decoder) error {
	for d.Next() {
		switch d.Key() {
		case "pc":
			f.pc = int(d.Int())
		case "in":
			runtime.Value(d, &f.in)
		case "out":
			runtime.Value(d, &f.out)
		case "err":
			runtime.Value(d, &f.err)
		}
	}
	return d.Err()
}

func (f *oneFrame) Run(x *runtime.Exec) error {
	for {
		switch f.pc {
		case 0:
			f.out, f.err = runtime.Call(x, &siteOne, f.env.step, durable.WithPolicy(f.env.policy))
			if err := x.Commit(&f.pc, 1); err != nil {
				return err
			}
		case 1:
			return runtime.Return(x, f.out, f.err)
		}
	}
}

func oneWorkflow(env *stepEnv) *durable.Workflow[string, string] {
	return durable.NewWorkflow[string, string]("example.com/one.One", "v1", func() any { return &oneFrame{env: env} })
}

// harness is a memstore on a fake clock with a client and a worker.
type harness struct {
	t      *testing.T
	clock  *fakeClock
	store  *memstore.Store
	client *runtime.Client
	worker *runtime.Worker
}

const testLease = time.Minute

func newHarness(t *testing.T, opts runtime.WorkerOptions, defs ...durable.Definition) *harness {
	t.Helper()
	clock := newFakeClock()
	store := memstore.NewWithClock(clock.Now)
	if opts.Lease == 0 {
		opts.Lease = testLease
	}
	opts.Errors = append(opts.Errors, errInsufficientFunds)
	if opts.Logger == nil {
		opts.Logger = quiet()
	}
	w := runtime.NewWorker(store, opts)
	for _, d := range defs {
		if err := w.Register(d); err != nil {
			t.Fatalf("Register(%s) = %v, want nil", d.Name(), err)
		}
	}
	return &harness{t: t, clock: clock, store: store, client: runtime.NewClient(store, runtime.WithErrors(errInsufficientFunds)), worker: w}
}

var errCrash = errors.New("simulated crash")

// quiet returns a logger that discards everything.
func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// drive runs instance id to its end with Drain: it lets leases of crashed
// runs expire, fires due timers and approves the transfer when it waits.
// It returns how many runs crashed.
func (h *harness) drive(id string) (crashes int) {
	h.t.Helper()
	ctx := context.Background()
	for range 100 {
		_, err := h.worker.Drain(ctx)
		switch {
		case errors.Is(err, errCrash):
			crashes++
		case err != nil:
			h.t.Fatalf("Drain() = %v, want nil", err)
		}
		inst, err := h.client.Get(ctx, id)
		if err != nil {
			h.t.Fatalf("Get(%s) = %v, want nil", id, err)
		}
		switch inst.Status {
		case runtime.StatusCompleted, runtime.StatusFailed, runtime.StatusCanceled:
			return crashes
		case runtime.StatusRunning: // crashed: its lease is still held
			h.clock.Advance(testLease + time.Second)
		case runtime.StatusSleeping:
			h.clock.Advance(inst.WakeAt.Sub(h.clock.Now()) + time.Millisecond)
		case runtime.StatusWaiting:
			if err := h.client.Signal(ctx, id, "approval", Approval{By: "ann", OK: true}); err != nil {
				h.t.Fatalf("Signal(%s) = %v, want nil", id, err)
			}
		default:
			h.t.Fatalf("after Drain, instance %s is %s", id, inst.Status)
		}
	}
	h.t.Fatalf("instance %s did not finish in 100 drains", id)
	return crashes
}

// kinds returns the kinds of the history of id.
func (h *harness) kinds(id string) []string {
	h.t.Helper()
	evs, err := h.client.History(context.Background(), id)
	if err != nil {
		h.t.Fatalf("History(%s) = %v, want nil", id, err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Kind)
	}
	return out
}

func (h *harness) get(id string) *runtime.Instance {
	h.t.Helper()
	inst, err := h.client.Get(context.Background(), id)
	if err != nil {
		h.t.Fatalf("Get(%s) = %v, want nil", id, err)
	}
	return inst
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
