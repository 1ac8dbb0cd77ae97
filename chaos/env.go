package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	mathrand "math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/durablegen/durable/chaos/load"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
	"github.com/durablegen/durable/runtime/sqlite"
)

const dsnEnv = "DURABLE_POSTGRES_DSN"

// Stores a scenario runs on.
const (
	onSQLite   = "sqlite"
	onPostgres = "postgres" // the server of DURABLE_POSTGRES_DSN, in a schema of its own
	onCluster  = "cluster"  // a PostgreSQL cluster the harness creates, which its nemesis may restart
	onTmpfs    = "tmpfs"    // SQLite on a small tmpfs in a mount namespace the harness creates
	// onPartition is a cluster of the harness's own that one worker
	// reaches from a network namespace the harness creates, joined to the
	// host by a veth pair the nemesis can cut.
	onPartition = "partition"
	// onPowerfs is SQLite on chaos/powerfs, a file system that loses
	// unsynced writes at a power cut, in a mount namespace the harness
	// creates.
	onPowerfs = "powerfs"
)

// errSkip is wrapped by the error of a scenario that cannot run here.
var errSkip = errors.New("skipped")

// store is the store of one scenario as the harness sees it: its own
// connection, and what a worker process needs to open it.
type store struct {
	kind   string
	arg    string // the worker's -store
	schema string // PostgreSQL
	s      interface {
		runtime.Store
		runtime.Admin
	}
	cluster *cluster
	pool    *pgxpool.Pool // the harness's own, on PostgreSQL
	close   func()
	net     *partition // onPartition: the namespace the cut-off worker runs in
	// onPowerfs: the file system, and the harness's own store on it.
	power    *powerDisk
	switched *switched
}

// env is the world of one scenario run: its directory, its store, its
// worker processes, what it started and what its nemesis did.
type env struct {
	ctx      context.Context
	cfg      runConfig
	dir      string
	ledger   string // directory of the ledger files
	kind     string
	st       store
	client   *runtime.Client
	fleet    *fleet
	rng      *mathrand.Rand
	lease    time.Duration
	poll     time.Duration
	shutdown time.Duration // the workers' ShutdownTimeout
	begin    time.Time

	mu      sync.Mutex
	started map[string]load.Input
	signals map[string]time.Time // instance → when signal "go" was sent
	faults  []fault
	armed   map[string]bool          // workers with a fault armed that has not fired
	stopped map[string]bool          // workers stopped, or with a stop armed
	kept    []runtime.Event          // history rows read before a database fault (Name: the instance)
	held    map[heldKey][]heldSample // when the sampler saw an instance running under an owner
	extra   []figure                 // figures of the scenario itself
	// onStart, if set, is called for every instance started, once it is.
	onStart func(id string, in load.Input)
}

// heldSample is the sampler seeing an instance running, at its seq.
type heldSample struct {
	at  time.Time
	seq int64
}

// heldKey is an instance under an owner, at an epoch.
type heldKey struct {
	owner, id string
	epoch     int64
}

// fault is one entry of the nemesis's log.
type fault struct {
	kind  string // "kill", "kill after-commit", "stop", "pg restart", ...
	owner string // the worker it hit, if any
	at    time.Time
	end   time.Time // when it was undone (SIGCONT, the server back up); zero if instant
}

// newEnv prepares a scenario run on a store of kind in dir.
func newEnv(ctx context.Context, cfg runConfig, kind, dir string, lease, poll time.Duration) (*env, error) {
	e := &env{
		ctx: ctx, cfg: cfg, dir: dir, ledger: filepath.Join(dir, "ledger"), kind: kind,
		rng:   mathrand.New(mathrand.NewPCG(cfg.seed, cfg.seed^0x5eed)),
		lease: lease, poll: poll,
		started: map[string]load.Input{}, signals: map[string]time.Time{},
		held: map[heldKey][]heldSample{}, armed: map[string]bool{}, stopped: map[string]bool{},
	}
	if err := os.MkdirAll(e.ledger, 0o755); err != nil {
		return nil, err
	}
	var err error
	storeDir := dir
	if kind == onTmpfs || kind == onPowerfs {
		storeDir = cfg.tmpfs
	}
	if e.st, err = openStore(ctx, kind, storeDir); err != nil {
		return nil, err
	}
	e.client = runtime.NewClient(e.st.s)
	return e, nil
}

// close stops what the run started and removes its store.
func (e *env) close() {
	if e.fleet != nil {
		e.fleet.stopAll(5 * time.Second)
	}
	e.st.close()
}

// openStore opens (creating) the store of a scenario.
func openStore(ctx context.Context, kind, dir string) (store, error) {
	switch kind {
	case onSQLite, onTmpfs:
		path := filepath.Join(dir, "durable.db")
		s, err := sqlite.Open(path)
		if err != nil {
			return store{}, err
		}
		return store{kind: kind, arg: "sqlite:" + path, s: s, close: func() { s.Close() }}, nil
	case onPostgres:
		base := os.Getenv(dsnEnv)
		if base == "" {
			return store{}, fmt.Errorf("%w: set %s to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL scenarios", errSkip, dsnEnv)
		}
		return openPostgres(ctx, base, nil)
	case onCluster:
		c, err := startCluster(ctx, nil)
		if err != nil {
			return store{}, err
		}
		st, err := openPostgres(ctx, c.dsn(), c)
		if err != nil {
			c.stop()
			return store{}, err
		}
		return st, nil
	case onPartition:
		return openPartitioned(ctx)
	case onPowerfs:
		return openPowerCut(dir)
	}
	return store{}, fmt.Errorf("unknown store %q", kind)
}

// openPostgres opens a store in a new schema of the database at base; its
// workers' sessions are named after the schema (application_name), the
// harness's own after the schema with "-harness" appended.
func openPostgres(ctx context.Context, base string, c *cluster) (store, error) {
	var b [6]byte
	rand.Read(b[:])
	schema := "chaos_" + hex.EncodeToString(b[:])
	workerDSN, err := withParams(base, map[string]string{"application_name": schema, "pool_max_conns": "8"})
	if err != nil {
		return store{}, err
	}
	ownDSN, err := withParams(base, map[string]string{"application_name": schema + "-harness"})
	if err != nil {
		return store{}, err
	}
	s, err := postgres.New(ctx, postgres.Config{DSN: ownDSN, Schema: schema, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return store{}, err
	}
	drop := func() {
		if c != nil {
			s.Close()
			c.stop()
			return
		}
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = s.Pool().Exec(dctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		s.Close()
	}
	return store{kind: onPostgres, arg: workerDSN, schema: schema, s: s, cluster: c, pool: s.Pool(), close: drop}, nil
}

// withParams returns dsn (a URL or key=value list) with params set.
func withParams(dsn string, params map[string]string) (string, error) {
	if !strings.Contains(dsn, "://") {
		for _, k := range slices.Sorted(maps.Keys(params)) {
			dsn += " " + k + "=" + params[k]
		}
		return dsn, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", dsnEnv, err)
	}
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// buildWorker builds the worker command into dir.
func buildWorker(dir string) (string, error) {
	bin := filepath.Join(dir, "worker")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/durablegen/durable/chaos/worker").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build chaos/worker: %v\n%s", err, out)
	}
	return bin, nil
}

// buildHarness builds this command into dir, for the scenarios that run
// it again in a namespace of their own.
func buildHarness(dir string) (string, error) {
	bin := filepath.Join(dir, "chaos")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/durablegen/durable/chaos").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build chaos: %v\n%s", err, out)
	}
	return bin, nil
}

// workers starts n worker processes with extra worker flags.
func (e *env) workers(n, concurrency int, shutdown time.Duration, extra ...string) error {
	e.shutdown = shutdown
	args := []string{"-store", e.st.arg, "-ledger", e.ledger, "-lease", e.lease.String(), "-poll", e.poll.String(),
		"-concurrency", fmt.Sprint(concurrency), "-shutdown", shutdown.String()}
	if e.st.schema != "" {
		args = append(args, "-schema", e.st.schema)
	}
	if e.cfg.synchronous != "" && e.st.schema == "" {
		args = append(args, "-synchronous", e.cfg.synchronous)
	}
	e.fleet = newFleet(e.cfg.worker, n, append(args, extra...)...)
	if e.st.net != nil {
		e.fleet.command = e.st.net.command // slot 0 runs cut off
	}
	for slot := range n {
		if _, err := e.fleet.start(slot); err != nil {
			return err
		}
	}
	return nil
}

// start starts instances of the workload with the given inputs, by IDs
// prefix0000, prefix0001..., from a few goroutines at once, and returns
// their IDs.
func (e *env) start(prefix string, inputs []load.Input) ([]string, error) {
	wf := load.LedgerRunWorkflow.Bind(nil) // starting needs no receiver
	type job struct {
		id string
		in load.Input
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for range 8 {
		wg.Go(func() {
			for j := range jobs {
				if err := retry(e.ctx, func() error {
					_, err := runtime.Start(e.ctx, e.client, wf, j.id, j.in)
					return err
				}); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	e.mu.Lock()
	base := len(e.started)
	ids := make([]string, len(inputs))
	for i, in := range inputs {
		ids[i] = fmt.Sprintf("%s%05d", prefix, base+i)
		e.started[ids[i]] = in
	}
	e.mu.Unlock()
	for i, in := range inputs {
		jobs <- job{ids[i], in}
	}
	close(jobs)
	wg.Wait()
	if e.onStart != nil {
		for i, in := range inputs {
			e.onStart(ids[i], in)
		}
	}
	return ids, errors.Join(errs...)
}

// retry calls fn until it succeeds, for up to 30 s: the nemesis may have
// the database down.
func retry(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := fn()
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signalLater sends signal "go" to each of ids that awaits it, after a
// random delay in [lo, hi), recording when it was sent.
func (e *env) signalLater(ids []string, lo, hi time.Duration) {
	for _, id := range ids {
		e.mu.Lock()
		await := e.started[id].Await
		e.mu.Unlock()
		if !await {
			continue
		}
		time.AfterFunc(lo+time.Duration(e.rngInt(int64(hi-lo))), func() {
			sent := time.Now()
			if err := retry(e.ctx, func() error { return e.client.Signal(e.ctx, id, "go", load.Ping{Word: "go"}) }); err != nil {
				if e.ctx.Err() == nil {
					e.note("signal %s: %v", id, err)
				}
				return
			}
			e.mu.Lock()
			e.signals[id] = sent
			e.mu.Unlock()
		})
	}
}

// note records a problem of the harness itself, printed with the result.
func (e *env) note(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.extra = append(e.extra, figure{name: "harness", text: fmt.Sprintf(format, args...)})
}

// logFault appends f to the nemesis's log.
func (e *env) logFault(f fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, f)
}

// pending returns the instances (children included) that are not
// terminal, less the parents waiting for a child that has ended, and how
// many of those there are; or an error if the store cannot say now.
func (e *env) pending() (left []*runtime.Instance, unwokenParents int, err error) {
	opts := runtime.ListOptions{Statuses: []runtime.Status{runtime.StatusReady, runtime.StatusRunning, runtime.StatusSleeping, runtime.StatusWaiting}, Limit: runtime.MaxListLimit}
	for {
		insts, err := e.st.s.List(e.ctx, opts)
		if err != nil {
			return nil, 0, err
		}
		for _, inst := range insts {
			if child, ok := strings.CutPrefix(inst.AwaitName, childAwait); ok && inst.Status == runtime.StatusWaiting {
				if c, err := e.st.s.Get(e.ctx, child); err == nil && c.Status.Terminal() {
					unwokenParents++
					continue
				}
			}
			left = append(left, inst)
		}
		if len(insts) < opts.Limit {
			return left, unwokenParents, nil
		}
		opts.After = insts[len(insts)-1].Cursor()
	}
}

// settle waits until no instance is left to run, or timeout. Parents
// whose child has ended but who were not woken are not waited for beyond
// a takeover's time (the checker counts them).
func (e *env) settle(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	var onlyParents time.Time
	for time.Now().Before(deadline) {
		left, parents, err := e.pending()
		switch {
		case err != nil:
		case len(left) == 0 && parents == 0:
			return
		case len(left) > 0:
			onlyParents = time.Time{}
		case onlyParents.IsZero():
			onlyParents = time.Now()
		case time.Since(onlyParents) > 2*e.lease+time.Second:
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// sample records which owner holds which running instance now: the
// trace of a worker misses a claim whose answer it never received, the
// store does not.
func (e *env) sample() {
	insts, err := e.st.s.List(e.ctx, runtime.ListOptions{Statuses: []runtime.Status{runtime.StatusRunning}, Limit: runtime.MaxListLimit})
	if err != nil {
		return
	}
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, inst := range insts {
		k := heldKey{inst.Owner, inst.ID, inst.Epoch}
		e.held[k] = append(e.held[k], heldSample{now, inst.Seq})
	}
}

// figure adds a figure of the scenario's own to its result.
func (e *env) figure(name, format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.extra = append(e.extra, figure{name: name, text: fmt.Sprintf(format, args...)})
}

// saveTraces writes every worker's trace and stderr into the run's
// directory, for a run kept for inspection.
func (e *env) saveTraces(procs []procTrace) error {
	dir := filepath.Join(e.dir, "traces")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range procs {
		var b []byte
		for _, ev := range p.events {
			line, _ := json.Marshal(ev)
			b = append(append(b, line...), '\n')
		}
		if err := os.WriteFile(filepath.Join(dir, p.owner+".trace"), b, 0o644); err != nil {
			return err
		}
	}
	for _, p := range e.fleet.all() {
		if err := os.WriteFile(filepath.Join(dir, p.owner+".stderr"), []byte(p.stderr.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// readHistory reads the store's events view (the history table and the
// events still pending in the instance rows, as Store.History reads
// them): every instance's events (sequence number, kind and name), in
// order.
func (e *env) readHistory() (map[string][]runtime.Event, error) {
	const query = "SELECT instance_id, seq, kind, name FROM %s ORDER BY instance_id, seq"
	var rows interface {
		Next() bool
		Scan(...any) error
		Err() error
	}
	if e.st.pool != nil {
		r, err := e.st.pool.Query(e.ctx, fmt.Sprintf(query, pgx.Identifier{e.st.schema, "events"}.Sanitize()))
		if err != nil {
			return nil, err
		}
		defer r.Close()
		rows = r
	} else {
		db, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(e.st.arg, "sqlite:")+"?mode=ro&_pragma=busy_timeout(10000)")
		if err != nil {
			return nil, err
		}
		defer db.Close()
		r, err := db.QueryContext(e.ctx, fmt.Sprintf(query, "events"))
		if err != nil {
			return nil, err
		}
		defer r.Close()
		rows = r
	}
	h := map[string][]runtime.Event{}
	for rows.Next() {
		var id string
		var ev runtime.Event
		if err := rows.Scan(&id, &ev.Seq, &ev.Kind, &ev.Name); err != nil {
			return nil, err
		}
		h[id] = append(h[id], ev)
	}
	return h, rows.Err()
}
