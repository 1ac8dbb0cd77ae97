package postgres

import (
	"context"
	"fmt"

	"github.com/durablegen/durable/runtime"
)

var _ runtime.CancelRequester = (*Store)(nil)

// RequestCancel implements [runtime.CancelRequester] in one statement.
func (s *Store) RequestCancel(ctx context.Context, id, reason string) error {
	var n int64
	if err := s.pool.QueryRow(ctx, s.sql.requestCancel, id, reason, s.channel).Scan(&n); err != nil {
		return fmt.Errorf("postgres: request cancel %s: %w", id, err)
	}
	if n > 0 {
		s.listen.wakeLocal()
		return nil
	}
	if err := s.mustExist(ctx, id); err != nil {
		return fmt.Errorf("postgres: request cancel %s: %w", id, err)
	}
	return fmt.Errorf("postgres: request cancel %s: %w", id, runtime.ErrFinished)
}
