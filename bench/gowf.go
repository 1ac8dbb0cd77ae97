package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cschleiden/go-workflows/backend"
	"github.com/cschleiden/go-workflows/backend/monoprocess"
	gwsqlite "github.com/cschleiden/go-workflows/backend/sqlite"
	"github.com/cschleiden/go-workflows/client"
	"github.com/cschleiden/go-workflows/core"
	"github.com/cschleiden/go-workflows/worker"
	"github.com/cschleiden/go-workflows/workflow"
)

// gwActivities are the go-workflows activities: the same step as ours.
type gwActivities struct {
	onStep atomic.Pointer[func(int)]
	steps  atomic.Int64 // executions
}

// Step returns i+1 and tells the hook.
func (a *gwActivities) Step(ctx context.Context, i int) (int, error) {
	a.steps.Add(1)
	if f := a.onStep.Load(); f != nil {
		(*f)(i)
	}
	return i + 1, nil
}

// gwActs names the activity in workflow code; it is never called.
var gwActs *gwActivities

var gwActivityOptions = workflow.ActivityOptions{RetryOptions: workflow.RetryOptions{MaxAttempts: 1}}

// gwSequential is Sequential for go-workflows.
func gwSequential(ctx workflow.Context, n int) (int, error) {
	total := 0
	for i := range n {
		v, err := workflow.ExecuteActivity[int](ctx, gwActivityOptions, gwActs.Step, i).Get(ctx)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// gwResumable is Resumable for go-workflows.
func gwResumable(ctx workflow.Context, k int) (int, error) {
	total := 0
	for i := range k {
		v, err := workflow.ExecuteActivity[int](ctx, gwActivityOptions, gwActs.Step, i).Get(ctx)
		if err != nil {
			return 0, err
		}
		total += v
	}
	next := workflow.NewSignalChannel[bool](ctx, "next")
	for {
		more, ok := next.Receive(ctx)
		if !ok || !more {
			break
		}
		v, err := workflow.ExecuteActivity[int](ctx, gwActivityOptions, gwActs.Step, -1).Get(ctx)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// gwRig is go-workflows on its SQLite backend (in the monoprocess
// wrapper, which wakes the worker without polling).
type gwRig struct {
	path    string
	backend backend.Backend
	client  *client.Client
	acts    *gwActivities
	opts    worker.Options
	stop    func() // stops the running worker
	db      *sql.DB
}

func newGWRig(e *env, parallel int) (r *gwRig, err error) {
	defer func() {
		if p := recover(); p != nil { // the backend panics when it cannot open
			err = fmt.Errorf("go-workflows sqlite backend: %v", p)
		}
	}()
	path := filepath.Join(e.dir, e.name("gowf")+".db")
	b := gwsqlite.NewSqliteBackend(path, gwsqlite.WithBackendOptions(backend.WithLogger(slog.New(slog.DiscardHandler))))
	r = &gwRig{path: path, backend: monoprocess.NewMonoprocessBackend(b), acts: &gwActivities{}}
	r.client = client.New(r.backend)
	r.opts = worker.DefaultOptions
	r.opts.SingleWorkerMode = true
	r.opts.MaxParallelWorkflowTasks = parallel
	r.opts.MaxParallelActivityTasks = parallel
	if r.db, err = sql.Open("sqlite", "file:"+path+"?_query_only=1"); err != nil {
		return nil, err
	}
	if err := r.startWorker(); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// startWorker starts a fresh worker, with an empty executor cache.
func (r *gwRig) startWorker() error {
	if r.stop != nil {
		r.stop()
	}
	opts := r.opts
	w := worker.New(r.backend, &opts)
	if err := w.RegisterWorkflow(gwSequential); err != nil {
		return err
	}
	if err := w.RegisterWorkflow(gwResumable); err != nil {
		return err
	}
	if err := w.RegisterActivity(r.acts); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := w.Start(ctx); err != nil {
		cancel()
		return err
	}
	r.stop = func() {
		cancel()
		_ = w.WaitForCompletion()
		r.stop = nil
	}
	return nil
}

func (r *gwRig) close() {
	if r.stop != nil {
		r.stop()
	}
	if r.db != nil {
		r.db.Close()
	}
	_ = r.backend.Close()
}

// wait polls the instance every millisecond until it finished.
func (r *gwRig) wait(ctx context.Context, inst *workflow.Instance) error {
	for {
		s, err := r.backend.GetWorkflowInstanceState(ctx, inst)
		if err != nil {
			return err
		}
		if s == core.WorkflowInstanceStateFinished {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// historyRows counts the history rows of an instance: what a worker
// without the instance in its cache reads to replay it.
func (r *gwRig) historyRows(ctx context.Context, id string) (int, error) {
	var n int
	err := r.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM history WHERE instance_id = ?", id).Scan(&n)
	return n, err
}

// runSequential runs gwSequential(n) and returns the wall time from
// start to result.
func (r *gwRig) runSequential(ctx context.Context, id string, n int) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	start := time.Now()
	inst, err := r.client.CreateWorkflowInstance(ctx, client.WorkflowInstanceOptions{InstanceID: id}, gwSequential, n)
	if err != nil {
		return 0, err
	}
	if err := r.wait(ctx, inst); err != nil {
		return 0, err
	}
	d := time.Since(start)
	got, err := client.GetWorkflowResult[int](ctx, r.client, inst, time.Minute)
	if err != nil {
		return 0, err
	}
	if want := n * (n + 1) / 2; got != want {
		return 0, fmt.Errorf("go-workflows Sequential(%d) = %d, want %d", n, got, want)
	}
	return d, nil
}

// gwResume measures go-workflows resuming an instance after k
// activities on a worker that does not have it cached (a restarted
// worker, or one that evicted it, as its cache does after 10 s idle):
// from the signal to the start of the next activity. It returns the
// median per k and the history rows read.
func gwResume(ctx context.Context, e *env, ks []int, samples int) (map[int]time.Duration, map[int]int, error) {
	r, err := newGWRig(e, 0)
	if err != nil {
		return nil, nil, err
	}
	defer r.close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	steps := make(chan int, 1)
	hook := func(i int) {
		if i < 0 {
			steps <- i
		}
	}
	r.acts.onStep.Store(&hook)
	id := func(k int) string { return fmt.Sprint("resume-", k) }
	insts := map[int]*workflow.Instance{}
	for _, k := range ks {
		inst, err := r.client.CreateWorkflowInstance(ctx, client.WorkflowInstanceOptions{InstanceID: id(k)}, gwResumable, k)
		if err != nil {
			return nil, nil, err
		}
		insts[k] = inst
	}
	for _, k := range ks {
		if err := r.waitIdle(ctx, id(k)); err != nil {
			return nil, nil, err
		}
	}
	lat, rows := map[int]latencies{}, map[int]int{}
	for range samples {
		if err := r.startWorker(); err != nil { // a new worker: nothing cached
			return nil, nil, err
		}
		for _, k := range ks {
			n, err := r.historyRows(ctx, id(k))
			if err != nil {
				return nil, nil, err
			}
			rows[k] = n
			start := time.Now()
			if err := r.client.SignalWorkflow(ctx, id(k), "next", true); err != nil {
				return nil, nil, err
			}
			select {
			case <-steps:
			case <-ctx.Done():
				return nil, nil, fmt.Errorf("go-workflows instance %s did not resume: %w", id(k), ctx.Err())
			}
			lat[k] = append(lat[k], time.Since(start))
			if err := r.waitIdle(ctx, id(k)); err != nil {
				return nil, nil, err
			}
		}
	}
	med := map[int]time.Duration{}
	for _, k := range ks {
		if err := r.client.SignalWorkflow(ctx, id(k), "next", false); err != nil {
			return nil, nil, err
		}
		if err := r.wait(ctx, insts[k]); err != nil {
			return nil, nil, err
		}
		med[k] = lat[k].median()
	}
	return med, rows, nil
}

// waitIdle waits until the instance has no pending event and no
// activity outstanding: it is blocked on its signal channel. (A workflow
// task's commit swaps pending events for scheduled activities, and an
// activity's commit swaps itself for a pending event, atomically.)
func (r *gwRig) waitIdle(ctx context.Context, id string) error {
	for {
		var busy int
		err := r.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM pending_events WHERE instance_id = ?)
			+ (SELECT COUNT(*) FROM activities WHERE instance_id = ?)`, id, id).Scan(&busy)
		if err != nil {
			return err
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("go-workflows instance %s never idle: %w", id, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// gwThroughput runs n workflows of 5 steps with the given parallelism
// and returns workflows per second and how many finished. If they do not
// all finish within limit, the rate is that of the steps run so far
// divided by 5: go-workflows advances all instances together, so few
// finish before the end.
func gwThroughput(ctx context.Context, e *env, n, parallel int, limit time.Duration) (float64, int, error) {
	r, err := newGWRig(e, parallel)
	if err != nil {
		return 0, 0, err
	}
	defer r.close()
	ctx, cancel := context.WithTimeout(ctx, limit+time.Minute)
	defer cancel()
	start := time.Now()
	clients := parallel // as many as the workers, as for the other systems
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < n; i += clients {
				_, err := r.client.CreateWorkflowInstance(ctx, client.WorkflowInstanceOptions{InstanceID: fmt.Sprint("tp-", i)}, gwSequential, 5)
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
		return 0, 0, err
	}
	for {
		var done int
		if err := r.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM instances WHERE completed_at IS NOT NULL").Scan(&done); err != nil {
			return 0, 0, err
		}
		elapsed := time.Since(start)
		if done >= n {
			return float64(done) / elapsed.Seconds(), done, nil
		}
		if elapsed > limit {
			return float64(r.acts.steps.Load()) / 5 / elapsed.Seconds(), done, nil
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return 0, 0, err
		}
	}
}
