package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/durablegen/durable/runtime"
)

// CommitsWake says that Checkpoint commits a checkpoint's Wake signal
// with it (runtime.ParentWaker).
func (s *Store) CommitsWake() {}

// Signal durably records a signal name with payload for instance id and,
// if the instance is waiting for that name, makes it ready. It fails with
// [runtime.ErrNotFound] if id does not exist and with [runtime.ErrFinished]
// if the instance is terminal.
func (s *Store) Signal(ctx context.Context, id, name string, payload []byte) error {
	var woke bool
	err := s.write(ctx, true, func(ctx context.Context) (err error) {
		woke, err = s.deliver(ctx, id, name, payload, nanos(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: signal %s %q: %w", id, name, err)
	}
	if woke {
		s.wake.notify()
	}
	return nil
}

// deliver records signal name for instance id, which must be in progress
// ([runtime.ErrNotFound], [runtime.ErrFinished] otherwise), and readies
// the instance if it waits for it (woke). It runs on the writer, inside
// the caller's transaction.
func (s *Store) deliver(ctx context.Context, id, name string, payload []byte, now int64) (woke bool, err error) {
	if err := s.inProgress(ctx, id); err != nil {
		return false, err
	}
	if _, err := s.st.insertSignal.ExecContext(ctx, id, name, payload, now); err != nil {
		return false, err
	}
	res, err := s.st.wakeWaiting.ExecContext(ctx, now, id, name)
	if err != nil {
		return false, fmt.Errorf("wake: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// inProgress returns nil if instance id exists and is not terminal,
// [runtime.ErrNotFound] or an error wrapping [runtime.ErrFinished]
// otherwise. It runs on the writer, inside the caller's transaction.
func (s *Store) inProgress(ctx context.Context, id string) error {
	var status string
	err := s.st.status.QueryRowContext(ctx, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return runtime.ErrNotFound
	}
	if err != nil {
		return err
	}
	if runtime.Status(status).Terminal() {
		return fmt.Errorf("instance %s: %w", status, runtime.ErrFinished)
	}
	return nil
}
