package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dbos-inc/dbos-transact-golang/dbos"
	"github.com/jackc/pgx/v5"
)

// dbosApp holds the DBOS workflows: the same step and workflows as ours.
type dbosApp struct {
	onStep atomic.Pointer[func(int)]
}

func (a *dbosApp) step(ctx dbos.Context, i int) (int, error) {
	return dbos.RunAsStep(ctx, func(context.Context) (int, error) {
		if f := a.onStep.Load(); f != nil {
			(*f)(i)
		}
		return i + 1, nil
	}, dbos.WithStepName("Step"), dbos.WithStepMaxRetries(0))
}

// Sequential runs n steps.
func (a *dbosApp) Sequential(ctx dbos.Context, n int) (int, error) {
	total := 0
	for i := range n {
		v, err := a.step(ctx, i)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// Resumable runs k steps, then one more per message "next" that carries
// true, until one carries false.
func (a *dbosApp) Resumable(ctx dbos.Context, k int) (int, error) {
	total := 0
	for i := range k {
		v, err := a.step(ctx, i)
		if err != nil {
			return 0, err
		}
		total += v
	}
	for {
		more, err := dbos.Recv[bool](ctx, "next", time.Hour)
		if err != nil {
			return 0, err
		}
		if !more {
			break
		}
		v, err := a.step(ctx, -1)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// dbosRig is DBOS Transact on its own PostgreSQL database.
type dbosRig struct {
	e     *env
	dsn   string // of the private database
	db    string
	app   *dbosApp
	ctx   dbos.Context
	admin *pgx.Conn // to the private database
}

// newDBOSRig creates a private database and launches DBOS on it.
func newDBOSRig(ctx context.Context, e *env) (*dbosRig, error) {
	if e.pgErr != nil {
		return nil, e.pgErr
	}
	r := &dbosRig{e: e, db: e.name("dbos_bench"), app: &dbosApp{}}
	conn, err := pgx.Connect(ctx, e.pgDSN)
	if err != nil {
		return nil, err
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{r.db}.Sanitize())
	conn.Close(ctx)
	if err != nil {
		return nil, fmt.Errorf("create database %s: %w", r.db, err)
	}
	u, err := url.Parse(e.pgDSN)
	if err != nil {
		r.drop()
		return nil, fmt.Errorf("DBOS needs a URL DSN: %w", err)
	}
	u.Path = "/" + r.db
	r.dsn = u.String()
	if r.admin, err = pgx.Connect(ctx, r.dsn); err != nil {
		r.drop()
		return nil, err
	}
	if err := r.launch(ctx, "local"); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// launch creates a DBOS context for executor; dbos.Launch then
// recovers the executor's pending workflows, as a process start does.
func (r *dbosRig) launch(ctx context.Context, executor string) error {
	dctx, err := dbos.NewContext(ctx, dbos.Config{
		AppName:            "durablebench",
		DatabaseURL:        r.dsn,
		Logger:             slog.New(slog.DiscardHandler),
		ApplicationVersion: "bench",
		ExecutorID:         executor,
	})
	if err != nil {
		return fmt.Errorf("DBOS context: %w", err)
	}
	dbos.RegisterWorkflow(dctx, r.app.Sequential, dbos.WithWorkflowName("Sequential"))
	dbos.RegisterWorkflow(dctx, r.app.Resumable, dbos.WithWorkflowName("Resumable"))
	r.ctx = dctx
	return nil
}

// shutdown stops the DBOS context; its pending workflows stay pending.
func (r *dbosRig) shutdown() {
	if r.ctx != nil {
		_ = dbos.Shutdown(r.ctx, 10*time.Second)
		r.ctx = nil
	}
}

func (r *dbosRig) close() {
	r.shutdown()
	if r.admin != nil {
		r.admin.Close(context.Background())
	}
	r.drop()
}

func (r *dbosRig) drop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, r.e.pgDSN)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{r.db}.Sanitize()+" WITH (FORCE)")
}

// runSequential runs Sequential(n) and returns the wall time from start
// to result.
func (r *dbosRig) runSequential(ctx context.Context, id string, n int) (time.Duration, error) {
	start := time.Now()
	h, err := dbos.RunWorkflow(r.ctx, r.app.Sequential, n, dbos.WithWorkflowID(id))
	if err != nil {
		return 0, err
	}
	got, err := h.GetResult()
	if err != nil {
		return 0, err
	}
	d := time.Since(start)
	if want := n * (n + 1) / 2; got != want {
		return 0, fmt.Errorf("DBOS Sequential(%d) = %d, want %d", n, got, want)
	}
	return d, nil
}

// dbosResume measures DBOS resuming an instance after k steps the way
// DBOS resumes: a process that launches recovers the pending workflows
// of its executor and re-executes them from the top, reading each step's
// recorded output. Each instance has its own executor, so that a launch
// recovers only it. From Launch to the start of the next step. It returns
// the median per k and the recorded operations the replay reads.
func dbosResume(ctx context.Context, e *env, ks []int, samples int) (map[int]time.Duration, map[int]int, error) {
	r, err := newDBOSRig(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	defer r.close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	steps := make(chan int, 16)
	hook := func(i int) {
		if i < 0 {
			steps <- i
		}
	}
	r.app.onStep.Store(&hook)
	id := func(k int) string { return fmt.Sprint("resume-", k) }
	executor := func(k int) string { return fmt.Sprint("bench-", k) }
	for _, k := range ks {
		r.shutdown()
		if err := r.launch(ctx, executor(k)); err != nil {
			return nil, nil, err
		}
		if err := dbos.Launch(r.ctx); err != nil {
			return nil, nil, fmt.Errorf("DBOS launch: %w", err)
		}
		if _, err := dbos.RunWorkflow(r.ctx, r.app.Resumable, k, dbos.WithWorkflowID(id(k))); err != nil {
			return nil, nil, err
		}
		if err := r.waitRecorded(ctx, id(k), k); err != nil {
			return nil, nil, err
		}
	}
	lat, rows := map[int]latencies{}, map[int]int{}
	for range samples {
		for _, k := range ks {
			d, n, err := r.resumeOnce(ctx, id(k), executor(k), steps)
			if err != nil {
				return nil, nil, err
			}
			lat[k] = append(lat[k], d)
			rows[k] = n
		}
	}
	med := map[int]time.Duration{}
	for _, k := range ks {
		med[k] = lat[k].median()
	}
	return med, rows, nil
}

// resumeOnce stops DBOS (instance id waits in Recv), sends it a message,
// and times a new launch until the instance runs its next step.
func (r *dbosRig) resumeOnce(ctx context.Context, id, executor string, steps <-chan int) (time.Duration, int, error) {
	r.shutdown()
	if err := r.launch(ctx, executor); err != nil {
		return 0, 0, err
	}
	if err := dbos.Send(r.ctx, id, true, "next"); err != nil {
		return 0, 0, fmt.Errorf("DBOS send: %w", err)
	}
	var recorded int
	err := r.admin.QueryRow(ctx, "SELECT COUNT(*) FROM dbos.operation_outputs WHERE workflow_uuid = $1", id).Scan(&recorded)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := dbos.Launch(r.ctx); err != nil {
		return 0, 0, fmt.Errorf("DBOS launch: %w", err)
	}
	select {
	case <-steps:
	case <-ctx.Done():
		return 0, 0, fmt.Errorf("DBOS instance %s did not resume: %w", id, ctx.Err())
	}
	d := time.Since(start)
	// Let the step commit and the workflow block in Recv again before
	// the next shutdown.
	if err := r.waitRecorded(ctx, id, recorded+2); err != nil {
		return 0, 0, err
	}
	return d, recorded, nil
}

// waitRecorded waits until instance id has n recorded operations.
func (r *dbosRig) waitRecorded(ctx context.Context, id string, n int) error {
	for {
		var got int
		if err := r.admin.QueryRow(ctx, "SELECT COUNT(*) FROM dbos.operation_outputs WHERE workflow_uuid = $1", id).Scan(&got); err != nil {
			return err
		}
		if got >= n {
			return nil
		}
		if err := sleepCtx(ctx, 2*time.Millisecond); err != nil {
			return fmt.Errorf("DBOS instance %s: %d operations recorded, want %d: %w", id, got, n, err)
		}
	}
}

// dbosThroughput runs n workflows of 5 steps, `parallel` at a time
// (DBOS runs a workflow in the process that starts it), and returns
// workflows per second and the CPU per workflow (its database's backends
// included).
func dbosThroughput(ctx context.Context, e *env, n, parallel int) (float64, cpuUse, error) {
	var cpu cpuUse
	r, err := newDBOSRig(ctx, e)
	if err != nil {
		return 0, cpu, err
	}
	defer r.close()
	if err := dbos.Launch(r.ctx); err != nil {
		return 0, cpu, fmt.Errorf("DBOS launch: %w", err)
	}
	backends := func() (time.Duration, error) { return backendCPU(ctx, e.pgDSN, "datname = $1", r.db) }
	self0 := processCPU()
	back0, err := backends()
	if err != nil {
		return 0, cpu, err
	}
	start := time.Now()
	errs := make(chan error, parallel)
	var wg sync.WaitGroup
	for c := range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < n; i += parallel {
				h, err := dbos.RunWorkflow(r.ctx, r.app.Sequential, 5, dbos.WithWorkflowID(fmt.Sprint("tp-", i)))
				if err == nil {
					_, err = h.GetResult()
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, cpu, err
	}
	elapsed := time.Since(start)
	back1, err := backends()
	if err != nil {
		return 0, cpu, err
	}
	cpu = cpuUse{self: processCPU() - self0, backends: back1 - back0}.per(n)
	return float64(n) / elapsed.Seconds(), cpu, nil
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
