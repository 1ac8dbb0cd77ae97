package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/internal/rowevents"
)

// Claim leases up to req.Limit runnable instances whose key is one of
// req.Workflows to req.Owner for req.Lease, in one statement: candidates
// are locked with FOR UPDATE SKIP LOCKED, so concurrent workers never
// block each other nor claim the same instance. Each claimed instance
// carries the oldest unconsumed signal it awaits and the database clock.
// It claims nothing when req.Workflows is empty or req.Limit is not
// positive. A claim made while other writes commit shares their
// transaction (see [Store]).
func (s *Store) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	if len(req.Workflows) == 0 || req.Limit <= 0 {
		return nil, nil
	}
	if req.Lease <= 0 {
		return nil, fmt.Errorf("postgres: claim: lease %v is not positive", req.Lease)
	}
	o := &op{ctx: ctx, claim: &req}
	s.do(o)
	if o.err != nil {
		return nil, fmt.Errorf("postgres: claim: %w", o.err)
	}
	return o.claimed, nil
}

// claimOne runs the claim statement of req alone.
func (s *Store) claimOne(ctx context.Context, req *runtime.ClaimRequest) ([]*runtime.Instance, error) {
	rows, err := s.pool.Query(ctx, s.sql.claim, claimArgs(req)...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanClaimed)
}

func claimArgs(req *runtime.ClaimRequest) []any {
	return []any{req.Owner, req.Workflows, req.Limit, req.Lease.Microseconds()}
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
// round trip: the instance row, fenced by cp.Epoch ([runtime.ErrFenced])
// and by cp.Seq, which must follow the instance's
// ([runtime.ErrDuplicateSeq] if the instance has it already), with its
// history event appended to the row's pending events (moved to history
// every few checkpoints, see rowevents), and the consumption of signal
// cp.ConsumeSignal, which must be pending. A checkpoint that releases the
// instance notifies waiters; a waiting one becomes ready if a signal it
// awaits is pending (then a second statement is pipelined in the same
// transaction and round trip). An Event.At of zero is stored as the
// database clock. Checkpoints of concurrent callers share a transaction
// (see [Store]).
func (s *Store) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	if !validStatus(cp.Status) {
		return fmt.Errorf("postgres: checkpoint %s: invalid status %q", cp.ID, cp.Status)
	}
	if err := storableEvent(&cp.Event); err != nil {
		return fmt.Errorf("postgres: checkpoint %s seq %d: %w", cp.ID, cp.Seq, err)
	}
	if cp.Version != "" || cp.Wake != nil {
		if err := s.checkpointTx(ctx, cp); err != nil {
			return fmt.Errorf("postgres: checkpoint %s seq %d: %w", cp.ID, cp.Seq, err)
		}
		if cp.Status != runtime.StatusRunning {
			s.listen.wakeLocal()
		}
		return nil
	}
	o := cpOps.Get().(*op)
	o.ctx, o.cp, o.ev = ctx, cp, rowevents.AppendHead(o.ev[:0], cp.Seq, &cp.Event)
	s.do(o)
	n, err := o.n, o.err
	*o = op{ev: o.ev[:0]}
	cpOps.Put(o)
	if err != nil {
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

// checkpointTx commits a checkpoint that also changes the instance's
// version (the first commit of an instance moved to a later layout) or
// wakes another instance (a child's terminal checkpoint waking its
// parent), in a transaction of its own, outside the batches: both are
// rare beside the steps' checkpoints.
func (s *Store) checkpointTx(ctx context.Context, cp *runtime.Checkpoint) error {
	if err := cp.CheckExtras(); err != nil {
		return err
	}
	if cp.Status == runtime.StatusWaiting {
		// Its signal check (readyIfSignaled) is the batch path's.
		return errors.New("a wake-up is sent by a terminal checkpoint, not a waiting one")
	}
	release := cp.Status != runtime.StatusRunning
	ev := rowevents.AppendHead(nil, cp.Seq, &cp.Event)
	flush := rowevents.Flush(cp, len(ev))
	args := []any{cp.ID, cp.Epoch, cp.Frame, cp.Seq, cp.Attempt, cp.AwaitName, cp.Output, cp.Error, ev, eventMicros(cp.Event.At)}
	if release {
		args = append(args, string(cp.Status), nullTime(cp.WakeAt), s.channel)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	sql := s.sql.checkpoint[b2i(release)][0][b2i(flush)]
	var n int64
	if release || flush {
		err = tx.QueryRow(ctx, sql, args...).Scan(&n)
	} else {
		var tag pgconn.CommandTag
		tag, err = tx.Exec(ctx, sql, args...)
		n = tag.RowsAffected()
	}
	if err != nil {
		return err
	}
	if n == 0 {
		tx.Rollback(ctx)
		return s.whyNotCommitted(ctx, cp)
	}
	if cp.Version != "" {
		if _, err := tx.Exec(ctx, s.sql.setVersion, cp.Version, cp.ID, cp.Epoch, cp.Seq); err != nil {
			return fmt.Errorf("change the version: %w", err)
		}
	}
	if w := cp.Wake; w != nil {
		// Missing (no rows) or terminal: nothing to wake.
		var status string
		if err := tx.QueryRow(ctx, s.sql.signal, w.ID, w.Name, nil, s.channel).Scan(&status); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("wake %s: %w", w.ID, err)
		}
	}
	return tx.Commit(ctx)
}

// CommitsWake says that Checkpoint commits a checkpoint's Wake signal
// with it (runtime.ParentWaker).
func (s *Store) CommitsWake() {}

// checkpoint runs the statement of cp, whose event encodes to ev, and
// returns the number of instances it updated.
func (s *Store) checkpoint(ctx context.Context, cp *runtime.Checkpoint, ev []byte) (int64, error) {
	release := cp.Status != runtime.StatusRunning
	consume := cp.ConsumeSignal != 0
	flush := rowevents.Flush(cp, len(ev))
	args := []any{
		cp.ID, cp.Epoch, cp.Frame, cp.Seq, cp.Attempt, cp.AwaitName, cp.Output, cp.Error,
		ev, eventMicros(cp.Event.At),
	}
	if release {
		args = append(args, string(cp.Status), nullTime(cp.WakeAt), s.channel)
	}
	if consume {
		args = append(args, cp.ConsumeSignal)
	}
	sql := s.sql.checkpoint[b2i(release)][b2i(consume)][b2i(flush)]
	if !release && !consume && !flush {
		tag, err := s.pool.Exec(ctx, sql, args...)
		return tag.RowsAffected(), err
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

// storableEvent checks that the strings of ev can be stored in text
// columns: valid UTF-8 without NUL bytes. The event is pending in the
// instance's row before it reaches the history table, so this is checked
// before the commit rather than by the database when the events move.
func storableEvent(ev *runtime.Event) error {
	for _, f := range [...]struct{ name, s string }{{"kind", ev.Kind}, {"name", ev.Name}, {"error", ev.Error}} {
		if !utf8.ValidString(f.s) || strings.IndexByte(f.s, 0) >= 0 {
			return fmt.Errorf("event %s %q is not valid UTF-8 text without NUL bytes, which PostgreSQL text cannot hold", f.name, f.s)
		}
	}
	return nil
}

// eventMicros is the time of an event as stored in the pending events:
// microseconds since the Unix epoch, NULL (the database clock) for the
// zero time.
func eventMicros(t time.Time) pgtype.Int8 {
	return pgtype.Int8{Int64: t.UnixMicro(), Valid: !t.IsZero()}
}

// whyNotCommitted explains a checkpoint that changed no row: the claim is
// no longer current ([runtime.ErrFenced]), the instance has cp.Seq
// already ([runtime.ErrDuplicateSeq]), cp.Seq does not follow the
// instance's, or the signal it consumes is not pending.
func (s *Store) whyNotCommitted(ctx context.Context, cp *runtime.Checkpoint) error {
	var epoch, seq int64
	var status string
	var leased pgtype.Bool
	err := s.pool.QueryRow(ctx, s.sql.state, cp.ID).Scan(&epoch, &status, &seq, &leased)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("no such instance: %w", runtime.ErrFenced)
	case err != nil:
		return err
	case epoch != cp.Epoch || status != string(runtime.StatusRunning) || !leased.Bool:
		return runtime.ErrFenced
	case seq >= cp.Seq:
		return runtime.ErrDuplicateSeq
	case seq != cp.Seq-1:
		return fmt.Errorf("sequence number %d does not follow the instance's %d", cp.Seq, seq)
	case cp.ConsumeSignal != 0:
		// Blame the signal only if it is not pending: the fence may have
		// failed on the lease instead, which a heartbeat has renewed since
		// (a slow commit under load), and that is no refusal.
		var pending bool
		err := s.pool.QueryRow(ctx, s.sql.signalPending, cp.ConsumeSignal, cp.ID).Scan(&pending)
		if err != nil {
			return err
		}
		if !pending {
			return fmt.Errorf("consume signal %d: no pending signal with that ID for this instance", cp.ConsumeSignal)
		}
	}
	// The claim was current when read back: it changed between the two
	// statements (a lease that expired, say) only if the fence failed
	// on a condition that has since changed; the claim is not usable.
	return runtime.ErrFenced
}
