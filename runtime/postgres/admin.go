package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/durablegen/durable/runtime"
)

var _ runtime.Admin = (*Store)(nil)

// List returns the instances selected by opts (see [runtime.Admin]).
// Pages follow the index on (created_at, id), IDs in byte order
// (COLLATE "C", as the other stores); without opts.Payloads the frame and
// output columns are not read.
func (s *Store) List(ctx context.Context, opts runtime.ListOptions) ([]*runtime.Instance, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	query, args := s.listQuery(opts)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list: %w", err)
	}
	insts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*runtime.Instance, error) {
		return scanInstance(row)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list: %w", err)
	}
	return insts, nil
}

// listQuery builds the SELECT of List and its arguments.
func (s *Store) listQuery(opts runtime.ListOptions) (string, []any) {
	cols := instanceColumns
	if !opts.Payloads {
		cols = strings.NewReplacer("frame,", "NULL::bytea,", "output,", "NULL::bytea,").Replace(cols)
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(opts.Statuses) > 0 {
		st := make([]string, len(opts.Statuses))
		for i, x := range opts.Statuses {
			st[i] = string(x)
		}
		where = append(where, "status = ANY ("+arg(st)+"::text[])")
	}
	if opts.Workflow != "" {
		where = append(where, "workflow = "+arg(opts.Workflow))
	}
	if opts.IDPrefix != "" {
		where = append(where, "starts_with(id, "+arg(opts.IDPrefix)+")")
	}
	if !opts.CreatedAfter.IsZero() {
		where = append(where, "created_at >= "+arg(opts.CreatedAfter)+"::timestamptz")
	}
	if !opts.CreatedBefore.IsZero() {
		where = append(where, "created_at < "+arg(opts.CreatedBefore)+"::timestamptz")
	}
	order, cmp := `created_at, id COLLATE "C"`, ">"
	if opts.Descending {
		order, cmp = `created_at DESC, id COLLATE "C" DESC`, "<"
	}
	if !opts.After.IsZero() {
		where = append(where, `(created_at, id COLLATE "C") `+cmp+
			" ("+arg(opts.After.CreatedAt)+"::timestamptz, "+arg(opts.After.ID)+"::text)")
	}
	q := "SELECT " + cols + " FROM " + pgx.Identifier{s.schema}.Sanitize() + ".instances"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + order + " LIMIT " + arg(opts.PageSize())
	return q, args
}

// retrySQL makes a failed instance ready again and records a "resume"
// event: $1 id, $2 expected seq (0 for any), $3 reason, $4 channel. It
// returns the number of instances retried.
const retrySQL = `WITH upd AS (
	UPDATE {schema}.instances
	SET status = 'ready', epoch = epoch + 1, seq = seq + 1, attempt = 0, owner = '',
		lease_until = NULL, wake_at = NULL, await_name = '', output = NULL, error = '',
		updated_at = statement_timestamp()
	WHERE id = $1 AND status = 'failed' AND ($2::bigint = 0 OR seq = $2::bigint)
	RETURNING id, seq
), ins AS (
	INSERT INTO {schema}.history (instance_id, seq, kind, error, at)
	SELECT id, seq, 'resume', $3, statement_timestamp() FROM upd
	RETURNING instance_id
)
SELECT count(pg_notify($4, instance_id)) FROM ins`

// Retry makes failed instance req.ID ready again from its stored frame,
// with a "resume" event, in one statement, and notifies waiting workers
// (see [runtime.Admin]).
func (s *Store) Retry(ctx context.Context, req runtime.RetryRequest) error {
	q := strings.ReplaceAll(retrySQL, "{schema}", pgx.Identifier{s.schema}.Sanitize())
	var n int64
	if err := s.pool.QueryRow(ctx, q, req.ID, req.Seq, req.Reason, s.channel).Scan(&n); err != nil {
		return fmt.Errorf("postgres: retry %s: %w", req.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: retry %s: %w", req.ID, s.whyNotRetried(ctx, req))
	}
	s.listen.wakeLocal()
	return nil
}

// whyNotRetried explains a retry that changed no row.
func (s *Store) whyNotRetried(ctx context.Context, req runtime.RetryRequest) error {
	inst, err := s.Get(ctx, req.ID)
	if errors.Is(err, runtime.ErrNotFound) {
		return runtime.ErrNotFound
	}
	if err != nil {
		return err
	}
	if inst.Status != runtime.StatusFailed {
		return fmt.Errorf("it is %s, not failed: %w", inst.Status, runtime.ErrNotRetryable)
	}
	return fmt.Errorf("it changed since it was read (seq %d, not %d): %w", inst.Seq, req.Seq, runtime.ErrNotRetryable)
}
