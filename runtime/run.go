package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// releaseTimeout bounds the commit that hands a cancelled run back to the
// store at shutdown.
const releaseTimeout = 5 * time.Second

// runInstance runs one claimed instance until it suspends, finishes or
// stops, heartbeating its lease meanwhile. It returns an error only when
// the run stopped abnormally (store error, lost lease, test hook); the
// instance is then left to be taken over when its lease expires. sent is
// when the claim that returned inst was sent.
func (w *Worker) runInstance(base context.Context, inst *Instance, stopping <-chan struct{}, sent time.Time) error {
	def, known, ok := w.definition(inst.Key())
	if !ok {
		return fmt.Errorf("run instance %s: workflow %s is not registered", inst.ID, inst.Key())
	}
	ctx, cancel := context.WithCancelCause(base)
	defer cancel(nil)
	stopHeartbeat := w.heartbeat(ctx, cancel, inst)
	x := newExec(ctx, w.store, &w.cfg, known, inst, stopping, sent)
	err := x.execute(def.NewMachine())
	stopHeartbeat()
	// A run the shutdown timeout cancelled is handed back whatever the
	// error: the cancellation may have reached it as the error of a store
	// call (a final commit made after the timeout, a commit in flight),
	// not as the cause itself.
	if errors.Is(err, errShutdown) || (err != nil && errors.Is(context.Cause(ctx), errShutdown)) {
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(base), releaseTimeout)
		defer rcancel()
		if rerr := x.release(rctx); rerr != nil {
			return rerr
		}
		w.opts.Logger.Debug("instance released at shutdown", "instance", inst.ID, "seq", x.seq)
		return nil
	}
	return err
}

// heartbeat extends the lease of inst every Lease/3 until the returned
// function is called. If the lease is lost it cancels the run with
// [ErrFenced] as the cause.
func (w *Worker) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, inst *Instance) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(w.opts.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			err := w.store.Heartbeat(ctx, inst.ID, inst.Epoch, w.opts.Lease)
			switch {
			case errors.Is(err, ErrFenced), errors.Is(err, ErrNotFound):
				cancel(fmt.Errorf("heartbeat instance %s: %w", inst.ID, ErrFenced))
				return
			case err != nil && ctx.Err() == nil:
				w.opts.Logger.Warn("heartbeat failed", "instance", inst.ID, "error", err)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// execute restores the machine from the claimed frame and runs it. A
// frame that does not decode, an instance the store could not read (see
// [Instance].Unreadable), and a panic in the workflow's code, fail the
// instance; nothing here panics. It returns nil when the instance
// finished or suspended.
func (x *Exec) execute(machine any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = x.fail(fmt.Errorf("workflow %s panicked in instance %s after checkpoint %d: %v (at %s)", x.key, x.id, x.seq, r, panicSite(machine)))
		}
	}()
	m, ok := machine.(Machine)
	if !ok {
		return x.fail(fmt.Errorf("run instance %s: workflow %s has no runtime.Machine (%T)", x.id, x.key, machine))
	}
	x.m = m
	if x.unreadable != nil {
		return x.fail(x.unreadable)
	}
	if err := m.UnmarshalFrame(newDecoder(x.last, x.known)); err != nil {
		return x.fail(fmt.Errorf("decode frame of instance %s at checkpoint %d: %w", x.id, x.seq, err))
	}
	if sm, ok := m.(sagaMachine); ok {
		sm.UseSaga(x)
	}
	if x.cancelReason != "" {
		err = x.cancelRun()
	} else {
		err = m.Run(x)
	}
	switch {
	case err == nil && x.finished, errors.Is(err, errSuspended):
		return nil
	case err == nil:
		return x.fail(fmt.Errorf("workflow %s returned without a result in instance %s (a machine must end with runtime.Return)", x.key, x.id))
	case x.abort != nil:
		return x.abort
	default:
		return fmt.Errorf("run instance %s: %w", x.id, err)
	}
}

// fail commits the instance as failed with err, keeping the last
// committed frame for inspection.
func (x *Exec) fail(err error) error {
	if x.abort != nil {
		return x.abort
	}
	x.cfg.logger.Info("instance failed", "instance", x.id, "workflow", x.key, "error", err)
	if ferr := x.finishWith(x.last, nil, err, &pending{}); !errors.Is(ferr, errSuspended) {
		return ferr
	}
	return nil
}
