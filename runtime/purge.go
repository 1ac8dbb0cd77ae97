package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Purger is an optional capability of a [Store]: deleting finished
// instances, for retention ([Client.Purge], the durable CLI's gc, a
// worker's [WorkerOptions].Retention). The stores of this module
// implement it, and runtime/storetest checks it.
//
// A purge runs in batches, each one short transaction that deletes a few
// instances with their history, signals and run summaries, so that it
// holds no lock for long and any number of processes can purge the same
// store at once: a batch skips the candidates another one holds.
//
// Children: a child workflow's parent reads the child's result from the
// child instance, so a finished child whose parent is still in progress
// is kept; once its parent has finished (or is gone), the child goes
// when it is itself old enough. An unfinished child is never deleted,
// whatever its parent.
type Purger interface {
	// Purge deletes one batch (see [PurgeRequest]) and says where the
	// next one starts.
	Purge(ctx context.Context, req PurgeRequest) (PurgeResult, error)
}

// PurgeRequest selects one batch of [Purger].Purge. Its candidates are
// the first Limit instances after After in the listing order (CreatedAt,
// then ID; see [Cursor]) that have a terminal status and were created and
// last updated (for a terminal instance: finished) strictly before
// FinishedBefore. The batch deletes every candidate except a child (see
// [ChildID]) whose parent is in progress, and candidates that another
// transaction holds.
type PurgeRequest struct {
	FinishedBefore time.Time
	After          Cursor
	// Limit is the most candidates of the batch, 1 to [MaxPurgeBatch].
	Limit int
}

// PurgeResult is the outcome of one batch of [Purger].Purge.
type PurgeResult struct {
	// Deleted is how many instances the batch deleted.
	Deleted int
	// Next is the position of the batch's last candidate: the After of
	// the next batch.
	Next Cursor
	// Done says that there are no more candidates after Next: the batch
	// found fewer than Limit (or knows that it found the last).
	Done bool
}

// Purge batch sizes.
const (
	// DefaultPurgeBatch is the batch size of a [PurgeOptions] whose
	// BatchSize is 0.
	DefaultPurgeBatch = 100
	// MaxPurgeBatch is the largest batch a purge may ask for.
	MaxPurgeBatch = 10_000
)

// Validate reports what a store cannot use in r.
func (r PurgeRequest) Validate() error {
	if r.FinishedBefore.IsZero() {
		return errors.New("purge: no finished-before time (instances that finished before it are deleted)")
	}
	if r.Limit < 1 || r.Limit > MaxPurgeBatch {
		return fmt.Errorf("purge: batch size %d out of range 1..%d", r.Limit, MaxPurgeBatch)
	}
	return nil
}

// Candidate reports whether inst is a candidate of r (see
// [PurgeRequest]) apart from its position: finished, created and last
// updated before r.FinishedBefore. Stores that filter in memory use it.
func (r PurgeRequest) Candidate(inst *Instance) bool {
	return inst.Status.Terminal() && inst.CreatedAt.Before(r.FinishedBefore) && inst.UpdatedAt.Before(r.FinishedBefore)
}

// ParentID returns the ID of the parent of a child instance (see
// [ChildID]), and false for an instance that is no child.
func ParentID(id string) (string, bool) { return parentOf(id) }

// PurgeOptions adjusts [Client.Purge].
type PurgeOptions struct {
	// BatchSize is the most instances a batch looks at (and deletes) in
	// one transaction: 0 means [DefaultPurgeBatch].
	BatchSize int
	// Pause, if positive, is a wait between batches, to leave the store
	// to other work during a long purge.
	Pause time.Duration
}

// Purge deletes the instances that finished (completed, failed or were
// canceled) before finishedBefore, with their history, signals and run
// summaries, in batches of short transactions (see [Purger]), and
// returns how many it deleted. It is safe to run from several processes
// at once. It stops at ctx's end, returning what it deleted until then
// with ctx's error. The store must implement [Purger]; otherwise the
// error matches errors.ErrUnsupported.
func (c *Client) Purge(ctx context.Context, finishedBefore time.Time, opts PurgeOptions) (int, error) {
	p, ok := c.store.(Purger)
	if !ok {
		return 0, fmt.Errorf("purge: store %T does not implement runtime.Purger: %w", c.store, errors.ErrUnsupported)
	}
	return purge(ctx, p, finishedBefore, opts)
}

func purge(ctx context.Context, p Purger, finishedBefore time.Time, opts PurgeOptions) (int, error) {
	req := PurgeRequest{FinishedBefore: finishedBefore, Limit: opts.BatchSize}
	if req.Limit == 0 {
		req.Limit = DefaultPurgeBatch
	}
	if err := req.Validate(); err != nil {
		return 0, err
	}
	deleted := 0
	for {
		if err := ctx.Err(); err != nil {
			return deleted, fmt.Errorf("purge: %w", err)
		}
		res, err := p.Purge(ctx, req)
		if err != nil {
			return deleted, fmt.Errorf("purge: after %d deleted: %w", deleted, err)
		}
		deleted += res.Deleted
		if res.Done {
			return deleted, nil
		}
		req.After = res.Next
		if opts.Pause > 0 {
			sleep(ctx, opts.Pause)
		}
	}
}
