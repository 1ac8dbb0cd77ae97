package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/durablegen/durable/runtime"
)

// Create inserts inst unless an instance with its ID exists, and returns
// the stored instance and whether this call created it. An empty Status is
// stored as ready; Epoch, Owner and LeaseUntil are ignored, and CreatedAt
// and UpdatedAt are set from the database clock. A created instance
// notifies waiting workers.
func (s *Store) Create(ctx context.Context, inst *runtime.Instance) (*runtime.Instance, bool, error) {
	if err := runtime.CheckID(inst.ID); err != nil {
		return nil, false, fmt.Errorf("postgres: create: %w", err)
	}
	if status := createStatus(inst); !validStatus(status) || status == runtime.StatusRunning {
		return nil, false, fmt.Errorf("postgres: create %s: cannot create an instance with status %q", inst.ID, inst.Status)
	}
	o := &op{ctx: ctx, inst: inst}
	s.do(o)
	if o.err != nil {
		return nil, false, fmt.Errorf("postgres: create %s: %w", inst.ID, o.err)
	}
	if o.created != nil {
		s.listen.wakeLocal()
		return o.created, true, nil
	}
	existing, err := scanInstance(s.pool.QueryRow(ctx, s.sql.get, inst.ID))
	if err != nil {
		return nil, false, fmt.Errorf("postgres: create %s: read existing: %w", inst.ID, err)
	}
	return existing, false, nil
}

// createOne inserts inst alone and returns it, or nil if its ID exists.
func (s *Store) createOne(ctx context.Context, inst *runtime.Instance) (*runtime.Instance, error) {
	created, err := scanInstance(s.pool.QueryRow(ctx, s.sql.create, inst.ID, inst.Workflow, inst.Version,
		string(createStatus(inst)), inst.Frame, inst.Seq, inst.Attempt, nullTime(inst.WakeAt),
		inst.AwaitName, inst.Output, inst.Error, s.channel))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return created, err
}

// Get returns the instance id, or an error wrapping [runtime.ErrNotFound].
func (s *Store) Get(ctx context.Context, id string) (*runtime.Instance, error) {
	inst, err := scanInstance(s.pool.QueryRow(ctx, s.sql.get, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: get %s: %w", id, runtime.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: get %s: %w", id, err)
	}
	return inst, nil
}

// Heartbeat extends the lease of instance id, claimed with epoch, to lease
// from the database's now. [runtime.ErrFenced] if the claim is not
// current. Heartbeats of concurrent callers share a transaction with
// their checkpoints (see [Store]).
func (s *Store) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	o := &op{ctx: ctx, hb: &heartbeat{id: id, epoch: epoch, lease: lease}}
	s.do(o)
	if o.err != nil {
		return fmt.Errorf("postgres: heartbeat %s epoch %d: %w", id, epoch, o.err)
	}
	if o.n == 0 {
		return fmt.Errorf("postgres: heartbeat %s epoch %d: %w", id, epoch, runtime.ErrFenced)
	}
	return nil
}

// Signal durably records a signal name with payload for instance id and,
// if the instance is waiting for that name, makes it ready and notifies
// waiting workers. It fails with [runtime.ErrNotFound] if id does not
// exist and with [runtime.ErrFinished] if the instance is terminal.
func (s *Store) Signal(ctx context.Context, id, name string, payload []byte) error {
	var status string
	err := s.pool.QueryRow(ctx, s.sql.signal, id, name, payload, s.channel).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: signal %s %q: %w", id, name, runtime.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: signal %s %q: %w", id, name, err)
	}
	if st := runtime.Status(status); st.Terminal() {
		return fmt.Errorf("postgres: signal %s %q: instance %s: %w", id, name, st, runtime.ErrFinished)
	}
	if status == string(runtime.StatusReady) {
		s.listen.wakeLocal()
	}
	return nil
}

// Cancel marks instance id cancelled with reason as its error, increments
// its epoch so that its owner is fenced, records a "cancel" event and
// notifies waiters. A terminal instance is left unchanged.
// [runtime.ErrNotFound] if id does not exist.
func (s *Store) Cancel(ctx context.Context, id, reason string) error {
	var n int64
	if err := s.pool.QueryRow(ctx, s.sql.cancel, id, reason, s.channel).Scan(&n); err != nil {
		return fmt.Errorf("postgres: cancel %s: %w", id, err)
	}
	if n > 0 {
		s.listen.wakeLocal()
		return nil
	}
	if err := s.mustExist(ctx, id); err != nil {
		return fmt.Errorf("postgres: cancel %s: %w", id, err)
	}
	return nil // terminal: unchanged
}

// History returns the events of instance id in sequence order.
// [runtime.ErrNotFound] if id does not exist.
func (s *Store) History(ctx context.Context, id string) ([]runtime.Event, error) {
	rows, err := s.pool.Query(ctx, s.sql.history, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: history %s: %w", id, err)
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (runtime.Event, error) {
		var ev runtime.Event
		var at time.Time
		err := row.Scan(&ev.Seq, &ev.Kind, &ev.Name, &ev.Site, &ev.Attempts, &ev.Error, &ev.Detail, &at)
		ev.At = at
		return ev, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: history %s: %w", id, err)
	}
	if len(events) == 0 {
		if err := s.mustExist(ctx, id); err != nil {
			return nil, fmt.Errorf("postgres: history %s: %w", id, err)
		}
	}
	return events, nil
}

// mustExist returns [runtime.ErrNotFound] if instance id does not exist.
func (s *Store) mustExist(ctx context.Context, id string) error {
	var ok bool
	if err := s.pool.QueryRow(ctx, s.sql.exists, id).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return runtime.ErrNotFound
	}
	return nil
}

// scanInstance reads the columns of instanceColumns.
func scanInstance(row pgx.Row) (*runtime.Instance, error) {
	var inst runtime.Instance
	var status string
	var lease, wake pgtype.Timestamptz
	err := row.Scan(&inst.ID, &inst.Workflow, &inst.Version, &status, &inst.Frame, &inst.Seq,
		&inst.Attempt, &inst.Epoch, &inst.Owner, &lease, &wake, &inst.AwaitName, &inst.Output,
		&inst.Error, &inst.CreatedAt, &inst.UpdatedAt, &inst.CancelReason)
	if err != nil {
		return nil, err
	}
	inst.Status = runtime.Status(status)
	inst.LeaseUntil = fromNull(lease)
	inst.WakeAt = fromNull(wake)
	return &inst, nil
}

// nullTime is t as a query argument: NULL for the zero time.
func nullTime(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

// fromNull is t as a time.Time: zero for NULL.
func fromNull(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time
}

func validStatus(s runtime.Status) bool {
	switch s {
	case runtime.StatusReady, runtime.StatusRunning, runtime.StatusSleeping, runtime.StatusWaiting,
		runtime.StatusCompleted, runtime.StatusFailed, runtime.StatusCanceled:
		return true
	}
	return false
}
