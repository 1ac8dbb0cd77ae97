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
	var woke int64
	err := s.write(ctx, true, func(ctx context.Context) error {
		now := nanos(s.now())
		if err := s.inProgress(ctx, id); err != nil {
			return err
		}
		if _, err := s.st.insertSignal.ExecContext(ctx, id, name, payload, now); err != nil {
			return err
		}
		res, err := s.st.wakeWaiting.ExecContext(ctx, now, id, name)
		if err != nil {
			return fmt.Errorf("wake: %w", err)
		}
		woke, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: signal %s %q: %w", id, name, err)
	}
	if woke > 0 {
		s.wake.notify()
	}
	return nil
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
