package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/durablegen/durable/runtime"
)

var (
	_ runtime.Continuer = (*Store)(nil)
	_ runtime.Purger    = (*Store)(nil)
)

// continueRunSQL ends the run of the instance whose row the continuation
// checkpoint (seq $3 at epoch $2) just updated, in its transaction, and
// starts the next (see runtime.Continuation): the ended run's summary,
// with output $4, is kept and those beyond the most recent $5 dropped,
// its history (moved out of the row by the checkpoint) and consumed
// signals deleted. $1 id.
const continueRunSQL = `WITH inst AS (
	SELECT id, run, coalesce(run_started_at, created_at) AS started
	FROM {schema}.instances WHERE id = $1 AND epoch = $2 AND seq = $3
), kept AS (
	INSERT INTO {schema}.runs (instance_id, run, started_at, ended_at, seq, output)
	SELECT id, run, started, statement_timestamp(), $3 - 1, $4 FROM inst
), old AS (
	DELETE FROM {schema}.runs r USING inst WHERE r.instance_id = inst.id AND r.run <= inst.run - $5::integer
), hist AS (
	DELETE FROM {schema}.history h USING inst WHERE h.instance_id = inst.id AND h.seq < $3
), sigs AS (
	DELETE FROM {schema}.signals s USING inst WHERE s.instance_id = inst.id AND s.consumed_at IS NOT NULL
)
UPDATE {schema}.instances i SET run = i.run + 1, run_started_at = statement_timestamp()
FROM inst WHERE i.id = inst.id`

const runsSQL = `SELECT run, started_at, ended_at, seq, output FROM {schema}.runs WHERE instance_id = $1 ORDER BY run`

// Runs returns the summaries of the earlier runs of instance id, oldest
// first (see [runtime.Continuer]).
func (s *Store) Runs(ctx context.Context, id string) ([]runtime.Run, error) {
	rows, err := s.pool.Query(ctx, s.sql.runs, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: runs of %s: %w", id, err)
	}
	runs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (runtime.Run, error) {
		var r runtime.Run
		err := row.Scan(&r.Run, &r.StartedAt, &r.EndedAt, &r.Seq, &r.Output)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: runs of %s: %w", id, err)
	}
	if len(runs) == 0 {
		if err := s.mustExist(ctx, id); err != nil {
			return nil, fmt.Errorf("postgres: runs of %s: %w", id, err)
		}
	}
	return runs, nil
}

// purgeCandidatesSQL locks the candidates of a purge batch, in the order
// of the index on (created_at, id), skipping those another transaction
// holds: $1 the cutoff, $2 the limit; {after} adds the cursor, $3 and $4.
const purgeCandidatesSQL = `SELECT id, created_at FROM {schema}.instances
WHERE created_at < $1{after}
  AND status IN ('completed', 'failed', 'canceled') AND updated_at < $1
ORDER BY created_at, id COLLATE "C"
LIMIT $2
FOR UPDATE SKIP LOCKED`

const purgeAfter = ` AND (created_at, id COLLATE "C") > ($3::timestamptz, $4::text)`

// parentsInProgressSQL returns which of the instances $1 are in progress.
const parentsInProgressSQL = `SELECT id FROM {schema}.instances
WHERE id = ANY ($1::text[]) AND status NOT IN ('completed', 'failed', 'canceled')`

// purgeDeleteSQL deletes the instances $1 with their history, signals
// and runs, and returns how many instances it deleted.
const purgeDeleteSQL = `WITH h AS (
	DELETE FROM {schema}.history WHERE instance_id = ANY ($1::text[])
), s AS (
	DELETE FROM {schema}.signals WHERE instance_id = ANY ($1::text[])
), r AS (
	DELETE FROM {schema}.runs WHERE instance_id = ANY ($1::text[])
), i AS (
	DELETE FROM {schema}.instances WHERE id = ANY ($1::text[]) RETURNING id
)
SELECT count(*) FROM i`

// Purge deletes one batch of finished instances with their history,
// signals and runs, in one transaction of its own (see
// [runtime.Purger]): its candidates are locked FOR UPDATE SKIP LOCKED, so
// that concurrent purges share the work without waiting for each other,
// and a signal or a retry of a candidate waits for the batch's end and
// then finds no instance.
func (s *Store) Purge(ctx context.Context, req runtime.PurgeRequest) (runtime.PurgeResult, error) {
	if err := req.Validate(); err != nil {
		return runtime.PurgeResult{}, fmt.Errorf("postgres: %w", err)
	}
	res, err := s.purge(ctx, req)
	if err != nil {
		return runtime.PurgeResult{}, fmt.Errorf("postgres: purge: %w", err)
	}
	return res, nil
}

func (s *Store) purge(ctx context.Context, req runtime.PurgeRequest) (runtime.PurgeResult, error) {
	var res runtime.PurgeResult
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	var rows pgx.Rows
	if req.After.IsZero() {
		rows, err = tx.Query(ctx, s.sql.purgeFirst, req.FinishedBefore, req.Limit)
	} else {
		rows, err = tx.Query(ctx, s.sql.purgeNext, req.FinishedBefore, req.Limit, req.After.CreatedAt, req.After.ID)
	}
	if err != nil {
		return res, err
	}
	var ids, parents []string
	for rows.Next() {
		var c runtime.Cursor
		if err := rows.Scan(&c.ID, &c.CreatedAt); err != nil {
			rows.Close()
			return res, err
		}
		ids = append(ids, c.ID)
		res.Next = c
		if p, ok := runtime.ParentID(c.ID); ok {
			parents = append(parents, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, err
	}
	res.Done = len(ids) < req.Limit
	if len(parents) > 0 {
		rows, err := tx.Query(ctx, s.sql.parentsInProgress, parents)
		if err != nil {
			return res, err
		}
		live, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return res, err
		}
		inProgress := make(map[string]bool, len(live))
		for _, id := range live {
			inProgress[id] = true
		}
		kept := ids[:0]
		for _, id := range ids {
			if p, ok := runtime.ParentID(id); ok && inProgress[p] {
				continue // its parent may still read its result
			}
			kept = append(kept, id)
		}
		ids = kept
	}
	if len(ids) == 0 {
		return res, tx.Commit(ctx)
	}
	var n int
	if err := tx.QueryRow(ctx, s.sql.purgeDelete, ids).Scan(&n); err != nil {
		return res, err
	}
	if err := tx.Commit(ctx); err != nil {
		return res, err
	}
	res.Deleted = n
	return res, nil
}
