package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/durablegen/durable/runtime"
)

var (
	_ runtime.Continuer = (*Store)(nil)
	_ runtime.Purger    = (*Store)(nil)
)

// The statements of a continuation, run after its checkpoint updated the
// instance row in the same transaction: ?1 id, ?2 the checkpoint's seq,
// ?3 now, ?4 the next run's input.
const (
	sqlKeepRun = `INSERT INTO runs (instance_id, run, started_at, ended_at, seq, output)
SELECT id, run, CASE WHEN run_started_at = 0 THEN created_at ELSE run_started_at END, ?3, ?2 - 1, ?4
FROM instances WHERE id = ?1`
	sqlDropOldRuns = `DELETE FROM runs
WHERE instance_id = ?1 AND run <= (SELECT run FROM instances WHERE id = ?1) - ?2`
	sqlDropRunHistory = `DELETE FROM history WHERE instance_id = ?1 AND seq < ?2`
	sqlDropConsumed   = `DELETE FROM signals WHERE instance_id = ?1 AND consumed_at IS NOT NULL`
	sqlNextRun        = `UPDATE instances SET run = run + 1, run_started_at = ?2 WHERE id = ?1`
	sqlRuns           = `SELECT run, started_at, ended_at, seq, output FROM runs WHERE instance_id = ?1 ORDER BY run`
)

// continueRun ends the run of the instance whose row checkpoint cp just
// updated and starts the next (see [runtime.Continuation]), in the
// checkpoint's transaction.
func (s *Store) continueRun(ctx context.Context, cp *runtime.Checkpoint, now int64) error {
	// The row's pending events (the continuation's among them) move to
	// history first, so that one delete takes the ended run's.
	if _, err := s.st.flush.ExecContext(ctx, cp.ID); err != nil {
		return err
	}
	if _, err := s.st.clearPending.ExecContext(ctx, cp.ID); err != nil {
		return err
	}
	for _, st := range []struct {
		query string
		args  []any
	}{
		{sqlKeepRun, []any{cp.ID, cp.Seq, now, cp.Continue.Input}},
		{sqlDropOldRuns, []any{cp.ID, runtime.KeptRuns}},
		{sqlDropRunHistory, []any{cp.ID, cp.Seq}},
		{sqlDropConsumed, []any{cp.ID}},
		{sqlNextRun, []any{cp.ID, now}},
	} {
		res, err := s.w.ExecContext(ctx, st.query, st.args...)
		if err != nil {
			return fmt.Errorf("%s: %w", firstLine(st.query), err)
		}
		if st.query == sqlNextRun {
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return fmt.Errorf("start the next run: %d rows, %v", n, err)
			}
		}
	}
	return nil
}

// Runs returns the summaries of the earlier runs of instance id, oldest
// first (see [runtime.Continuer]).
func (s *Store) Runs(ctx context.Context, id string) ([]runtime.Run, error) {
	runs, err := s.runs(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: runs of %s: %w", id, err)
	}
	if len(runs) == 0 {
		if err := s.exists(ctx, s.st.readStatus, id); err != nil {
			return nil, fmt.Errorf("sqlite: runs of %s: %w", id, err)
		}
	}
	return runs, nil
}

func (s *Store) runs(ctx context.Context, id string) ([]runtime.Run, error) {
	rows, err := s.read.QueryContext(ctx, sqlRuns, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var runs []runtime.Run
	for rows.Next() {
		var r runtime.Run
		var started, ended int64
		if err := rows.Scan(&r.Run, &started, &ended, &r.Seq, &r.Output); err != nil {
			return nil, err
		}
		r.StartedAt, r.EndedAt = fromNanos(started), fromNanos(ended)
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

// The statements of a purge batch. Candidates follow the index on
// (created_at, id): ?1 the cutoff, ?2 and ?3 the cursor, ?4 the limit.
// The deletes take a JSON array of IDs.
const (
	sqlPurgeCandidates = `SELECT id, created_at FROM instances INDEXED BY instances_created
WHERE created_at < ?1 AND (created_at, id) > (?2, ?3)
  AND status IN ('completed', 'failed', 'canceled') AND updated_at < ?1
ORDER BY created_at, id LIMIT ?4`
	sqlParentsInProgress = `SELECT id FROM instances
WHERE id IN (SELECT value FROM json_each(?1)) AND status NOT IN ('completed', 'failed', 'canceled')`
)

// purgeDeletes delete the rows of the instances in the JSON array ?1,
// the instance rows last.
var purgeDeletes = []string{
	`DELETE FROM history WHERE instance_id IN (SELECT value FROM json_each(?1))`,
	`DELETE FROM signals WHERE instance_id IN (SELECT value FROM json_each(?1))`,
	`DELETE FROM runs WHERE instance_id IN (SELECT value FROM json_each(?1))`,
	`DELETE FROM instances WHERE id IN (SELECT value FROM json_each(?1))`,
}

// Purge deletes one batch of finished instances with their history,
// signals and runs, in one write transaction (shared with concurrent
// writes, see [Store]) (see [runtime.Purger]).
func (s *Store) Purge(ctx context.Context, req runtime.PurgeRequest) (runtime.PurgeResult, error) {
	if err := req.Validate(); err != nil {
		return runtime.PurgeResult{}, fmt.Errorf("sqlite: %w", err)
	}
	var res runtime.PurgeResult
	err := s.write(ctx, true, func(ctx context.Context) error {
		res = runtime.PurgeResult{}
		ids, err := s.purgeCandidates(ctx, req, &res)
		if err != nil || len(ids) == 0 {
			return err
		}
		b, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		for _, q := range purgeDeletes {
			if _, err := s.w.ExecContext(ctx, q, string(b)); err != nil {
				return fmt.Errorf("%s: %w", firstLine(q), err)
			}
		}
		res.Deleted = len(ids)
		return nil
	})
	if err != nil {
		return runtime.PurgeResult{}, fmt.Errorf("sqlite: purge: %w", err)
	}
	return res, nil
}

// purgeCandidates reads the batch's candidates, sets res.Next and
// res.Done, and returns the IDs to delete: the candidates but the
// children of instances in progress.
func (s *Store) purgeCandidates(ctx context.Context, req runtime.PurgeRequest, res *runtime.PurgeResult) ([]string, error) {
	rows, err := s.w.QueryContext(ctx, sqlPurgeCandidates, nanos(req.FinishedBefore), nanos(req.After.CreatedAt), req.After.ID, req.Limit)
	if err != nil {
		return nil, err
	}
	var ids, parents []string
	for rows.Next() {
		var created int64
		var id string
		if err := rows.Scan(&id, &created); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
		res.Next = runtime.Cursor{CreatedAt: fromNanos(created), ID: id}
		if p, ok := runtime.ParentID(id); ok {
			parents = append(parents, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	res.Done = len(ids) < req.Limit
	if len(parents) == 0 {
		return ids, nil
	}
	live, err := s.inProgressOf(ctx, parents)
	if err != nil {
		return nil, err
	}
	kept := ids[:0]
	for _, id := range ids {
		if p, ok := runtime.ParentID(id); ok && live[p] {
			continue // its parent may still read its result
		}
		kept = append(kept, id)
	}
	return kept, nil
}

// inProgressOf returns which of ids are instances in progress.
func (s *Store) inProgressOf(ctx context.Context, ids []string) (map[string]bool, error) {
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.w.QueryContext(ctx, sqlParentsInProgress, string(b))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	live := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		live[id] = true
	}
	return live, rows.Err()
}
