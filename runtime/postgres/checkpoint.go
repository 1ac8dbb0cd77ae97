package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/durablegen/durable/runtime"
)

// Claim leases up to req.Limit runnable instances whose key is one of
// req.Workflows to req.Owner for req.Lease, in one statement: candidates
// are locked with FOR UPDATE SKIP LOCKED, so concurrent workers never
// block each other nor claim the same instance. Each claimed instance
// carries the oldest unconsumed signal it awaits and the database clock.
// It claims nothing when req.Workflows is empty or req.Limit is not
// positive.
func (s *Store) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	if len(req.Workflows) == 0 || req.Limit <= 0 {
		return nil, nil
	}
	if req.Lease <= 0 {
		return nil, fmt.Errorf("postgres: claim: lease %v is not positive", req.Lease)
	}
	rows, err := s.pool.Query(ctx, s.sql.claim, req.Owner, req.Workflows, req.Limit, req.Lease.Microseconds())
	if err != nil {
		return nil, fmt.Errorf("postgres: claim: %w", err)
	}
	claimed, err := pgx.CollectRows(rows, scanClaimed)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim: %w", err)
	}
	return claimed, nil
}

// scanClaimed reads a row of claimSQL: the instance columns, the signal
// and the clock.
func scanClaimed(row pgx.CollectableRow) (*runtime.Instance, error) {
	var inst runtime.Instance
	var status string
	var lease, wake, sigCreated pgtype.Timestamptz
	var sigID pgtype.Int8
	var sigName pgtype.Text
	var sigPayload []byte
	err := row.Scan(&inst.ID, &inst.Workflow, &inst.Version, &status, &inst.Frame, &inst.Seq,
		&inst.Attempt, &inst.Epoch, &inst.Owner, &lease, &wake, &inst.AwaitName, &inst.Output,
		&inst.Error, &inst.CreatedAt, &inst.UpdatedAt, &inst.CancelReason, &inst.Aborted,
		&sigID, &sigName, &sigPayload, &sigCreated, &inst.Now)
	if err != nil {
		return nil, err
	}
	inst.Status = runtime.Status(status)
	inst.LeaseUntil = fromNull(lease)
	inst.WakeAt = fromNull(wake)
	if sigID.Valid {
		inst.Signal = &runtime.Signal{
			ID:        sigID.Int64,
			Name:      sigName.String,
			Payload:   sigPayload,
			CreatedAt: sigCreated.Time,
		}
	}
	return &inst, nil
}

// Checkpoint commits cp in one statement, which is one transaction and one
// round trip: the instance row, fenced by cp.Epoch ([runtime.ErrFenced]),
// one history event with sequence cp.Seq ([runtime.ErrDuplicateSeq] if it
// exists), and the consumption of signal cp.ConsumeSignal, which must be
// pending. A checkpoint that releases the instance notifies waiters; a
// waiting one becomes ready if a signal it awaits is pending (then a
// second statement is pipelined in the same transaction and round trip).
// An Event.At of zero is stored as the database clock.
func (s *Store) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	if !validStatus(cp.Status) {
		return fmt.Errorf("postgres: checkpoint %s: invalid status %q", cp.ID, cp.Status)
	}
	var n int64
	var err error
	if cp.Status == runtime.StatusRunning {
		n, err = s.checkpointRunning(ctx, cp)
	} else {
		n, err = s.checkpointRelease(ctx, cp)
	}
	if err != nil {
		if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "23505" {
			err = runtime.ErrDuplicateSeq
		}
		return fmt.Errorf("postgres: checkpoint %s seq %d: %w", cp.ID, cp.Seq, err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: checkpoint %s seq %d: %w", cp.ID, cp.Seq, s.whyNotCommitted(ctx, cp))
	}
	if cp.Status != runtime.StatusRunning {
		s.listen.wakeLocal()
	}
	return nil
}

func (s *Store) checkpointRunning(ctx context.Context, cp *runtime.Checkpoint) (int64, error) {
	ev := &cp.Event
	args := []any{
		cp.ID, cp.Epoch, cp.Frame, cp.Seq, cp.Attempt, cp.AwaitName, cp.Output, cp.Error,
		ev.Kind, ev.Name, ev.Site, ev.Attempts, ev.Error, ev.Detail, nullTime(ev.At),
	}
	sql := s.sql.checkpoint[0][0]
	if cp.ConsumeSignal != 0 {
		sql = s.sql.checkpoint[0][1]
		args = append(args, cp.ConsumeSignal)
	}
	tag, err := s.pool.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

func (s *Store) checkpointRelease(ctx context.Context, cp *runtime.Checkpoint) (int64, error) {
	ev := &cp.Event
	args := []any{
		cp.ID, cp.Epoch, cp.Frame, cp.Seq, cp.Attempt, cp.AwaitName, cp.Output, cp.Error,
		ev.Kind, ev.Name, ev.Site, ev.Attempts, ev.Error, ev.Detail, nullTime(ev.At),
		string(cp.Status), nullTime(cp.WakeAt), s.channel,
	}
	sql := s.sql.checkpoint[1][0]
	if cp.ConsumeSignal != 0 {
		sql = s.sql.checkpoint[1][1]
		args = append(args, cp.ConsumeSignal)
	}
	var n int64
	if cp.Status != runtime.StatusWaiting {
		err := s.pool.QueryRow(ctx, sql, args...).Scan(&n)
		return n, err
	}
	// Both statements run in the implicit transaction of one pipelined
	// batch; the second takes its snapshot after the first holds the row.
	b := &pgx.Batch{}
	b.Queue(sql, args...).QueryRow(func(row pgx.Row) error { return row.Scan(&n) })
	b.Queue(s.sql.readyIfSignaled, cp.ID, cp.Epoch)
	err := s.pool.SendBatch(ctx, b).Close()
	return n, err
}

// whyNotCommitted explains a checkpoint that changed no row: the claim is
// no longer current ([runtime.ErrFenced]), the checkpoint committed
// already ([runtime.ErrDuplicateSeq]: a retry), or the signal it consumes
// is not pending.
func (s *Store) whyNotCommitted(ctx context.Context, cp *runtime.Checkpoint) error {
	if cp.ConsumeSignal == 0 {
		return runtime.ErrFenced
	}
	inst, err := s.Get(ctx, cp.ID)
	if err != nil {
		return err
	}
	if inst.Epoch != cp.Epoch || inst.Status != runtime.StatusRunning {
		return runtime.ErrFenced
	}
	if inst.Seq >= cp.Seq {
		return runtime.ErrDuplicateSeq // it consumed the signal
	}
	return fmt.Errorf("consume signal %d: no pending signal with that ID for this instance", cp.ConsumeSignal)
}
