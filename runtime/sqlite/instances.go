package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/internal/rowevents"
)

// Create inserts inst unless an instance with its ID exists, and returns
// the stored instance and whether this call created it. An empty Status is
// stored as ready; Epoch, Owner and LeaseUntil are ignored, and CreatedAt
// and UpdatedAt are set from the store clock.
func (s *Store) Create(ctx context.Context, inst *runtime.Instance) (*runtime.Instance, bool, error) {
	if err := runtime.CheckID(inst.ID); err != nil {
		return nil, false, fmt.Errorf("sqlite: create: %w", err)
	}
	status := inst.Status
	if status == "" {
		status = runtime.StatusReady
	}
	if !validStatus(status) || status == runtime.StatusRunning {
		return nil, false, fmt.Errorf("sqlite: create %s: cannot create an instance with status %q", inst.ID, status)
	}
	var created *runtime.Instance
	err := s.write(ctx, false, func(ctx context.Context) error {
		var err error
		created, err = scanInstance(s.st.create.QueryRowContext(ctx, inst.ID, inst.Workflow, inst.Version,
			string(status), inst.Frame, inst.Seq, inst.Attempt, nanos(inst.WakeAt), inst.AwaitName,
			inst.Output, inst.Error, nanos(s.now())))
		return err
	})
	if err == nil {
		s.wake.notify()
		return created, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("sqlite: create %s: %w", inst.ID, err)
	}
	existing, err := scanInstance(s.st.get.QueryRowContext(ctx, inst.ID))
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: create %s: read existing: %w", inst.ID, err)
	}
	return existing, false, nil
}

// Get returns the instance id, or an error wrapping [runtime.ErrNotFound].
func (s *Store) Get(ctx context.Context, id string) (*runtime.Instance, error) {
	inst, err := scanInstance(s.st.get.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: get %s: %w", id, runtime.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %s: %w", id, err)
	}
	return inst, nil
}

// Claim leases up to req.Limit runnable instances whose key is one of
// req.Workflows to req.Owner for req.Lease. It claims nothing when
// req.Workflows is empty or req.Limit is not positive.
func (s *Store) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	if len(req.Workflows) == 0 || req.Limit <= 0 {
		return nil, nil
	}
	if req.Lease <= 0 {
		return nil, fmt.Errorf("sqlite: claim: lease %v is not positive", req.Lease)
	}
	keys, err := json.Marshal(req.Workflows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	var claimed []*runtime.Instance
	err = s.write(ctx, true, func(ctx context.Context) error {
		now := s.now()
		var err error
		if claimed, err = claimRows(ctx, s.st.claim, req, now, string(keys)); err != nil {
			return err
		}
		for _, inst := range claimed {
			inst.Now = now
			if inst.AwaitName == "" {
				continue
			}
			if inst.Signal, err = pendingSignal(ctx, s.st.pendingSignal, inst); err != nil {
				return fmt.Errorf("%s: %w", inst.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim: %w", err)
	}
	return claimed, nil
}

func claimRows(ctx context.Context, stmt *sql.Stmt, req runtime.ClaimRequest, now time.Time, keys string) ([]*runtime.Instance, error) {
	rows, err := stmt.QueryContext(ctx, req.Owner, nanos(now.Add(req.Lease)), nanos(now), keys, req.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var claimed []*runtime.Instance
	for rows.Next() {
		var aborted int
		inst, err := scanInstance(rows, &aborted)
		if err != nil {
			return nil, err
		}
		inst.Aborted = aborted
		claimed = append(claimed, inst)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return claimed, nil
}

func pendingSignal(ctx context.Context, stmt *sql.Stmt, inst *runtime.Instance) (*runtime.Signal, error) {
	sig := &runtime.Signal{Name: inst.AwaitName}
	var created int64
	err := stmt.QueryRowContext(ctx, inst.ID, inst.AwaitName).Scan(&sig.ID, &sig.Payload, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read signal %q: %w", inst.AwaitName, err)
	}
	sig.CreatedAt = fromNanos(created)
	return sig, nil
}

// Checkpoint commits cp in one transaction: the instance row, fenced by
// cp.Epoch ([runtime.ErrFenced]) and by cp.Seq, which must follow the
// instance's ([runtime.ErrDuplicateSeq] if the instance has it already),
// with its history event appended to the row's pending events (moved to
// history every few checkpoints, see rowevents), and the consumption of
// signal cp.ConsumeSignal. An Event.At of zero is stored as the store
// clock. Checkpoints of concurrent callers share a transaction (see
// [Store]).
func (s *Store) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	if !validStatus(cp.Status) {
		return fmt.Errorf("sqlite: checkpoint %s: invalid status %q", cp.ID, cp.Status)
	}
	if err := cp.CheckExtras(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	var stored runtime.Status
	// Most checkpoints are one statement, which needs no savepoint of
	// its own in a batch; those that also consume a signal, move the
	// pending events or change the version do.
	tx := cp.ConsumeSignal != 0 || cp.Version != "" || cp.Wake != nil || rowevents.Flush(cp, rowevents.Len(cp.Seq, &cp.Event))
	err := s.write(ctx, tx, func(ctx context.Context) error {
		now := nanos(s.now())
		var err error
		if stored, err = s.updateInstance(ctx, cp, now); err != nil {
			return err
		}
		if cp.Version != "" {
			// The row is this checkpoint's now (fenced above).
			if _, err := s.w.ExecContext(ctx, `UPDATE instances SET version = ?1 WHERE id = ?2 AND epoch = ?3 AND seq = ?4`, cp.Version, cp.ID, cp.Epoch, cp.Seq); err != nil {
				return fmt.Errorf("change the version: %w", err)
			}
		}
		if w := cp.Wake; w != nil {
			// A missing or finished instance has nothing to wake.
			if _, err := s.deliver(ctx, w.ID, w.Name, nil, now); err != nil && !errors.Is(err, runtime.ErrNotFound) && !errors.Is(err, runtime.ErrFinished) {
				return fmt.Errorf("wake %s: %w", w.ID, err)
			}
		}
		if cp.ConsumeSignal != 0 {
			return s.consumeSignal(ctx, cp, now)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: checkpoint %s seq %d: %w", cp.ID, cp.Seq, err)
	}
	if stored != runtime.StatusRunning {
		s.wake.notify()
	}
	return nil
}

// updateInstance writes cp to the instance row with its event and
// returns the status stored. It runs in the writer's transaction, so the
// event buffer is the leader's alone.
func (s *Store) updateInstance(ctx context.Context, cp *runtime.Checkpoint, now int64) (runtime.Status, error) {
	at := nanos(cp.Event.At)
	if at == 0 {
		at = now
	}
	ev := rowevents.AppendHead(s.evbuf[:0], cp.Seq, &cp.Event)
	flush := rowevents.Flush(cp, len(ev)) // as Checkpoint decided
	ev = rowevents.AppendAt(ev, at)
	s.evbuf = ev
	status := cp.Status
	var n int64
	if cp.Status == runtime.StatusRunning {
		res, err := s.st.checkpointRunning.ExecContext(ctx,
			cp.Frame, cp.Seq, cp.Attempt, cp.AwaitName, cp.Output, cp.Error, now, cp.ID, cp.Epoch, ev)
		if err != nil {
			return "", err
		}
		if n, err = res.RowsAffected(); err != nil {
			return "", err
		}
	} else {
		var st string
		err := s.st.checkpointRelease.QueryRowContext(ctx,
			string(cp.Status), cp.Frame, cp.Seq, cp.Attempt, cp.AwaitName, nanos(cp.WakeAt),
			cp.Output, cp.Error, cp.ID, cp.Epoch, now, cp.ConsumeSignal, ev).Scan(&st)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		if err == nil {
			n, status = 1, runtime.Status(st)
		}
	}
	if n == 0 {
		return "", s.whyNotCommitted(ctx, cp, now)
	}
	if flush {
		if _, err := s.st.flush.ExecContext(ctx, cp.ID); err != nil {
			return "", fmt.Errorf("move pending events to history: %w", err)
		}
		if _, err := s.st.clearPending.ExecContext(ctx, cp.ID); err != nil {
			return "", fmt.Errorf("move pending events to history: %w", err)
		}
	}
	return status, nil
}

// whyNotCommitted explains a checkpoint that changed no row: the claim is
// not current ([runtime.ErrFenced]), the instance has cp.Seq already
// (committed by this claim: [runtime.ErrDuplicateSeq]), or cp.Seq does not
// follow the instance's.
func (s *Store) whyNotCommitted(ctx context.Context, cp *runtime.Checkpoint, now int64) error {
	var epoch, seq, lease int64
	var status string
	err := s.st.checkpointState.QueryRowContext(ctx, cp.ID).Scan(&epoch, &status, &seq, &lease)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("no such instance: %w", runtime.ErrFenced)
	case err != nil:
		return err
	case epoch != cp.Epoch || status != string(runtime.StatusRunning) || lease < now:
		return runtime.ErrFenced
	case seq >= cp.Seq:
		return runtime.ErrDuplicateSeq
	}
	return fmt.Errorf("sequence number %d does not follow the instance's %d", cp.Seq, seq)
}

// consumeSignal marks cp.ConsumeSignal consumed. It must be a pending
// signal of the instance.
func (s *Store) consumeSignal(ctx context.Context, cp *runtime.Checkpoint, now int64) error {
	res, err := s.st.consumeSignal.ExecContext(ctx, now, cp.ConsumeSignal, cp.ID)
	if err != nil {
		return fmt.Errorf("consume signal %d: %w", cp.ConsumeSignal, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("consume signal %d: %w", cp.ConsumeSignal, err)
	}
	if n == 0 {
		return fmt.Errorf("consume signal %d: no pending signal with that ID for this instance", cp.ConsumeSignal)
	}
	return nil
}

func (s *Store) insertEvent(ctx context.Context, id string, seq int64, ev *runtime.Event, now int64) error {
	at := nanos(ev.At)
	if at == 0 {
		at = now
	}
	_, err := s.st.insertEvent.ExecContext(ctx,
		id, seq, ev.Kind, ev.Name, ev.Site, ev.Attempts, ev.Error, ev.Detail, at)
	var serr interface{ Code() int }
	if errors.As(err, &serr) && serr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return runtime.ErrDuplicateSeq
	}
	if err != nil {
		return fmt.Errorf("insert history: %w", err)
	}
	return nil
}

// Heartbeat extends the lease of instance id, claimed with epoch, to lease
// from now. [runtime.ErrFenced] if the claim is not current.
func (s *Store) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	err := s.write(ctx, false, func(ctx context.Context) error {
		now := s.now()
		return oneRow(s.st.heartbeat.ExecContext(ctx, nanos(now.Add(lease)), nanos(now), id, epoch))
	})
	if err != nil {
		return fmt.Errorf("sqlite: heartbeat %s epoch %d: %w", id, epoch, err)
	}
	return nil
}

// Cancel marks instance id cancelled with reason as its error, increments
// its epoch so that its owner is fenced, and records a "cancel" event. A
// terminal instance is left unchanged. [runtime.ErrNotFound] if id does not
// exist.
func (s *Store) Cancel(ctx context.Context, id, reason string) error {
	var canceled bool
	err := s.write(ctx, true, func(ctx context.Context) error {
		now := nanos(s.now())
		var seq int64
		err := s.st.cancel.QueryRowContext(ctx, reason, now, id).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return s.exists(ctx, s.st.status, id) // terminal: unchanged
		}
		if err != nil {
			return err
		}
		canceled = true
		return s.insertEvent(ctx, id, seq, &runtime.Event{Kind: "cancel", Error: reason}, now)
	})
	if err != nil {
		return fmt.Errorf("sqlite: cancel %s: %w", id, err)
	}
	if canceled {
		s.wake.notify()
	}
	return nil
}

// exists returns nil if instance id exists and ErrNotFound if not; stmt
// is st.status or st.readStatus.
func (s *Store) exists(ctx context.Context, stmt *sql.Stmt, id string) error {
	var status string
	err := stmt.QueryRowContext(ctx, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return runtime.ErrNotFound
	}
	return err
}

// History returns the events of instance id in sequence order.
// [runtime.ErrNotFound] if id does not exist.
func (s *Store) History(ctx context.Context, id string) ([]runtime.Event, error) {
	events, err := s.history(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: history %s: %w", id, err)
	}
	if len(events) == 0 {
		if err := s.exists(ctx, s.st.readStatus, id); err != nil {
			return nil, fmt.Errorf("sqlite: history %s: %w", id, err)
		}
	}
	return events, nil
}

func (s *Store) history(ctx context.Context, id string) ([]runtime.Event, error) {
	rows, err := s.st.history.QueryContext(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []runtime.Event
	for rows.Next() {
		var ev runtime.Event
		var at int64
		if err := rows.Scan(&ev.Seq, &ev.Kind, &ev.Name, &ev.Site, &ev.Attempts, &ev.Error, &ev.Detail, &at); err != nil {
			return nil, err
		}
		ev.At = fromNanos(at)
		events = append(events, ev)
	}
	return events, rows.Err()
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanInstance reads the columns of instanceColumns, then those of
// extra, if any.
func scanInstance(row scanner, extra ...any) (*runtime.Instance, error) {
	var inst runtime.Instance
	var status string
	var lease, wake, created, updated int64
	dest := append([]any{&inst.ID, &inst.Workflow, &inst.Version, &status, &inst.Frame, &inst.Seq,
		&inst.Attempt, &inst.Epoch, &inst.Owner, &lease, &wake, &inst.AwaitName, &inst.Output,
		&inst.Error, &created, &updated, &inst.CancelReason}, extra...)
	err := row.Scan(dest...)
	if err != nil {
		return nil, err
	}
	inst.Status = runtime.Status(status)
	inst.LeaseUntil = fromNanos(lease)
	inst.WakeAt = fromNanos(wake)
	inst.CreatedAt = fromNanos(created)
	inst.UpdatedAt = fromNanos(updated)
	return &inst, nil
}

// oneRow turns the result of a fenced update into ErrFenced when it
// changed no row.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return runtime.ErrFenced
	}
	return nil
}

func validStatus(s runtime.Status) bool {
	switch s {
	case runtime.StatusReady, runtime.StatusRunning, runtime.StatusSleeping, runtime.StatusWaiting,
		runtime.StatusCompleted, runtime.StatusFailed, runtime.StatusCanceled:
		return true
	}
	return false
}
