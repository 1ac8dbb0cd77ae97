package pgmulti_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	mathrand "math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/durablegen/durable/internal/pgmulti"
	"github.com/durablegen/durable/internal/pgmulti/flow"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
)

const dsnEnv = "DURABLE_POSTGRES_DSN"

// env is one test's database and worker processes: a store schema and a
// ledger schema of its own, and an application_name that names the
// workers' store sessions and nothing else.
type env struct {
	t      *testing.T
	ctx    context.Context
	bin    string // the worker binary
	dsn    string // the workers' DSN, with application_name app
	app    string
	schema string // the store's
	ledger string // the ledger's schema
	lease  time.Duration

	store   *postgres.Store // the test's own, on application_name app+"-test"
	client  *runtime.Client
	book    *flow.Ledger
	steps   map[string]int // instance ID → steps of its input
	workers []*worker
}

// newEnv skips the test under -short or without a database, and
// otherwise builds the worker, creates the schemas (dropped when the test
// ends) and opens the test's store.
func newEnv(t *testing.T, lease time.Duration) *env {
	t.Helper()
	if testing.Short() {
		t.Skipf("runs worker processes against PostgreSQL for up to a minute; run it without -short and with %s set", dsnEnv)
	}
	base := os.Getenv(dsnEnv)
	if base == "" {
		t.Skipf("set %s to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the multi-process tests", dsnEnv)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "dg_multi_" + hex.EncodeToString(b[:])
	e := &env{t: t, ctx: context.Background(), app: name, schema: name, ledger: name + "_ledger", lease: lease, steps: map[string]int{}}
	var err error
	if e.dsn, err = withApp(base, e.app); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropSchemas(t, base, e.schema, e.ledger) })
	e.bin = buildWorker(t)
	testDSN, err := withApp(base, e.app+"-test")
	if err != nil {
		t.Fatal(err)
	}
	if e.store, err = postgres.New(e.ctx, postgres.Config{DSN: testDSN, Schema: e.schema}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.store.Close)
	e.client = runtime.NewClient(e.store)
	e.book = flow.NewLedger(e.store.Pool(), e.ledger, "test")
	if err := e.book.Create(e.ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// withApp returns dsn (a URL or key=value list) with application_name app.
func withApp(dsn, app string) (string, error) {
	if !strings.Contains(dsn, "://") {
		return dsn + " application_name=" + app, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", dsnEnv, err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func dropSchemas(t *testing.T, dsn string, schemas ...string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Errorf("drop schemas %v: %v", schemas, err)
		return
	}
	defer conn.Close(ctx)
	for _, s := range schemas {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{s}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", s, err)
		}
	}
}

// buildWorker builds ./worker into a temporary directory.
func buildWorker(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "worker")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/durablegen/durable/internal/pgmulti/worker").CombinedOutput()
	if err != nil {
		t.Fatalf("go build worker: %v\n%s", err, out)
	}
	return bin
}

// startInstances starts n instances of 5 to 20 steps, each working for
// work after recording its execution, from a few goroutines at once.
func (e *env) startInstances(n int, work time.Duration, rng *mathrand.Rand) {
	e.t.Helper()
	wf := flow.LedgerRunWorkflow.Bind(nil) // starting needs no receiver
	ids := make(chan string)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for id := range ids {
				if _, err := runtime.Start(e.ctx, e.client, wf, id, flow.Input{Steps: e.steps[id], Work: work}); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		e.steps[fmt.Sprintf("run-%03d", i)] = 5 + rng.IntN(16)
	}
	for _, id := range slices.Sorted(maps.Keys(e.steps)) {
		ids <- id
	}
	close(ids)
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
}

// worker is one worker process.
type worker struct {
	owner  string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	trace  lockedBuffer // stdout
	stderr lockedBuffer
	done   bool // waited for
	killed bool
}

// startWorker starts a worker process named owner; it is killed when the
// test ends if it still runs.
func (e *env) startWorker(owner string, concurrency int) *worker {
	e.t.Helper()
	w := &worker{owner: owner}
	w.cmd = exec.Command(e.bin, "-dsn", e.dsn, "-schema", e.schema, "-ledger", e.ledger, "-owner", owner,
		"-lease", e.lease.String(), "-concurrency", fmt.Sprint(concurrency))
	w.cmd.Stdout = &w.trace
	w.cmd.Stderr = &w.stderr
	var err error
	if w.stdin, err = w.cmd.StdinPipe(); err != nil {
		e.t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.workers = append(e.workers, w)
	e.t.Cleanup(func() {
		if !w.done {
			_ = w.cmd.Process.Kill()
			_ = w.cmd.Wait()
		}
	})
	return w
}

// kill kills w with SIGKILL.
func (e *env) kill(w *worker) {
	e.t.Helper()
	if err := w.cmd.Process.Kill(); err != nil {
		e.t.Fatalf("kill worker %s: %v", w.owner, err)
	}
	_ = w.cmd.Wait()
	w.done, w.killed = true, true
}

// signal sends sig to w.
func (e *env) signal(w *worker, sig syscall.Signal) {
	e.t.Helper()
	if err := w.cmd.Process.Signal(sig); err != nil {
		e.t.Fatalf("send %v to worker %s: %v", sig, w.owner, err)
	}
}

// stopAll stops the running workers gracefully (closing their stdin) and
// checks that they exit cleanly.
func (e *env) stopAll() {
	e.t.Helper()
	for _, w := range e.workers {
		if !w.done {
			w.stdin.Close()
		}
	}
	for _, w := range e.workers {
		if w.done {
			continue
		}
		err := w.cmd.Wait()
		w.done = true
		if err != nil {
			e.t.Errorf("worker %s exited with %v after a graceful stop\nstderr:\n%s", w.owner, err, w.stderr.String())
		}
	}
}

// reportBatches logs how many writes the workers' stores committed per
// transaction, and fails if none ever committed two together: the workers
// run with the stores' batching on, as a deployment does.
func (e *env) reportBatches() {
	e.t.Helper()
	var batches, writes int64
	for _, w := range e.workers {
		var last pgmulti.Event
		for _, ev := range w.events(e.t) {
			if ev.Op == pgmulti.OpCommit {
				last = ev
			}
		}
		batches += last.Batches
		writes += last.Writes
	}
	e.t.Logf("the workers' stores committed %d writes in %d transactions (%.2f per transaction)",
		writes, batches, float64(writes)/float64(max(batches, 1)))
	if writes <= batches {
		e.t.Errorf("no transaction committed more than one write (%d writes, %d transactions): batching did not run", writes, batches)
	}
}

// events parses the trace of w.
func (w *worker) events(t *testing.T) []pgmulti.Event {
	t.Helper()
	evs, err := pgmulti.ParseTrace(w.trace.Bytes())
	if err != nil {
		t.Fatalf("trace of worker %s: %v", w.owner, err)
	}
	return evs
}

// count returns the number of instances in status, and of instances owned
// by owner and running if owner is not empty.
func (e *env) count(status runtime.Status, owner string) int {
	e.t.Helper()
	n, err := query[struct{ N int }](e, "SELECT count(*) FROM {schema}.instances WHERE status = $1 AND ($2 = '' OR owner = $2)",
		string(status), owner)
	if err != nil {
		e.t.Fatalf("count %s instances: %v", status, err)
	}
	return n[0].N
}

// waitFor polls until cond holds, failing the test at deadline.
func (e *env) waitFor(what string, deadline time.Time, cond func() bool) {
	e.t.Helper()
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s: %d of %d instances completed, %d failed\n%s",
				what, e.count(runtime.StatusCompleted, ""), len(e.steps), e.count(runtime.StatusFailed, ""), e.stderrs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitCompleted waits until n instances completed.
func (e *env) waitCompleted(n int, deadline time.Time) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("%d completed instances", n), deadline, func() bool {
		if f := e.count(runtime.StatusFailed, ""); f > 0 {
			e.t.Fatalf("%d instances failed\n%s", f, e.stderrs())
		}
		return e.count(runtime.StatusCompleted, "") >= n
	})
}

// report fails the test with the problems a check found.
func (e *env) report(p problems) {
	e.t.Helper()
	const most = 30
	for i, s := range p {
		if i == most {
			e.t.Errorf("... and %d more", len(p)-most)
			break
		}
		e.t.Error(s)
	}
}

// verdict is what the common checks of a finished run found.
type verdict struct {
	runs        map[runID]*run
	history     []historyRow
	committed   map[string]string // step key → name
	committedBy map[string]string // step key → the worker that committed it
	execs       []flow.Execution
	executions  int
	reruns      int
}

// verify reads the workers' traces, the instances and history tables and
// the ledger, and checks them: every instance completed with its output
// and a gapless history, every checkpoint was committed once and fenced,
// and steps ran again only where a run was cut.
func (e *env) verify() verdict {
	e.t.Helper()
	traces := map[string][]pgmulti.Event{}
	for _, w := range e.workers {
		traces[w.owner] = w.events(e.t)
	}
	var v verdict
	var p problems
	v.runs, p = readRuns(traces)
	e.report(p)
	v.committedBy = committers(traces)

	insts, err := query[instanceRow](e, "SELECT id, status, seq, output, error FROM {schema}.instances ORDER BY id")
	if err != nil {
		e.t.Fatal(err)
	}
	e.report(checkOutcomes(e.steps, insts))
	if v.history, err = query[historyRow](e, historySQL); err != nil {
		e.t.Fatal(err)
	}
	v.committed, p = checkHistory(e.steps, v.history)
	e.report(p)

	executions, err := e.book.Executions(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	v.execs, v.executions = executions, len(executions)
	v.reruns, p = checkLedger(v.committed, executions, inFlight(v.runs))
	e.report(p)
	return v
}

const historySQL = "SELECT instance_id, seq, kind, name FROM {schema}.events ORDER BY instance_id, seq"

// query returns the rows of sql, in which {schema} names the store's
// schema, as T's fields in order.
func query[T any](e *env, sql string, args ...any) ([]T, error) {
	sql = strings.ReplaceAll(sql, "{schema}", pgx.Identifier{e.schema}.Sanitize())
	rows, err := e.store.Pool().Query(e.ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[T])
}

// stderrs returns the workers' stderr, for failure messages.
func (e *env) stderrs() string {
	var b strings.Builder
	for _, w := range e.workers {
		fmt.Fprintf(&b, "worker %s stderr:\n%s\n", w.owner, w.stderr.String())
	}
	return b.String()
}

// warnings counts the lines a worker logged at level WARN or above.
func (w *worker) warnings() int {
	n := 0
	for line := range strings.Lines(w.stderr.String()) {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			n++
		}
	}
	return n
}

// lockedBuffer collects the output of a process.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *lockedBuffer) String() string { return string(b.Bytes()) }
