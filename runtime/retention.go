package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultRetentionInterval is the time between a worker's purges when
// [WorkerOptions].RetentionInterval is 0.
const DefaultRetentionInterval = 10 * time.Minute

// retentionBatch is the batch size of a worker's purges: small
// transactions, paused between, so that checkpoints are not held up.
const (
	retentionBatch = 100
	retentionPause = 10 * time.Millisecond
)

// startRetention starts the worker's purges of [WorkerOptions].Retention,
// if it is set, and returns the function that stops them and waits for
// the one in progress. A store that cannot purge is an error.
func (w *Worker) startRetention(ctx context.Context) (stop func(), err error) {
	keep := w.opts.Retention
	if keep <= 0 {
		return func() {}, nil
	}
	p, ok := w.store.(Purger)
	if !ok {
		return nil, fmt.Errorf("run worker: WorkerOptions.Retention is set, and store %T cannot delete instances (runtime.Purger): %w", w.store, errors.ErrUnsupported)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			w.retain(ctx, p, keep)
			if !sleep(ctx, w.opts.RetentionInterval) {
				return
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}, nil
}

// retain deletes the instances that finished more than keep ago.
func (w *Worker) retain(ctx context.Context, p Purger, keep time.Duration) {
	now := time.Now
	if w.opts.Now != nil {
		now = w.opts.Now
	}
	before := now().Add(-keep)
	n, err := purge(ctx, p, before, PurgeOptions{BatchSize: retentionBatch, Pause: retentionPause})
	switch {
	case err != nil && ctx.Err() == nil:
		w.opts.Logger.Warn("retention: purge failed; the next one tries again", "deleted", n, "finished_before", before, "error", err)
	case n > 0:
		w.opts.Logger.Info("retention: finished instances deleted", "deleted", n, "finished_before", before)
	}
}
