package postgres_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
	"github.com/durablegen/durable/runtime/storetest"
)

const dsnEnv = "DURABLE_POSTGRES_DSN"

// testDSN returns the DSN of the test database or skips the test.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL store tests", dsnEnv)
	}
	return dsn
}

// newSchema returns a fresh schema name and drops the schema when the test
// ends (after the stores opened later have been closed).
func newSchema(t testing.TB) string {
	t.Helper()
	dsn := testDSN(t)
	return newSchemaFunc(t, func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	})
}

// newSchemaFunc is newSchema dropping the schema with exec.
func newSchemaFunc(t testing.TB, exec func(ctx context.Context, sql string) error) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "dg_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		drop := "DROP SCHEMA IF EXISTS " + pgx.Identifier{schema}.Sanitize() + " CASCADE"
		if err := exec(context.Background(), drop); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// openStore opens a store on schema with dsn and closes it when the test
// ends.
func openStore(t testing.TB, dsn, schema string) *postgres.Store {
	t.Helper()
	s, err := postgres.New(context.Background(), postgres.Config{DSN: dsn, Schema: schema})
	if err != nil {
		t.Fatalf("postgres.New(schema %s) = %v", schema, err)
	}
	t.Cleanup(s.Close)
	return s
}

// newStore returns a store on a fresh schema.
func newStore(t testing.TB) *postgres.Store {
	t.Helper()
	return openStore(t, testDSN(t), newSchema(t))
}

// withAppName returns dsn with application_name set to name, so that the
// test can find its own backends in pg_stat_activity.
func withAppName(t testing.TB, dsn, name string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Skipf("%s is not a URL; the test needs one to set application_name", dsnEnv)
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// startRunning creates instance id of workflow id and claims it.
func startRunning(t testing.TB, s runtime.Store, id string) *runtime.Instance {
	t.Helper()
	ctx := context.Background()
	if _, _, err := s.Create(ctx, &runtime.Instance{ID: id, Workflow: id, Version: "v1", Frame: []byte(`{"pc":0}`)}); err != nil {
		t.Fatalf("Create(%s) = %v", id, err)
	}
	got, err := s.Claim(ctx, runtime.ClaimRequest{Owner: "w1", Workflows: []string{id + "@v1"}, Limit: 1, Lease: time.Minute})
	if err != nil || len(got) != 1 || got[0].ID != id {
		t.Fatalf("Claim() = %v, %v, want [%s]", got, err, id)
	}
	return got[0]
}

func TestMigrateConcurrentOpen(t *testing.T) {
	t.Parallel()
	dsn, schema := testDSN(t), newSchema(t)
	const openers = 5
	var wg sync.WaitGroup
	errs := make([]error, openers)
	for i := range openers {
		wg.Go(func() {
			s, err := postgres.New(context.Background(), postgres.Config{DSN: dsn, Schema: schema})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("New #%d = %v, want nil", i, err)
		}
	}
	s := openStore(t, dsn, schema) // reopening applies nothing
	want, err := postgres.MigrationCount()
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	q := "SELECT count(*) FROM " + pgx.Identifier{schema}.Sanitize() + ".schema_migrations"
	if err := s.Pool().QueryRow(context.Background(), q).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != want {
		t.Errorf("schema_migrations rows = %d, want %d", applied, want)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	tests := []struct {
		name string
		cfg  postgres.Config
	}{
		{"no DSN nor pool", postgres.Config{}},
		{"bad DSN", postgres.Config{DSN: "postgres://%zz"}},
		{"long schema", postgres.Config{DSN: dsn, Schema: string(bytes.Repeat([]byte("s"), 64))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := postgres.New(context.Background(), tt.cfg)
			if err == nil {
				s.Close()
				t.Errorf("New(%+v) = nil error, want an error", tt.cfg)
			}
		})
	}
}

func TestExistingPool(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	other, err := postgres.New(context.Background(), postgres.Config{Pool: s.Pool(), Schema: s.Schema()})
	if err != nil {
		t.Fatalf("New(Pool) = %v", err)
	}
	other.Close() // must not close the pool it was given
	if _, err := s.Get(context.Background(), "missing"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Get(missing) after closing a store on the same pool = %v, want ErrNotFound", err)
	}
}

func TestCheckpointLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	inst := startRunning(t, s, "a")
	if inst.Epoch != 1 || inst.Now.IsZero() || inst.LeaseUntil.Before(inst.Now) {
		t.Fatalf("Claim() = epoch %d now %v lease %v, want epoch 1 and a lease after now", inst.Epoch, inst.Now, inst.LeaseUntil)
	}
	steps := []struct {
		name    string
		cp      runtime.Checkpoint
		wantErr error
	}{
		{"step", runtime.Checkpoint{Seq: 1, Epoch: 1, Status: runtime.StatusRunning, Frame: []byte(`{"pc":1}`),
			Event: runtime.Event{Kind: "step", Name: "Charge", Site: 1, Attempts: 2, Detail: []byte(`"ok"`)}}, nil},
		{"duplicate seq", runtime.Checkpoint{Seq: 1, Epoch: 1, Status: runtime.StatusRunning,
			Event: runtime.Event{Kind: "step"}}, runtime.ErrDuplicateSeq},
		{"wrong epoch", runtime.Checkpoint{Seq: 2, Epoch: 7, Status: runtime.StatusRunning,
			Event: runtime.Event{Kind: "step"}}, runtime.ErrFenced},
		{"signal not pending", runtime.Checkpoint{Seq: 2, Epoch: 1, Status: runtime.StatusRunning, ConsumeSignal: 99,
			Event: runtime.Event{Kind: "await"}}, nil},
		{"complete", runtime.Checkpoint{Seq: 2, Epoch: 1, Status: runtime.StatusCompleted, Frame: []byte(`{"pc":2}`),
			Output: []byte{0, 1, 255}, Event: runtime.Event{Kind: "complete"}}, nil},
		{"after completion", runtime.Checkpoint{Seq: 3, Epoch: 1, Status: runtime.StatusRunning,
			Event: runtime.Event{Kind: "step"}}, runtime.ErrFenced},
	}
	for _, st := range steps {
		cp := st.cp
		cp.ID = "a"
		err := s.Checkpoint(ctx, &cp)
		switch {
		case st.name == "signal not pending":
			if err == nil || errors.Is(err, runtime.ErrFenced) {
				t.Errorf("Checkpoint(%s) = %v, want a signal error", st.name, err)
			}
		case !errors.Is(err, st.wantErr):
			t.Errorf("Checkpoint(%s) = %v, want %v", st.name, err, st.wantErr)
		}
	}
	got, err := s.Get(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != runtime.StatusCompleted || got.Seq != 2 || !bytes.Equal(got.Output, []byte{0, 1, 255}) ||
		got.Owner != "" || !got.LeaseUntil.IsZero() {
		t.Errorf("Get(a) = %+v, want completed at seq 2 with output and no lease", got)
	}
	events, err := s.History(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Kind != "step" || events[0].Name != "Charge" || events[0].Attempts != 2 ||
		events[0].Site != 1 || string(events[0].Detail) != `"ok"` || events[0].At.IsZero() || events[1].Kind != "complete" {
		t.Errorf("History(a) = %+v, want [step Charge, complete]", events)
	}
}

// TestSignalWaitingRace runs a waiting checkpoint and a matching signal
// concurrently: whichever commits first, the instance must end ready.
func TestSignalWaitingRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	for i := range 40 {
		id := fmt.Sprintf("race-%d", i)
		inst := startRunning(t, s, id)
		var wg sync.WaitGroup
		var cpErr, sigErr error
		wg.Go(func() {
			cpErr = s.Checkpoint(ctx, &runtime.Checkpoint{ID: id, Epoch: inst.Epoch, Seq: 1,
				Status: runtime.StatusWaiting, AwaitName: "go", Event: runtime.Event{Kind: "await", Name: "go"}})
		})
		wg.Go(func() { sigErr = s.Signal(ctx, id, "go", []byte("x")) })
		wg.Wait()
		if cpErr != nil || sigErr != nil {
			t.Fatalf("Checkpoint, Signal = %v, %v", cpErr, sigErr)
		}
		got, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != runtime.StatusReady {
			t.Fatalf("Get(%s).Status = %s after a concurrent signal, want ready", id, got.Status)
		}
	}
}

func TestSignalErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	inst := startRunning(t, s, "done")
	if err := s.Checkpoint(ctx, &runtime.Checkpoint{ID: "done", Epoch: inst.Epoch, Seq: 1,
		Status: runtime.StatusFailed, Error: "boom", Event: runtime.Event{Kind: "fail"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id   string
		want error
	}{
		{"missing", runtime.ErrNotFound},
		{"done", runtime.ErrFinished},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if err := s.Signal(ctx, tt.id, "x", nil); !errors.Is(err, tt.want) {
				t.Errorf("Signal(%s) = %v, want %v", tt.id, err, tt.want)
			}
		})
	}
}

// TestWaitForWorkNotify checks that a NOTIFY sent by another store (as if
// from another process) wakes WaitForWork.
func TestWaitForWorkNotify(t *testing.T) {
	t.Parallel()
	dsn, schema := testDSN(t), newSchema(t)
	waiter, sender := openStore(t, dsn, schema), openStore(t, dsn, schema)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for waiter.ListenSessions() == 0 && ctx.Err() == nil {
		waiter.WaitForWork(ctx, 10*time.Millisecond) // starts listening
	}
	waitNotified(ctx, t, waiter, func() error {
		_, _, err := sender.Create(ctx, &runtime.Instance{ID: "a", Workflow: "wf", Version: "v1"})
		return err
	})
}

// TestNotify checks which operations notify the schema's channel, with
// the instance ID as payload.
func TestNotify(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := newStore(t)
	conn, err := pgx.Connect(ctx, testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{postgres.Channel(s)}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	waiting := func(t *testing.T, id string) {
		inst := startRunning(t, s, id)
		if err := s.Checkpoint(ctx, &runtime.Checkpoint{ID: id, Epoch: inst.Epoch, Seq: 1,
			Status: runtime.StatusWaiting, AwaitName: "go", Event: runtime.Event{Kind: "await"}}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, id string)
		act   func(id string) error
	}{
		{"create", nil, func(id string) error {
			_, _, err := s.Create(ctx, &runtime.Instance{ID: id, Workflow: "wf", Version: "v1"})
			return err
		}},
		{"release", func(t *testing.T, id string) { startRunning(t, s, id) }, func(id string) error {
			return s.Checkpoint(ctx, &runtime.Checkpoint{ID: id, Epoch: 1, Seq: 1, Status: runtime.StatusSleeping,
				WakeAt: time.Now().Add(time.Hour), Event: runtime.Event{Kind: "sleep"}})
		}},
		{"signal", waiting, func(id string) error { return s.Signal(ctx, id, "go", nil) }},
		{"cancel", waiting, func(id string) error { return s.Cancel(ctx, id, "stop") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t, tt.name)
				// Drain the setup's notifications: the one we wait for
				// carries the same ID, so receive until the channel is idle.
				for {
					wctx, wcancel := context.WithTimeout(ctx, 50*time.Millisecond)
					_, err := conn.WaitForNotification(wctx)
					wcancel()
					if err != nil {
						break
					}
				}
			}
			if err := tt.act(tt.name); err != nil {
				t.Fatal(err)
			}
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				t.Fatalf("WaitForNotification after %s = %v", tt.name, err)
			}
			if n.Payload != tt.name {
				t.Errorf("notification payload = %q, want %q", n.Payload, tt.name)
			}
		})
	}
}

// waitNotified blocks in waiter.WaitForWork with a long timeout, runs act
// once it waits, and fails the test if the wait does not end before ctx.
func waitNotified(ctx context.Context, t *testing.T, waiter *postgres.Store, act func() error) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		waiter.WaitForWork(ctx, time.Hour)
	}()
	for waiter.Waiters() == 0 && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	if err := act(); err != nil {
		t.Fatal(err)
	}
	<-done
	if ctx.Err() != nil {
		t.Fatalf("WaitForWork did not return after a notification")
	}
}

// TestTerminateBackends kills every backend of a store, pool and LISTEN
// connection alike, and checks that the store recovers.
func TestTerminateBackends(t *testing.T) {
	t.Parallel()
	base, schema := testDSN(t), newSchema(t)
	dsn := withAppName(t, base, schema)
	s, sender := openStore(t, dsn, schema), openStore(t, base, schema)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for s.ListenSessions() == 0 && ctx.Err() == nil {
		s.WaitForWork(ctx, 10*time.Millisecond)
	}
	startRunning(t, s, "before")

	var killed int
	err := sender.Pool().QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid()`, schema).Scan(&killed)
	if err != nil {
		t.Fatal(err)
	}
	if killed < 2 {
		t.Fatalf("terminated %d backends, want at least 2 (pool and LISTEN)", killed)
	}

	// A call may fail once per broken pooled connection; the store must
	// then work again.
	ops := []struct {
		name string
		op   func() error
	}{
		{"create", func() error {
			_, _, err := s.Create(ctx, &runtime.Instance{ID: "after", Workflow: "wf", Version: "v1"})
			return err
		}},
		{"get", func() error { _, err := s.Get(ctx, "before"); return err }},
		{"checkpoint", func() error {
			err := s.Checkpoint(ctx, &runtime.Checkpoint{ID: "before", Epoch: 1, Seq: 1, Status: runtime.StatusRunning,
				Event: runtime.Event{Kind: "step"}})
			if errors.Is(err, runtime.ErrDuplicateSeq) {
				return nil // committed by an attempt whose reply was lost
			}
			return err
		}},
	}
	for _, o := range ops {
		var err error
		for range 4 {
			if err = o.op(); err == nil {
				break
			}
			if !runtime.IsTransient(err) {
				t.Errorf("%s after terminating backends = %v, which runtime.IsTransient does not retry", o.name, err)
			}
		}
		if err != nil {
			t.Errorf("%s after terminating backends = %v, want success within 4 attempts", o.name, err)
		}
	}
	for s.ListenSessions() < 2 && ctx.Err() == nil {
		s.WaitForWork(ctx, 10*time.Millisecond)
	}
	if ctx.Err() != nil {
		t.Fatalf("LISTEN connection did not reconnect")
	}
	waitNotified(ctx, t, s, func() error {
		_, _, err := sender.Create(ctx, &runtime.Instance{ID: "notify", Workflow: "wf", Version: "v1"})
		return err
	})
}

// TestRefusedIsTransient checks that the errors of a server that is not
// there, or not ready, are errors runtime.IsTransient retries.
func TestRefusedIsTransient(t *testing.T) {
	_, err := postgres.New(context.Background(), postgres.Config{DSN: "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5"})
	if err == nil || !runtime.IsTransient(err) {
		t.Errorf("New(closed port) = %v, want an error runtime.IsTransient accepts", err)
	}
	starting := fmt.Errorf("postgres: get x: %w", &pgconn.PgError{Severity: "FATAL", Code: "57P03", Message: "the database system is starting up"})
	if !runtime.IsTransient(starting) {
		t.Errorf("IsTransient(%v) = false, want true", starting)
	}
	if undefined := fmt.Errorf("postgres: get x: %w", &pgconn.PgError{Code: "42P01"}); runtime.IsTransient(undefined) {
		t.Errorf("IsTransient(%v) = true, want false", undefined)
	}
}

// sharedPool returns one pool for all the subtests of a suite, each of
// which gets a fresh schema, not a fresh set of connections, and a
// function that runs a statement on it.
func sharedPool(t *testing.T) (*pgxpool.Pool, func(ctx context.Context, sql string) error) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, func(ctx context.Context, sql string) error { _, err := pool.Exec(ctx, sql); return err }
}

func TestConformance(t *testing.T) {
	t.Parallel()
	pool, exec := sharedPool(t)
	storetest.Run(t, func(t *testing.T) runtime.Store {
		s, err := postgres.New(t.Context(), postgres.Config{Pool: pool, Schema: newSchemaFunc(t, exec)})
		if err != nil {
			t.Fatalf("postgres.New = %v", err)
		}
		t.Cleanup(s.Close)
		return s
	})
}

func TestBatchConformance(t *testing.T) {
	t.Parallel()
	pool, exec := sharedPool(t)
	storetest.RunBatch(t, func(t *testing.T) (runtime.Store, *storetest.Batching) {
		schema := newSchemaFunc(t, exec)
		open := func(t *testing.T) *postgres.Store {
			s, err := postgres.New(t.Context(), postgres.Config{Pool: pool, Schema: schema})
			if err != nil {
				t.Fatalf("postgres.New = %v", err)
			}
			t.Cleanup(s.Close)
			return s
		}
		s := open(t)
		b := postgres.Batching(t, s)
		b.Reopen = func(t *testing.T) runtime.Store { return open(t) }
		return s, b
	})
}

// TestBatchRefusedWrite commits a batch in which the server refuses one
// write (a failed instance's error that is not valid UTF-8): the others
// commit, and only that one fails.
func TestBatchRefusedWrite(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	b := postgres.Batching(t, s)
	ctx := t.Context()
	var cps []*runtime.Checkpoint
	for i := range 3 {
		id := fmt.Sprintf("order-%d", i)
		inst := startRunning(t, s, id)
		cp := &runtime.Checkpoint{ID: id, Epoch: inst.Epoch, Seq: 1, Frame: []byte("f1"), Status: runtime.StatusRunning,
			Event: runtime.Event{Kind: "step"}}
		if i == 1 {
			cp.Status, cp.Error, cp.Event.Kind = runtime.StatusFailed, "bad \xff byte", "fail"
		}
		cps = append(cps, cp)
	}
	held, release := b.Hold()
	go s.Create(ctx, &runtime.Instance{ID: "holder", Workflow: "wf", Version: "none"})
	<-held
	errs := make([]error, len(cps))
	var wg sync.WaitGroup
	for i, cp := range cps {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.Checkpoint(ctx, cp) }()
		for b.Queued() < i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	release()
	wg.Wait()
	if sizes := b.Sizes(); !slices.Contains(sizes, 3) {
		t.Fatalf("batch sizes = %v, want one of 3", sizes)
	}
	for i, err := range errs {
		if (err != nil) != (i == 1) {
			t.Errorf("Checkpoint(%s) in a batch error = %v, want an error only for order-1", cps[i].ID, err)
		}
		inst, gerr := s.Get(ctx, cps[i].ID)
		if gerr != nil {
			t.Fatal(gerr)
		}
		if want := int64(b2i(i != 1)); inst.Seq != want {
			t.Errorf("Get(%s).Seq = %d, want %d", cps[i].ID, inst.Seq, want)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestCheckpointEventText refuses events whose strings PostgreSQL text
// cannot hold before they are committed, so that none waits among the
// pending events of an instance to fail when the events move to history.
func TestCheckpointEventText(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	inst := startRunning(t, s, "order")
	for _, ev := range []runtime.Event{
		{Kind: "step", Name: "bad \xff name"},
		{Kind: "step", Error: "nul \x00 byte"},
		{Kind: "\xc3"},
	} {
		cp := &runtime.Checkpoint{ID: "order", Epoch: inst.Epoch, Seq: 1, Status: runtime.StatusRunning, Event: ev}
		if err := s.Checkpoint(ctx, cp); err == nil || !strings.Contains(err.Error(), "UTF-8") {
			t.Errorf("Checkpoint(event %+v) error = %v, want one about UTF-8", ev, err)
		}
	}
	for seq := int64(1); seq <= 9; seq++ {
		cp := &runtime.Checkpoint{ID: "order", Epoch: inst.Epoch, Seq: seq, Status: runtime.StatusRunning, Event: runtime.Event{Kind: "step", Name: "ok ✓"}}
		if err := s.Checkpoint(ctx, cp); err != nil {
			t.Fatalf("Checkpoint(seq %d) error = %v", seq, err)
		}
	}
	if evs, err := s.History(ctx, "order"); err != nil || len(evs) != 9 {
		t.Fatalf("History() = %d events, %v; want 9", len(evs), err)
	}
}

// TestBatchLargeFrames commits a batch of checkpoints whose frames add up
// to more than one pipelined batch carries: they commit in several
// transactions, every one of them.
func TestBatchLargeFrames(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	b := postgres.Batching(t, s)
	ctx := t.Context()
	frame := bytes.Repeat([]byte{7}, 3<<20)
	var cps []*runtime.Checkpoint
	for i := range 5 {
		inst := startRunning(t, s, fmt.Sprintf("big-%d", i))
		cps = append(cps, &runtime.Checkpoint{ID: inst.ID, Epoch: inst.Epoch, Seq: 1, Frame: frame,
			Status: runtime.StatusRunning, Event: runtime.Event{Kind: "step"}})
	}
	held, release := b.Hold()
	go s.Create(ctx, &runtime.Instance{ID: "holder", Workflow: "wf", Version: "none"})
	<-held
	errs := make([]error, len(cps))
	var wg sync.WaitGroup
	for i, cp := range cps {
		wg.Go(func() { errs[i] = s.Checkpoint(ctx, cp) })
		for b.Queued() < i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	release()
	wg.Wait()
	if sizes := b.Sizes(); !slices.Contains(sizes, len(cps)) {
		t.Fatalf("batch sizes = %v, want one of %d", sizes, len(cps))
	}
	for i, cp := range cps {
		if errs[i] != nil {
			t.Errorf("Checkpoint(%s) error = %v", cp.ID, errs[i])
			continue
		}
		if inst, err := s.Get(ctx, cp.ID); err != nil || inst.Seq != 1 || !bytes.Equal(inst.Frame, frame) {
			t.Errorf("Get(%s) = seq %d, %d bytes, %v; want 1 and the 3 MiB frame", cp.ID, inst.Seq, len(inst.Frame), err)
		}
	}
}

// TestConsumeNotBlamed: a checkpoint consuming a signal that changed no
// row because its lease had run out, renewed by a heartbeat before the
// store read the instance back, is fenced, not refused for the signal: a
// slow commit under load must not count as a refusal (three in a row
// failed a healthy instance in a long kill soak). A signal really
// consumed is still named.
func TestConsumeNotBlamed(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	inst := startRunning(t, s, "consume-1")
	if err := s.Checkpoint(ctx, &runtime.Checkpoint{ID: inst.ID, Epoch: inst.Epoch, Seq: 1, Frame: []byte(`{"pc":1}`),
		Status: runtime.StatusWaiting, AwaitName: "go", Event: runtime.Event{Seq: 1, Kind: "await", Name: "go"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Signal(ctx, inst.ID, "go", []byte(`true`)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Claim(ctx, runtime.ClaimRequest{Owner: "w2", Workflows: []string{"consume-1@v1"}, Limit: 1, Lease: time.Minute})
	if err != nil || len(got) != 1 || got[0].Signal == nil {
		t.Fatalf("Claim() = %v, %v; want the instance with its signal", got, err)
	}
	claimed := got[0]
	cp := &runtime.Checkpoint{ID: claimed.ID, Epoch: claimed.Epoch, Seq: claimed.Seq + 1, Status: runtime.StatusRunning,
		ConsumeSignal: claimed.Signal.ID, Event: runtime.Event{Seq: claimed.Seq + 1, Kind: "await", Name: "go"}}
	if err := s.WhyNotCommitted(ctx, cp); !errors.Is(err, runtime.ErrFenced) {
		t.Errorf("WhyNotCommitted(pending signal, current claim) = %v, want ErrFenced", err)
	}
	if err := s.Checkpoint(ctx, cp); err != nil {
		t.Fatal(err)
	}
	cp2 := *cp
	cp2.Seq, cp2.Event.Seq = cp.Seq+1, cp.Seq+1
	if err := s.WhyNotCommitted(ctx, &cp2); err == nil || errors.Is(err, runtime.ErrFenced) || !strings.Contains(err.Error(), "no pending signal") {
		t.Errorf("WhyNotCommitted(consumed signal) = %v, want it named", err)
	}
}
