package sqlite

import (
	"context"
	"fmt"

	"github.com/durablegen/durable/runtime"
)

var _ runtime.CancelRequester = (*Store)(nil)

// RequestCancel implements [runtime.CancelRequester] in one transaction.
func (s *Store) RequestCancel(ctx context.Context, id, reason string) error {
	err := s.write(ctx, true, func(ctx context.Context) error {
		if err := s.inProgress(ctx, id); err != nil {
			return err
		}
		_, err := s.w.ExecContext(ctx, `UPDATE instances
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
