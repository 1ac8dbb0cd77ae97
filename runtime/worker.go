package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/durablegen/durable"
)

// WorkerOptions configures a [Worker]. The zero value of every field
// means its default.
type WorkerOptions struct {
	// Concurrency bounds the instances run at once; default 16.
	Concurrency int
	// Lease is how long a claim lasts without a heartbeat; default 30s.
	// Running instances are heartbeated every Lease/3. An instance whose
	// worker died is taken over by another once its lease expires.
	Lease time.Duration
	// PollInterval is the wait between claims when nothing is runnable;
	// default 50ms. Stores that implement [WorkWaiter] wake the worker
	// earlier.
	PollInterval time.Duration
	// MaxInlineBackoff is the longest wait before a step retry that is
	// spent in the worker; a longer one suspends the instance like a
	// sleep. Default 5s.
	MaxInlineBackoff time.Duration
	// ShutdownTimeout is how long in-flight runs may continue after the
	// context of [Worker.Run] is cancelled before they are cancelled too;
	// default 10s.
	ShutdownTimeout time.Duration
	// MaxAbortedRuns is how many runs of an instance in a row may end
	// without committing anything (see [Instance].Aborted: the worker died,
	// was stopped or cut off, or the store refused its commit) before the
	// next claim fails the instance instead of running it again, so that
	// an instance that kills its worker, or that no store accepts, does
	// not take workers down forever; default 3. The last of those runs, if
	// the store refused its commit, fails the instance with that error. A
	// failed instance is retried with [Client.Retry]. Negative: never.
	MaxAbortedRuns int
	// MaxPayload bounds, in bytes, the frames and workflow outputs the
	// worker stores and the inputs of the child workflows it starts; a
	// workflow that makes a larger one fails with [ErrTooLarge]. A claimed
	// instance whose stored frame is larger fails without being decoded,
	// so that one instance costs the worker a bounded amount of memory.
	// Default (0 or less) [DefaultMaxPayload], the clients' default: raise
	// it together with theirs ([WithMaxPayload]).
	MaxPayload int
	// Owner names this worker in leases; default hostname-pid-random.
	Owner string
	// Logger receives the worker's logs; default slog.Default().
	Logger *slog.Logger
	// Errors lists sentinel errors that keep their identity after they
	// cross a checkpoint (a step's error stored in the frame, a workflow's
	// error read by a client): an error that is one of them comes back as
	// that value, one that wraps them as a *durable.Error that errors.Is
	// matches them with. The known errors of registered workflows (listed
	// by durablegen) are added to them.
	Errors []error
	// ErrorTypes lists error types whose values keep their type and
	// fields across a checkpoint (see [durable.ErrorType]), in addition to
	// those of registered workflows.
	ErrorTypes []durable.ErrorType
	// Codec encodes outputs, signal payloads and event details; default
	// JSON. Clients of the same store must use the same codec.
	Codec Codec
	// Hooks are crash-testing hooks; leave them empty in production.
	Hooks Hooks
	// Now, if set, is the durable clock of runs (durable.Now, the start
	// of sleeps, deadlines and retry backoffs, event times). By default it
	// is the store's clock at the claim plus the time elapsed since; a
	// test on a fake clock gives the store's, so that durable time moves
	// only when the test moves it and runs are repeatable.
	Now func() time.Time
}

func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 50 * time.Millisecond
	}
	if o.MaxInlineBackoff <= 0 {
		o.MaxInlineBackoff = 5 * time.Second
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 10 * time.Second
	}
	if o.MaxAbortedRuns == 0 {
		o.MaxAbortedRuns = 3
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	if o.Owner == "" {
		o.Owner = defaultOwner()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Codec == nil {
		o.Codec = JSONCodec{}
	}
	return o
}

func defaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "worker"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Worker claims runnable instances of its registered workflows from a
// store and runs them.
type Worker struct {
	store Store
	opts  WorkerOptions
	cfg   execConfig

	mu      sync.Mutex
	defs    map[string]durable.Definition // by workflow@version
	resumed map[string]bool               // keys registered for a definition that resumes their layout
	known   knownErrors                   // the options' and the registered workflows'
	running atomic.Bool
}

// NewWorker returns a worker for store; register workflows, then call
// [Worker.Run].
func NewWorker(store Store, opts WorkerOptions) *Worker {
	opts = opts.withDefaults()
	return &Worker{
		store: store,
		opts:  opts,
		cfg: execConfig{
			codec:            opts.Codec,
			hooks:            opts.Hooks,
			maxInlineBackoff: opts.MaxInlineBackoff,
			maxAborted:       opts.MaxAbortedRuns,
			maxPayload:       opts.MaxPayload,
			logger:           opts.Logger,
			now:              opts.Now,
		},
		defs:    make(map[string]durable.Definition),
		resumed: make(map[string]bool),
		known:   knownErrors{}.with(opts.Errors, opts.ErrorTypes),
	}
}

// Register adds a workflow (a generated descriptor such as
// TransferWorkflow). The worker claims only instances of registered
// workflows at their registered version.
//
// The worker learns the workflow's known errors and error types (see
// [durable.Workflow.WithErrors]): they keep their identity in the frames
// and results of every workflow it runs, so the error a child returns
// still is its parent's sentinel. Register refuses a workflow whose known
// errors could not be told apart from those the worker has.
func (w *Worker) Register(def durable.Definition) error {
	key := def.Name() + "@" + def.Version()
	if _, ok := def.NewMachine().(Machine); !ok {
		return fmt.Errorf("register %s: its machine is not a runtime.Machine (regenerate it with durablegen)", key)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, dup := w.defs[key]; dup && !w.resumed[key] {
		return fmt.Errorf("register %s: already registered", key)
	}
	known := w.known.withDefinition(def)
	if err := known.check(); err != nil {
		return fmt.Errorf("register %s: %w", key, err)
	}
	w.defs[key] = def
	delete(w.resumed, key)
	w.known = known
	// The instances of the earlier layouts it resumes, unless the code of
	// such a layout is registered itself.
	if u, ok := def.NewMachine().(upgrader); ok {
		for _, fp := range u.Resumes() {
			k := def.Name() + "@" + fp
			if _, dup := w.defs[k]; !dup {
				w.defs[k] = def
				w.resumed[k] = true
			}
		}
	}
	return nil
}

// keys returns the registered workflow@version keys, sorted.
func (w *Worker) keys() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	keys := make([]string, 0, len(w.defs))
	for k := range w.defs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// definition returns the registered workflow of key and the errors the
// worker knows.
func (w *Worker) definition(key string) (durable.Definition, knownErrors, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	def, ok := w.defs[key]
	return def, w.known, ok
}

// Run claims and runs instances until ctx is cancelled. Store errors are
// logged and retried with backoff; they do not stop the worker. When ctx
// is cancelled it stops claiming (a claim in flight is not interrupted:
// what it claimed is handed back to the store at once), lets running
// instances reach their next checkpoint (where they are handed back) for
// up to ShutdownTimeout, then cancels the rest, hands them back too, and
// returns nil. A step that ignores its context's cancellation delays the
// return, and so does a commit retried while the store fails (for at most
// a lease).
func (w *Worker) Run(ctx context.Context) error {
	keys := w.keys()
	if len(keys) == 0 {
		return errors.New("run worker: no workflow registered")
	}
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("run worker: already running")
	}
	defer w.running.Store(false)

	runs, cancelRuns := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelRuns(nil)
	stopping := make(chan struct{})
	done := make(chan struct{}, w.opts.Concurrency)
	var wg sync.WaitGroup

	w.opts.Logger.Info("worker started", "owner", w.opts.Owner, "workflows", keys, "concurrency", w.opts.Concurrency)
	inflight := 0
	var retry time.Duration
	for ctx.Err() == nil {
		inflight -= drainDone(done)
		if inflight >= w.opts.Concurrency {
			select {
			case <-done:
				inflight--
			case <-ctx.Done():
			}
			continue
		}
		limit := w.opts.Concurrency - inflight
		claimed := time.Now()
		insts, err := w.claim(ctx, keys, limit)
		if err == nil && ctx.Err() != nil {
			// The worker began to stop while the claim was in flight: hand
			// back what it claimed at once rather than hold it for a lease.
			w.handBack(insts, claimed)
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			retry = min(max(2*retry, 50*time.Millisecond), 5*time.Second)
			w.opts.Logger.Warn("claim failed, retrying", "error", err, "backoff", retry)
			sleep(ctx, retry)
			continue
		}
		retry = 0
		for _, inst := range insts {
			inflight++
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := w.runInstance(runs, inst, claimed, stopping); err != nil {
					w.opts.Logger.Warn("run stopped", "instance", inst.ID, "error", err)
				}
				done <- struct{}{}
			}()
		}
		if len(insts) < limit {
			wait(ctx, w.store, w.opts.PollInterval)
		}
	}
	return w.shutdown(&wg, stopping, cancelRuns)
}

// claim claims up to limit instances of keys. The claim is not
// interrupted when ctx ends (a claim cut short may have committed, and its
// instances would be held for a lease by no one); it is bounded by the
// lease, after which what it claimed would be lost anyway.
func (w *Worker) claim(ctx context.Context, keys []string, limit int) ([]*Instance, error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.opts.Lease)
	defer cancel()
	return w.store.Claim(cctx, ClaimRequest{Owner: w.opts.Owner, Workflows: keys, Limit: limit, Lease: w.opts.Lease})
}

// handBack releases instances claimed at claimed without running them:
// they are runnable again at once, their frames unchanged but for the key
// of the step at their checkpoint, which they keep.
func (w *Worker) handBack(insts []*Instance, claimed time.Time) {
	for _, inst := range insts {
		_, known, _ := w.definition(inst.Key())
		x := newExec(context.Background(), w.store, &w.cfg, known, inst, newLease(claimed, w.opts.Lease), nil)
		if err := x.release(); err != nil {
			w.opts.Logger.Warn("could not hand back an instance claimed while stopping; it is taken over when its lease expires", "instance", inst.ID, "error", err)
			continue
		}
		w.opts.Logger.Debug("instance claimed while stopping handed back", "instance", inst.ID)
	}
}

// drainDone counts the runs that finished, without blocking.
func drainDone(done <-chan struct{}) int {
	n := 0
	for {
		select {
		case <-done:
			n++
		default:
			return n
		}
	}
}

var errShutdown = errors.New("worker shut down")

func (w *Worker) shutdown(wg *sync.WaitGroup, stopping chan struct{}, cancelRuns context.CancelCauseFunc) error {
	close(stopping)
	w.opts.Logger.Info("worker stopping: running instances hand over at their next checkpoint", "owner", w.opts.Owner, "timeout", w.opts.ShutdownTimeout)
	finished := make(chan struct{})
	go func() {
		wg.Wait()
		close(finished)
	}()
	t := time.NewTimer(w.opts.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-finished:
	case <-t.C:
		w.opts.Logger.Warn("shutdown timeout: cancelling running instances", "timeout", w.opts.ShutdownTimeout)
		cancelRuns(errShutdown)
		<-finished
	}
	w.opts.Logger.Info("worker stopped", "owner", w.opts.Owner)
	return nil
}

// Drain claims and runs instances one at a time, in the calling
// goroutine, until none is runnable right now, and returns how many runs
// it made. It is a deterministic driver for tests. Runs that stopped
// abnormally (a test hook's error, a store error, a lost lease) do not
// stop it; their errors are returned joined.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	keys := w.keys()
	if len(keys) == 0 {
		return 0, errors.New("drain worker: no workflow registered")
	}
	var errs []error
	n := 0
	for {
		claimed := time.Now()
		insts, err := w.store.Claim(ctx, ClaimRequest{Owner: w.opts.Owner, Workflows: keys, Limit: 1, Lease: w.opts.Lease})
		if err != nil {
			errs = append(errs, fmt.Errorf("claim: %w", err))
			return n, errors.Join(errs...)
		}
		if len(insts) == 0 {
			return n, errors.Join(errs...)
		}
		for _, inst := range insts {
			n++
			if err := w.runInstance(ctx, inst, claimed, nil); err != nil {
				errs = append(errs, err)
			}
		}
	}
}
