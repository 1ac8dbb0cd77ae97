package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/durablegen/durable/runtime"
)

var _ runtime.CancelRequester = (*Store)(nil)

// RequestCancel implements [runtime.CancelRequester] in one transaction.
func (s *Store) RequestCancel(ctx context.Context, id, reason string) error {
	err := s.write(ctx, true, func(ctx context.Context) error {
		var status string
		err := s.w.QueryRowContext(ctx, `SELECT status FROM instances WHERE id = ?1`, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return runtime.ErrNotFound
		}
		if err != nil {
			return err
		}
		if runtime.Status(status).Terminal() {
			return fmt.Errorf("instance %s: %w", status, runtime.ErrFinished)
		}
		_, err = s.w.ExecContext(ctx, `UPDATE instances
SET cancel_reason = CASE WHEN cancel_reason = '' THEN ?1 ELSE cancel_reason END,
    epoch = CASE WHEN status = 'running' THEN epoch + 1 ELSE epoch END,
    owner = CASE WHEN status = 'running' THEN '' ELSE owner END,
    lease_until = CASE WHEN status = 'running' THEN 0 ELSE lease_until END,
    status = 'ready', wake_at = 0, updated_at = ?2
WHERE id = ?3`, reason, nanos(s.now()), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: request cancel %s: %w", id, err)
	}
	s.wake.notify()
	return nil
}
