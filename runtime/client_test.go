package runtime_test

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

func TestStartDuplicate(t *testing.T) {
	wf := napWorkflow(0)
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	ctx := context.Background()
	first := mustStart(t, h.client, wf, "dup", 1)
	again := mustStart(t, h.client, wf, "dup", 100)
	if again.ID() != first.ID() {
		t.Errorf("Start(dup) again = handle %s, want %s", again.ID(), first.ID())
	}
	if _, err := runtime.Start(ctx, h.client, helloWorkflow(), "dup", "x"); !errors.Is(err, runtime.ErrAlreadyStarted) {
		t.Errorf("Start(dup) of another workflow = %v, want %v", err, runtime.ErrAlreadyStarted)
	}
	mustDrain(t, h.worker, 1)
	if out, err := again.Result(ctx); out != 2 || err != nil {
		t.Errorf("Result() = %d, %v, want 2 (the first input), nil", out, err)
	}
	if _, err := runtime.Start(ctx, h.client, wf, "", 1); err == nil {
		t.Errorf("Start(empty ID) = nil, want an error")
	}
}

// TestKnownErrors checks that errors.Is survives the store for the
// errors the worker and the client know, and only for those.
func TestKnownErrors(t *testing.T) {
	tests := []struct {
		name        string
		workerKnows bool
		clientKnows bool
		want        bool
	}{
		{"both know", true, true, true},
		{"client does not know", true, false, false},
		{"worker does not know", false, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &bank{}
			wf := transferWorkflow(b)
			store := memstore.New()
			opts := runtime.WorkerOptions{Logger: quiet()}
			if tc.workerKnows {
				opts.Errors = []error{errFlaky, errInsufficientFunds}
			}
			w := runtime.NewWorker(store, opts)
			if err := w.Register(wf); err != nil {
				t.Fatalf("Register() = %v, want nil", err)
			}
			var copts []runtime.ClientOption
			if tc.clientKnows {
				copts = append(copts, runtime.WithErrors(errInsufficientFunds))
			}
			c := runtime.NewClient(store, copts...)
			hd := mustStart(t, c, wf, "t", TransferRequest{From: "alice", Amount: -5})
			mustDrain(t, w, 1)
			_, err := hd.Result(context.Background())
			if got := errors.Is(err, errInsufficientFunds); got != tc.want {
				t.Errorf("errors.Is(%v, errInsufficientFunds) = %v, want %v", err, got, tc.want)
			}
			if err == nil || err.Error() != "charge alice: insufficient funds" {
				t.Errorf("Result() error = %v, want the step's message", err)
			}
		})
	}
}

func TestClientErrors(t *testing.T) {
	wf := helloWorkflow()
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"signal missing", func() error { return h.client.Signal(ctx, "missing", "hello", "x") }, runtime.ErrNotFound},
		{"cancel missing", func() error { return h.client.Cancel(ctx, "missing", "x") }, runtime.ErrNotFound},
		{"get missing", func() error { _, err := h.client.Get(ctx, "missing"); return err }, runtime.ErrNotFound},
		{"history missing", func() error { _, err := h.client.History(ctx, "missing"); return err }, runtime.ErrNotFound},
		{"result missing", func() error { _, err := runtime.Attach[string](h.client, "missing").Result(ctx); return err }, runtime.ErrNotFound},
		{"unencodable payload", func() error { return h.client.Signal(ctx, "missing", "hello", func() {}) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("%s = %v, want an error matching %v", tc.name, err, tc.want)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	wf := helloWorkflow()
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	ctx := context.Background()
	hd := mustStart(t, h.client, wf, "c", "")
	mustDrain(t, h.worker, 1)
	if err := h.client.Cancel(ctx, "c", "no longer needed"); err != nil {
		t.Fatalf("Cancel() = %v, want nil", err)
	}
	_, err := hd.Result(ctx)
	if !errors.Is(err, runtime.ErrCanceled) || err.Error() != "instance c: instance canceled: no longer needed" {
		t.Errorf("Result() = %v, want %v with the reason", err, runtime.ErrCanceled)
	}
	if err := h.client.Signal(ctx, "c", "hello", "late"); !errors.Is(err, runtime.ErrFinished) {
		t.Errorf("Signal(cancelled) = %v, want %v", err, runtime.ErrFinished)
	}
	mustDrain(t, h.worker, 0)
}

func TestResultStopsWithContext(t *testing.T) {
	wf := helloWorkflow()
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	hd := mustStart(t, h.client, wf, "w", "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := hd.Result(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Result() of a waiting instance = %v, want %v", err, context.DeadlineExceeded)
	}
}

// gobCodec is a Codec other than JSON.
type gobCodec struct{}

func (gobCodec) Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(v)
	return b.Bytes(), err
}

func (gobCodec) Unmarshal(data []byte, v any) error {
	return gob.NewDecoder(bytes.NewReader(data)).Decode(v)
}

func TestCodec(t *testing.T) {
	wf := helloWorkflow()
	store := memstore.New()
	w := runtime.NewWorker(store, runtime.WorkerOptions{Codec: gobCodec{}, Logger: quiet()})
	if err := w.Register(wf); err != nil {
		t.Fatalf("Register() = %v, want nil", err)
	}
	c := runtime.NewClient(store, runtime.WithCodec(gobCodec{}))
	ctx := context.Background()
	hd := mustStart(t, c, wf, "g", "")
	if err := c.Signal(ctx, "g", "hello", "über"); err != nil {
		t.Fatalf("Signal() = %v, want nil", err)
	}
	mustDrain(t, w, 2)
	if out, err := hd.Result(ctx); out != "über" || err != nil {
		t.Errorf("Result() = %q, %v, want über, nil", out, err)
	}
	inst, err := c.Get(ctx, "g")
	if err != nil {
		t.Fatalf("Get() = %v, want nil", err)
	}
	var raw string
	if err := (gobCodec{}).Unmarshal(inst.Output, &raw); err != nil || raw != "über" {
		t.Errorf("stored output = %q (%v), want it gob-encoded", inst.Output, err)
	}
}

func ExampleStart() {
	store := memstore.New()
	wf := napWorkflow(0)
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet()})
	if err := w.Register(wf); err != nil {
		panic(err)
	}
	ctx := context.Background()
	c := runtime.NewClient(store)
	h, err := runtime.Start(ctx, c, wf, "nap-1", 41)
	if err != nil {
		panic(err)
	}
	if _, err := w.Drain(ctx); err != nil { // or: go w.Run(ctx)
		panic(err)
	}
	out, err := h.Result(ctx)
	fmt.Println(out, err)
	// Output: 42 <nil>
}

// sqlStateErr and sqliteErr stand for the errors of the PostgreSQL and
// SQLite drivers, which this package does not import (their own tests
// check the real errors).
type sqlStateErr string

func (e sqlStateErr) Error() string    { return "server error (SQLSTATE " + string(e) + ")" }
func (e sqlStateErr) SQLState() string { return string(e) }

type sqliteErr int

func (e sqliteErr) Error() string {
	return fmt.Sprintf("database is locked (%d) (SQLITE_BUSY)", int(e))
}
func (e sqliteErr) Code() int { return int(e) }

var (
	errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	errEOF     = fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF)
)

func TestIsTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"connection refused", fmt.Errorf("postgres: get x: %w", errRefused), true},
		{"connection reset", syscall.ECONNRESET, true},
		{"unexpected EOF", errEOF, true},
		{"cannot connect now", fmt.Errorf("wrapped: %w", sqlStateErr("57P03")), true},
		{"admin shutdown", sqlStateErr("57P01"), true},
		{"connection exception class", sqlStateErr("08006"), true},
		{"serialization failure", sqlStateErr("40001"), true},
		{"too many connections", sqlStateErr("53300"), true},
		{"unique violation", sqlStateErr("23505"), false},
		{"syntax error", sqlStateErr("42601"), false},
		{"sqlite busy", sqliteErr(5), true},
		{"sqlite busy snapshot", sqliteErr(5 | 2<<8), true},
		{"sqlite constraint", sqliteErr(19), false},
		{"bad connection", driver.ErrBadConn, true},
		{"canceled", context.Canceled, false},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"fenced", fmt.Errorf("checkpoint: %w", runtime.ErrFenced), false},
		{"not found", runtime.ErrNotFound, false},
		{"plain", errors.New("disk on fire"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := runtime.IsTransient(tc.err); got != tc.want {
				t.Errorf("IsTransient(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// failingGets is a store whose Get returns the errors queued in it
// before it answers again.
type failingGets struct {
	*memstore.Store
	mu   sync.Mutex
	errs []error
}

func (s *failingGets) Get(ctx context.Context, id string) (*runtime.Instance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return nil, err
	}
	return s.Store.Get(ctx, id)
}

// TestResultRidesOutTransientErrors checks that Result keeps waiting
// through the store errors a restarting database gives, and returns any
// other at once.
func TestResultRidesOutTransientErrors(t *testing.T) {
	tests := []struct {
		name    string
		errs    []error
		wantErr error // nil: the result
	}{
		{"restart", []error{errEOF, errRefused, sqlStateErr("57P03"), sqlStateErr("57P03"), errRefused}, nil},
		{"sqlite busy", []error{sqliteErr(5)}, nil},
		{"not transient", []error{errEOF, sqlStateErr("42P01")}, sqlStateErr("42P01")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wf := napWorkflow(0)
			store := &failingGets{Store: memstore.New()}
			w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet()})
			register(t, w, wf)
			c := runtime.NewClient(store)
			hd := mustStart(t, c, wf, "n", 1)
			mustDrain(t, w, 1)
			store.errs = tc.errs
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out, err := hd.Result(ctx)
			if tc.wantErr == nil && (out != 2 || err != nil) {
				t.Errorf("Result() = %d, %v, want 2, nil", out, err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("Result() = %d, %v, want %v", out, err, tc.wantErr)
			}
		})
	}
}
