package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/durablegen/durable/runtime"
)

var _ runtime.Admin = (*Store)(nil)

// List returns the instances selected by opts (see [runtime.Admin]),
// on the read pool. Pages follow the index on (created_at, id); without
// opts.Payloads the frame and output columns are not read.
func (s *Store) List(ctx context.Context, opts runtime.ListOptions) ([]*runtime.Instance, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	query, args := listQuery(opts)
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list: %w", err)
	}
	defer rows.Close()
	var out []*runtime.Instance
	for rows.Next() {
		inst, err := scanInstance(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list: %w", err)
		}
		out = append(out, inst)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list: %w", err)
	}
	return out, nil
}

// listQuery builds the SELECT of List and its arguments.
func listQuery(opts runtime.ListOptions) (string, []any) {
	cols := instanceColumns
	if !opts.Payloads {
		cols = strings.NewReplacer("frame,", "NULL,", "output,", "NULL,").Replace(cols)
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("?%d", len(args))
	}
	if len(opts.Statuses) > 0 {
		ph := make([]string, len(opts.Statuses))
		for i, st := range opts.Statuses {
			ph[i] = arg(string(st))
		}
		where = append(where, "status IN ("+strings.Join(ph, ", ")+")")
	}
	if opts.Workflow != "" {
		where = append(where, "workflow = "+arg(opts.Workflow))
	}
	if opts.IDPrefix != "" {
		p := arg(opts.IDPrefix)
		where = append(where, "substr(id, 1, length("+p+")) = "+p)
	}
	if !opts.CreatedAfter.IsZero() {
		where = append(where, "created_at >= "+arg(nanos(opts.CreatedAfter)))
	}
	if !opts.CreatedBefore.IsZero() {
		where = append(where, "created_at < "+arg(nanos(opts.CreatedBefore)))
	}
	order, cmp := "created_at, id", ">"
	if opts.Descending {
		order, cmp = "created_at DESC, id DESC", "<"
	}
	if !opts.After.IsZero() {
		where = append(where, "(created_at, id) "+cmp+" ("+arg(nanos(opts.After.CreatedAt))+", "+arg(opts.After.ID)+")")
	}
	q := "SELECT " + cols + " FROM instances"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + order + " LIMIT " + arg(opts.PageSize())
	return q, args
}

// sqlRetry makes a failed instance ready again; ?4 is the expected seq,
// 0 for any.
const sqlRetry = `UPDATE instances
SET status = 'ready', epoch = epoch + 1, seq = seq + 1, attempt = 0, owner = '', lease_until = 0,
    wake_at = 0, await_name = '', output = NULL, error = '', updated_at = ?1
WHERE id = ?2 AND status = 'failed' AND (?3 = 0 OR seq = ?3)
RETURNING seq`

// Retry makes failed instance req.ID ready again from its stored frame,
// with a "resume" event, in one transaction (see [runtime.Admin]).
func (s *Store) Retry(ctx context.Context, req runtime.RetryRequest) error {
	err := s.write(ctx, true, func(ctx context.Context) error {
		now := nanos(s.now())
		var seq int64
		err := s.w.QueryRowContext(ctx, sqlRetry, now, req.ID, req.Seq).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return s.whyNotRetried(ctx, req)
		}
		if err != nil {
			return err
		}
		return s.insertEvent(ctx, req.ID, seq, &runtime.Event{Kind: "resume", Error: req.Reason}, now)
	})
	if err != nil {
		return fmt.Errorf("sqlite: retry %s: %w", req.ID, err)
	}
	s.wake.notify()
	return nil
}

// whyNotRetried explains a retry that changed no row.
func (s *Store) whyNotRetried(ctx context.Context, req runtime.RetryRequest) error {
	var status string
	var seq int64
	err := s.w.QueryRowContext(ctx, `SELECT status, seq FROM instances WHERE id = ?1`, req.ID).Scan(&status, &seq)
	if errors.Is(err, sql.ErrNoRows) {
		return runtime.ErrNotFound
	}
	if err != nil {
		return err
	}
	if status != string(runtime.StatusFailed) {
		return fmt.Errorf("it is %s, not failed: %w", status, runtime.ErrNotRetryable)
	}
	return fmt.Errorf("it changed since it was read (seq %d, not %d): %w", seq, req.Seq, runtime.ErrNotRetryable)
}
