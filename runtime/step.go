package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/durablegen/durable"
)

// withOptions returns p adjusted by the options of one step call.
func withOptions(p durable.Policy, opts []durable.Option) durable.Policy {
	for _, o := range opts {
		o(&p)
	}
	return p
}

// call runs step fn at site s (see [Call]), or the fake a test installed
// for a durable.Do step.
func call[T any](x *Exec, s *Site, fn func(ctx context.Context) (T, error), opts []durable.Option) (T, error) {
	if s.Kind == "do" && stubsInstalled.Load() {
		return runCall(x, s, stubDo(x.ctx, s, fn), opts)
	}
	// fn is not reassigned here: the closure of runCall captures it by
	// value, without a heap allocation.
	return runCall(x, s, fn, opts)
}

// runCall runs step fn at site s under its policy.
func runCall[T any](x *Exec, s *Site, fn func(ctx context.Context) (T, error), opts []durable.Option) (T, error) {
	var v T
	if x.abort != nil {
		return v, x.abort
	}
	p := s.Policy
	if len(opts) > 0 {
		p = withOptions(p, opts) // keeps p off the heap when there are none
	}
	err := x.runStep(s, p, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	})
	if err == nil && x.abort == nil {
		if _, empty := any(v).(struct{}); !empty {
			// The result is in the frame; the copy in the event is for
			// inspection only, so a value the codec cannot encode is left out.
			x.pend.detail, _ = x.cfg.codec.Marshal(v)
		}
	}
	return v, err
}

// runStep runs attempt under policy p until it succeeds, fails for good,
// or its next retry is far enough away to suspend the instance, and
// records the outcome for the following Commit. It returns the step's
// error, or the run's error if the run must stop.
func (x *Exec) runStep(s *Site, p durable.Policy, attempt func(ctx context.Context) error) error {
	// Hooks get the sequence the next commit will have; the step key keeps
	// the first attempt's sequence across a suspended retry.
	next := x.seq + 1
	seq := x.stepKeySeq()
	if h := x.cfg.hooks.BeforeStep; h != nil {
		if err := h(x.id, next, s); err != nil {
			return x.stop(err)
		}
	}
	rec := x.begin(s, "step")
	n := x.attempt
	var err error
	for {
		n++
		if err := x.holdLease(); err != nil {
			return x.stop(err)
		}
		err = x.attemptStep(s, p, seq, n, attempt)
		if err == nil {
			break
		}
		if x.ctx.Err() != nil {
			// The run is stopping (shutdown or lost lease), which is not
			// the step's failure: it runs again wherever the instance resumes.
			return x.stop(context.Cause(x.ctx))
		}
		if !retryable(err, p) || n >= p.Attempts() {
			break
		}
		d := jitter(p.Backoff(n), p.Jitter)
		if d > x.cfg.maxInlineBackoff && !s.InMemory {
			rec.kind = "retry"
			rec.status = StatusSleeping
			rec.wakeAt = x.now().Add(d)
			rec.stay = true
			rec.attempt = n
			rec.stepSeq = seq
			break
		}
		x.logAttempt(slog.LevelDebug, "step failed, retrying", n, "step", s.Name, "backoff", d, "error", err)
		if !x.backoff(x.ctx, d) {
			return x.stop(context.Cause(x.ctx))
		}
	}
	rec.attempts = n
	if err != nil {
		rec.errMsg = err.Error()
	}
	if h := x.cfg.hooks.AfterStep; h != nil {
		if herr := h(x.id, next, s); herr != nil {
			return x.stop(herr)
		}
	}
	if rec.stay {
		// The retry resumes this checkpoint's state, whose arguments may
		// read the variables the step's results go to: commit the frame
		// now, before the machine assigns the failed attempt's results,
		// and stop the run at the machine's Commit.
		x.stop(x.commit())
	}
	return err
}

// backoff waits d before a step's next attempt, or has the Wait hook do
// it, and reports whether ctx is still live.
func (x *Exec) backoff(ctx context.Context, d time.Duration) bool {
	if wait := x.cfg.hooks.Wait; wait != nil {
		return wait(ctx, d)
	}
	return sleep(ctx, d)
}

// attemptStep runs attempt n of a step, turning a panic into an error.
func (x *Exec) attemptStep(s *Site, p durable.Policy, seq int64, n int, attempt func(ctx context.Context) error) (err error) {
	ctx := x.ctx
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		defer cancel()
	}
	ctx = durable.WithStep(ctx, durable.StepInfo{InstanceID: x.id, Name: s.Name, Seq: seq, Attempt: n})
	if o := x.cfg.obs.steps; o != nil {
		info := x.stepInfo(s.Name, 0, n)
		ctx = o.StepStart(ctx, info)
		began := time.Now()
		defer func() { o.StepEnd(ctx, info, StepEnd{Duration: time.Since(began), Err: err}) }()
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("step %s panicked: %v (at %s)", s.Name, r, panicSite(nil))
		}
	}()
	return attempt(ctx)
}

// retryable reports whether a step that failed with err may run again.
func retryable(err error, p durable.Policy) bool {
	if durable.IsPermanent(err) {
		return false
	}
	for _, target := range p.NonRetryable {
		if errors.Is(err, target) {
			return false
		}
	}
	return true
}

// jitter shortens d by a random fraction of up to f.
func jitter(d time.Duration, f float64) time.Duration {
	if f <= 0 {
		return d
	}
	return d - time.Duration(float64(d)*min(f, 1)*rand.Float64())
}
