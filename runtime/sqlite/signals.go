package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/durablegen/durable/runtime"
)

// Signal durably records a signal name with payload for instance id and,
// if the instance is waiting for that name, makes it ready. It fails with
// [runtime.ErrNotFound] if id does not exist and with [runtime.ErrFinished]
// if the instance is terminal.
func (s *Store) Signal(ctx context.Context, id, name string, payload []byte) error {
	now := nanos(s.now())
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: signal %s %q: %w", id, name, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var status string
	err = tx.StmtContext(ctx, s.st.status).QueryRowContext(ctx, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: signal %s %q: %w", id, name, runtime.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sqlite: signal %s %q: %w", id, name, err)
	}
	if runtime.Status(status).Terminal() {
		return fmt.Errorf("sqlite: signal %s %q: instance %s: %w", id, name, status, runtime.ErrFinished)
	}
	if _, err := tx.StmtContext(ctx, s.st.insertSignal).ExecContext(ctx, id, name, payload, now); err != nil {
		return fmt.Errorf("sqlite: signal %s %q: %w", id, name, err)
	}
	res, err := tx.StmtContext(ctx, s.st.wakeWaiting).ExecContext(ctx, now, id, name)
	if err != nil {
		return fmt.Errorf("sqlite: signal %s %q: wake: %w", id, name, err)
	}
	woke, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: signal %s %q: wake: %w", id, name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: signal %s %q: commit: %w", id, name, err)
	}
	if woke > 0 {
		s.wake.notify()
	}
	return nil
}
