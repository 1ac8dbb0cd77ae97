package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// runInstance runs one claimed instance until it suspends, finishes or
// stops, heartbeating its lease meanwhile. It returns an error only when
// the run stopped abnormally (store error, lost lease, test hook); the
// instance is then left to be taken over when its lease expires.
//
// claimed is when the claim was sent: the lease is measured from then.
func (w *Worker) runInstance(base context.Context, inst *Instance, claimed time.Time, stopping <-chan struct{}) error {
	def, known, ok := w.definition(inst.Key())
	if !ok {
		return fmt.Errorf("run instance %s: workflow %s is not registered", inst.ID, inst.Key())
	}
	ctx, cancel := context.WithCancelCause(base)
	defer cancel(nil)
	l := newLease(claimed, w.opts.Lease)
	stopHeartbeat := w.heartbeat(ctx, cancel, inst, l)
	x := newExec(ctx, w.store, &w.cfg, known, inst, l, stopping)
	if inst.Version != def.Version() {
		x.upgradeFrom, x.upgradeTo = inst.Version, def.Version()
	}
	storeCtx, release := graceContext(ctx, w.opts.Lease)
	defer release()
	x.storeCtx = storeCtx
	err := x.execute(def.NewMachine())
	if err != nil && x.failRefused() {
		err = nil
	}
	stopHeartbeat()
	// A run the shutdown timeout cancelled is handed back whatever the
	// error: the cancellation may have reached it as the error of a store
	// call (a final commit made after the timeout, a commit in flight),
	// not as the cause itself.
	if errors.Is(err, errShutdown) || (err != nil && errors.Is(context.Cause(ctx), errShutdown)) {
		if rerr := x.release(); rerr != nil {
			return rerr
		}
		w.opts.Logger.Debug("instance released at shutdown", "instance", inst.ID, "seq", x.seq)
		return nil
	}
	return err
}

// heartbeat extends the lease of inst every Lease/3 until the returned
// function is called, recording each renewal in l. If the lease is lost it
// cancels the run with [ErrFenced] as the cause.
func (w *Worker) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, inst *Instance, l *lease) (stop func()) {
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
			sent := time.Now()
			err := w.store.Heartbeat(ctx, inst.ID, inst.Epoch, w.opts.Lease)
			switch {
			case err == nil:
				l.renewed(sent)
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
	if err := checkPayload("stored frame of instance "+x.id, len(x.last), x.cfg.maxPayload, "WorkerOptions.MaxPayload"); err != nil {
		return x.fail(fmt.Errorf("%w; not decoded", err))
	}
	if max := x.cfg.maxAborted; max > 0 && x.aborted >= max {
		// Not decoded: the frame may be what kills its runs.
		x.pinKey = true
		return x.fail(fmt.Errorf("instance %s: its last %d runs ended without committing anything (their worker died, was stopped or cut off, or the store refused the commit); failed rather than run again (WorkerOptions.MaxAbortedRuns); Client.Retry runs it again", x.id, x.aborted))
	}
	d := newDecoder(x.last, x.known)
	if err := m.UnmarshalFrame(d); err != nil {
		return x.fail(fmt.Errorf("decode frame of instance %s at checkpoint %d: %w", x.id, x.seq, err))
	}
	x.pinKey, x.stepSeq = true, d.stepSeq
	if x.upgradeFrom != "" {
		if err := x.upgrade(m); err != nil || x.upgradeFrom != "" {
			return err
		}
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
		// The machine itself returned an error (a frame naming a state it
		// does not have, say): running it again would too.
		return x.fail(fmt.Errorf("workflow %s failed in instance %s after checkpoint %d: %w", x.key, x.id, x.seq, err))
	}
}

// failRefused fails the instance after its run was stopped by a commit
// the store refused (neither a transient error nor a lost lease), if this
// run is the last of the MaxAbortedRuns in a row that may end so: the
// instance reaches its failed state with that reason, rather than a next
// claim failing it without one. It reports whether it committed the
// failure.
func (x *Exec) failRefused() bool {
	max := x.cfg.maxAborted
	if x.refused == nil || max <= 0 || x.aborted+1 < max {
		return false
	}
	cause := x.refused
	x.abort, x.pend = nil, pending{}
	return x.fail(fmt.Errorf("instance %s: %d runs in a row could not commit, the last because: %w", x.id, x.aborted+1, cause)) == nil
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
