package runtime

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/durablegen/durable"
)

// All runs the steps of futures started with durable.Go concurrently,
// each under policy s.Policy with its own retries (waiting in memory
// between attempts), settles them and records the batch for the following
// Commit: one checkpoint for all. It returns the error of the first
// future, in the order given, whose step failed for good.
func All(x *Exec, s *Site, futures ...durable.Pending) error {
	if x.abort != nil {
		return x.abort
	}
	next := x.seq + 1
	if h := x.cfg.hooks.BeforeStep; h != nil {
		if err := h(x.id, next, s); err != nil {
			return x.stop(err)
		}
	}
	if err := x.holdLease(); err != nil {
		return x.stop(err)
	}
	rec := x.begin(s, "all")
	key := x.stepKeySeq()
	p := s.Policy
	errs := make([]error, len(futures))
	attempts := make([]int, len(futures))
	var wg sync.WaitGroup
	for i, f := range futures {
		if f == nil || f.Settled() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			attempts[i], errs[i] = x.runFuture(x.ctx, f, p, key, i+1)
		}()
	}
	wg.Wait()
	if x.ctx.Err() != nil {
		// Stopping (shutdown or lost lease): the batch runs again
		// wherever the instance resumes.
		return x.stop(context.Cause(x.ctx))
	}
	for _, err := range errs {
		if s, ok := errors.AsType[*stopRun](err); ok {
			return x.stop(s.err)
		}
	}
	var names []string
	var first error
	for i, f := range futures {
		if f == nil {
			continue
		}
		f.Settle()
		rec.attempts = max(rec.attempts, attempts[i])
		names = append(names, f.StepName())
		if first == nil && errs[i] != nil {
			first = errs[i]
		}
	}
	rec.detail = []byte(strings.Join(names, ","))
	if first != nil {
		rec.errMsg = first.Error()
	}
	if h := x.cfg.hooks.AfterStep; h != nil {
		if herr := h(x.id, next, s); herr != nil {
			return x.stop(herr)
		}
	}
	return first
}

// runFuture runs one future's step with base until it succeeds, fails
// for good or base is done, and returns the attempts it took and its final
// error, a *stopRun if the run must stop before an attempt (its lease is
// lost). It runs in its own goroutine: it reads x but changes nothing in
// it.
func (x *Exec) runFuture(base context.Context, f durable.Pending, p durable.Policy, seq int64, index int) (int, error) {
	var err error
	n := 0
	for {
		n++
		if n > 1 {
			if lerr := x.holdLease(); lerr != nil {
				return n - 1, &stopRun{lerr}
			}
		}
		ctx := base
		cancel := func() {}
		if p.Timeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		}
		ctx = durable.WithStep(ctx, durable.StepInfo{InstanceID: x.id, Name: f.StepName(), Seq: seq, Index: index, Attempt: n})
		o := x.cfg.obs.steps
		var info StepInfo
		var began time.Time
		if o != nil {
			info = x.stepInfo(f.StepName(), index, n)
			ctx = o.StepStart(ctx, info)
			began = time.Now()
		}
		err = f.RunStep(ctx)
		if o != nil {
			o.StepEnd(ctx, info, StepEnd{Duration: time.Since(began), Err: err})
		}
		cancel()
		if err == nil || base.Err() != nil || !retryable(err, p) || n >= p.Attempts() {
			return n, err
		}
		if !x.backoff(base, jitter(p.Backoff(n), p.Jitter)) {
			return n, err
		}
	}
}

// Select runs the steps of futures started with durable.Go concurrently,
// each under policy s.Policy with its own retries, until the first one is
// done: it settles that one, cancels the others and records the winner
// for the following Commit. It returns the winner's index and error.
func Select(x *Exec, s *Site, futures ...durable.Pending) (int, error) {
	if x.abort != nil {
		return -1, x.abort
	}
	next := x.seq + 1
	if h := x.cfg.hooks.BeforeStep; h != nil {
		if err := h(x.id, next, s); err != nil {
			return -1, x.stop(err)
		}
	}
	if err := x.holdLease(); err != nil {
		return -1, x.stop(err)
	}
	rec := x.begin(s, "select")
	key := x.stepKeySeq()
	attempts := make([]int, len(futures))
	i, err := durable.SelectWith(x.ctx, futures, func(ctx context.Context, i int, f durable.Pending) error {
		var ferr error
		attempts[i], ferr = x.runFuture(ctx, f, s.Policy, key, i+1)
		return ferr
	})
	if x.ctx.Err() != nil {
		return -1, x.stop(context.Cause(x.ctx))
	}
	if s, ok := errors.AsType[*stopRun](err); ok {
		return -1, x.stop(s.err)
	}
	if i >= 0 {
		rec.attempts = attempts[i]
		rec.detail = []byte(futures[i].StepName())
	}
	if err != nil {
		rec.errMsg = err.Error()
	}
	if h := x.cfg.hooks.AfterStep; h != nil {
		if herr := h(x.id, next, s); herr != nil {
			return -1, x.stop(herr)
		}
	}
	return i, err
}
