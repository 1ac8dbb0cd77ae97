package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/durablegen/durable/bench/workflows"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
	"github.com/durablegen/durable/runtime/sqlite"
)

// scaleRun is one run of the scale section: n workflows of 5 steps on a
// fresh store.
type scaleRun struct {
	kind        string // storeSQLiteFull or storePostgres
	n           int
	concurrency int // slots per worker
	processes   int // worker processes (PostgreSQL); 0: one worker in this process
	maxBatch    int // the store's MaxBatch: 0 the default, 1 no batching
	backlog     bool
}

// scaleResult is what a run measured.
type scaleResult struct {
	rate            float64   // workflows per second
	cp              latencies // Store.Checkpoint calls under the load
	bare            latencies // bare commits on the same database before the load
	batches, writes int64     // of the stores the workers used
}

// batchStats is what the stores count of their batches.
type batchStats interface {
	runtime.Store
	statsNow() (batches, writes int64)
}

type sqliteStats struct{ *sqlite.Store }

func (s sqliteStats) statsNow() (int64, int64) { st := s.Stats(); return st.Batches, st.Writes }

type postgresStats struct{ *postgres.Store }

func (s postgresStats) statsNow() (int64, int64) { st := s.Stats(); return st.Batches, st.Writes }

// scaleOut measures throughput and checkpoint latency as the load grows:
// on SQLite FULL one worker running 1 to 64 instances at once, on
// PostgreSQL 1, 2 and 4 worker processes on one database and 10,000
// instances in flight at once, each beside the same run without batching
// or with fewer workers, and the checkpoint's p50 and p99 beside the bare
// commit on the same database.
func scaleOut(ctx context.Context, e *env, c config) []Row {
	var rows []Row
	var sqlite1 float64
	for _, conc := range []int{1, 4, 16, 64} {
		run := scaleRun{kind: storeSQLiteFull, n: c.scaleWorkflows, concurrency: conc}
		r, err := e.runScale(ctx, run)
		row := scaleRow(run, r, err)
		if conc == 1 {
			sqlite1 = row.Value
		} else if err == nil {
			row.Ratio, row.RatioTo = ratio(row.Value, sqlite1), "÷ 1 at once"
		}
		rows = append(rows, row)
	}
	rows = append(rows, batchingOff(ctx, e, scaleRun{kind: storeSQLiteFull, n: c.scaleWorkflows, concurrency: 64}))

	var pg1 float64
	for _, procs := range []int{1, 2, 4} {
		run := scaleRun{kind: storePostgres, n: c.scaleWorkflows, concurrency: 64 / procs, processes: procs}
		r, err := e.runScale(ctx, run)
		row := scaleRow(run, r, err)
		if procs == 1 {
			pg1 = row.Value
		} else if err == nil {
			row.Ratio, row.RatioTo = ratio(row.Value, pg1), "÷ 1 process"
		}
		rows = append(rows, row)
	}
	rows = append(rows, batchingOff(ctx, e, scaleRun{kind: storePostgres, n: c.scaleWorkflows, concurrency: 64, processes: 1}))
	run := scaleRun{kind: storePostgres, n: 10000, concurrency: 10000, processes: 1, backlog: true}
	r, err := e.runScale(ctx, run)
	row := scaleRow(run, r, err)
	if err == nil {
		row.Ratio, row.RatioTo = ratio(row.Value, pg1), "÷ 64 at once"
	}
	rows = append(rows, row)
	return rows
}

// batchingOff runs run with and without batching and reports the rate
// with it ÷ the rate without.
func batchingOff(ctx context.Context, e *env, run scaleRun) Row {
	off := run
	off.maxBatch = 1
	off.n = run.n / 4 // without batching it is slow: the rate is what counts
	r, err := e.runScale(ctx, off)
	row := scaleRow(off, r, err)
	if err != nil {
		return row
	}
	run.n = off.n
	on, err := e.runScale(ctx, run)
	if err != nil {
		row.Skipped = err.Error()
		return row
	}
	row.Ratio, row.RatioTo = ratio(on.rate, r.rate), "batching on ÷ off, same run"
	row.Note += fmt.Sprintf("; with batching, run again: %s workflows/s", number(on.rate))
	return row
}

func (r scaleRun) name() string {
	what := fmt.Sprintf("%d workflows × 5 steps, %s", r.n, r.kind)
	switch {
	case r.backlog:
		what += fmt.Sprintf(", %d started first, all in flight at once", r.n)
	case r.processes > 0:
		what += fmt.Sprintf(", %d worker processes × %d at once", r.processes, r.concurrency)
	default:
		what += fmt.Sprintf(", 1 worker, %d at once", r.concurrency)
	}
	if r.maxBatch == 1 {
		what += ", batching off"
	}
	return what
}

func scaleRow(run scaleRun, r *scaleResult, err error) Row {
	row := Row{Section: "scale", Name: run.name(), System: sysOurs, Unit: "workflows/s"}
	if err != nil {
		row.Skipped = err.Error()
		return row
	}
	row.Value = r.rate
	mean := 0.0
	if r.batches > 0 {
		mean = float64(r.writes) / float64(r.batches)
	}
	row.Note = fmt.Sprintf("checkpoint p50 %s µs, p99 %s µs (%.2f × and %.2f × the bare commit's p50 %s µs, p99 %s µs); %s writes per commit",
		number(us(r.cp.median())), number(us(r.cp.p99())),
		ratio(us(r.cp.median()), us(r.bare.median())), ratio(us(r.cp.p99()), us(r.bare.p99())),
		number(us(r.bare.median())), number(us(r.bare.p99())), number(mean))
	row.Extra = map[string]float64{
		"cp_p50": us(r.cp.median()), "cp_p99": us(r.cp.p99()),
		"bare_p50": us(r.bare.median()), "bare_p99": us(r.bare.p99()),
		"writes_per_commit": mean,
	}
	return row
}

// runScale runs one scale run on a fresh store.
func (e *env) runScale(ctx context.Context, run scaleRun) (*scaleResult, error) {
	res := &scaleResult{}
	var store batchStats
	var schema string
	switch run.kind {
	case storeSQLiteFull:
		path := filepath.Join(e.dir, e.name("scale")+".db")
		s, err := sqlite.New(sqlite.Config{Path: path, MaxBatch: run.maxBatch})
		if err != nil {
			return nil, err
		}
		defer s.Close()
		b, err := newSQLiteBare(ctx, path, "FULL")
		if err != nil {
			return nil, err
		}
		defer b.close()
		if res.bare, err = b.sample(ctx, 200); err != nil {
			return nil, err
		}
		store = sqliteStats{s}
	case storePostgres:
		if e.pgErr != nil {
			return nil, e.pgErr
		}
		schema = e.name("durable_scale")
		s, err := postgres.New(ctx, postgres.Config{DSN: e.pgDSN, Schema: schema, MaxBatch: run.maxBatch})
		if err != nil {
			return nil, err
		}
		defer e.dropSchema(schema)
		defer s.Close()
		b, err := newPostgresBare(ctx, s.Pool(), schema)
		if err != nil {
			return nil, err
		}
		if res.bare, err = b.sample(ctx, 200); err != nil {
			return nil, err
		}
		store = postgresStats{s}
	default:
		return nil, fmt.Errorf("unknown store %q", run.kind)
	}
	wf := workflows.ServiceSequentialWorkflow.Bind(&workflows.Service{})
	client := runtime.NewClient(store)
	create := func() error { return startAll(ctx, client, run.n) }
	if run.backlog {
		if err := create(); err != nil {
			return nil, err
		}
		create = func() error { return nil }
	}

	var stop func() error
	start := time.Now()
	if run.processes == 0 {
		p := newProbe(store)
		p.timing = true
		w := runtime.NewWorker(p, runtime.WorkerOptions{Concurrency: run.concurrency, Owner: "scale", Logger: slog.New(slog.DiscardHandler)})
		if err := w.Register(wf); err != nil {
			return nil, err
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- w.Run(runCtx) }()
		stop = func() error {
			cancel()
			err := <-done
			res.cp = p.cp
			res.batches, res.writes = store.statsNow()
			return err
		}
	} else {
		workers, err := startScaleWorkers(ctx, e.pgDSN, schema, run)
		if err != nil {
			return nil, err
		}
		stop = func() error {
			var errs []error
			for _, w := range workers {
				rep, err := w.stop()
				if err != nil {
					errs = append(errs, err)
					continue
				}
				for _, us := range rep.CheckpointMicros {
					res.cp = append(res.cp, time.Duration(us)*time.Microsecond)
				}
				res.batches += rep.Batches
				res.writes += rep.Writes
			}
			return errors.Join(errs...)
		}
	}
	err := create()
	if err == nil {
		err = awaitAll(ctx, client, run.n)
	}
	elapsed := time.Since(start)
	if serr := stop(); err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	res.rate = float64(run.n) / elapsed.Seconds()
	return res, nil
}

// startAll starts n instances of Sequential(5) from 4 clients at once.
func startAll(ctx context.Context, c *runtime.Client, n int) error {
	wf := workflows.ServiceSequentialWorkflow.Bind(&workflows.Service{})
	const clients = 4
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for k := range clients {
		wg.Go(func() {
			for i := k; i < n; i += clients {
				if _, err := runtime.Start(ctx, c, wf, fmt.Sprint("sc-", i), 5); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// awaitAll waits for the results of the n instances of startAll.
func awaitAll(ctx context.Context, c *runtime.Client, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	for i := range n {
		got, err := runtime.Attach[int](c, fmt.Sprint("sc-", i)).Result(ctx)
		if err != nil {
			return err
		}
		if got != 15 { // 1 + 2 + ... + 5
			return fmt.Errorf("Sequential(5) = %d, want 15", got)
		}
	}
	return nil
}

// scaleReport is what a worker process of the scale section prints when
// its standard input closes.
type scaleReport struct {
	CheckpointMicros []int64 `json:"checkpoint_us"`
	Batches          int64   `json:"batches"`
	Writes           int64   `json:"writes"`
}

// scaleWorker is a running worker process.
type scaleWorker struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	errb  *limitedBuffer
}

func startScaleWorkers(ctx context.Context, dsn, schema string, run scaleRun) ([]*scaleWorker, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var ws []*scaleWorker
	for i := range run.processes {
		cmd := exec.CommandContext(ctx, self, "-scaleworker", schema,
			"-scaleowner", fmt.Sprint("scale-", i), "-scaleconcurrency", strconv.Itoa(run.concurrency),
			"-scalemaxbatch", strconv.Itoa(run.maxBatch))
		cmd.Env = append(os.Environ(), "DURABLE_POSTGRES_DSN="+dsn)
		w := &scaleWorker{cmd: cmd, errb: &limitedBuffer{}}
		if w.stdin, err = cmd.StdinPipe(); err != nil {
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		w.out = bufio.NewReader(out)
		cmd.Stderr = w.errb
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		ws = append(ws, w)
		// The worker says "ready" once it runs.
		if line, err := w.out.ReadString('\n'); err != nil || line != "ready\n" {
			for _, w := range ws {
				w.stop()
			}
			return nil, fmt.Errorf("scale worker: %q %v: %s", line, err, w.errb.String())
		}
	}
	return ws, nil
}

func (w *scaleWorker) stop() (*scaleReport, error) {
	w.stdin.Close()
	var rep scaleReport
	derr := json.NewDecoder(w.out).Decode(&rep)
	if err := w.cmd.Wait(); err != nil {
		return nil, fmt.Errorf("scale worker: %v: %s", err, w.errb.String())
	}
	if derr != nil {
		return nil, fmt.Errorf("scale worker report: %w", derr)
	}
	return &rep, nil
}

// scaleWorkerMain runs a worker on the PostgreSQL store in schema until
// its standard input closes, then prints its scaleReport.
func scaleWorkerMain(schema, owner string, concurrency, maxBatch int, stdout, stderr io.Writer) int {
	ctx := context.Background()
	s, err := postgres.New(ctx, postgres.Config{DSN: os.Getenv("DURABLE_POSTGRES_DSN"), Schema: schema, MaxBatch: maxBatch})
	if err != nil {
		fmt.Fprintf(stderr, "scale worker: %v\n", err)
		return 1
	}
	defer s.Close()
	p := newProbe(s)
	p.timing = true
	w := runtime.NewWorker(p, runtime.WorkerOptions{Concurrency: concurrency, Owner: owner, Logger: slog.New(slog.DiscardHandler)})
	if err := w.Register(workflows.ServiceSequentialWorkflow.Bind(&workflows.Service{})); err != nil {
		fmt.Fprintf(stderr, "scale worker: %v\n", err)
		return 1
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	fmt.Fprintln(stdout, "ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintf(stderr, "scale worker: %v\n", err)
		return 1
	}
	st := s.Stats()
	rep := scaleReport{Batches: st.Batches, Writes: st.Writes}
	for _, d := range p.cp {
		rep.CheckpointMicros = append(rep.CheckpointMicros, d.Microseconds())
	}
	if err := json.NewEncoder(stdout).Encode(rep); err != nil {
		fmt.Fprintf(stderr, "scale worker: %v\n", err)
		return 1
	}
	return 0
}

// limitedBuffer keeps the first 4 KiB written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := 4096 - len(b.buf); n > 0 {
		b.buf = append(b.buf, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
