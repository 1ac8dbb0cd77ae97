package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// instanceColumns is the column list scanned by scanInstance.
const instanceColumns = `id, workflow, version, status, frame, seq, attempt, epoch, owner,
    lease_until, wake_at, await_name, output, error, created_at, updated_at, cancel_reason`

// SQL of the prepared statements. Writer statements run on the one writer
// connection, inside a transaction when a method makes several changes.
const (
	sqlCreate = `INSERT INTO instances (id, workflow, version, status, frame, seq, attempt,
    wake_at, await_name, output, error, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
ON CONFLICT (id) DO NOTHING
RETURNING ` + instanceColumns

	// sqlClaim leases up to ?5 runnable instances whose key is in the JSON
	// array ?4: ready ones, due timers, expired leases. ?3 is now. It
	// counts the runs in a row that committed nothing (see claim_seq).
	sqlClaim = `UPDATE instances
SET status = 'running', owner = ?1, epoch = epoch + 1, lease_until = ?2, updated_at = ?3,
    aborted = CASE WHEN status = 'running' AND seq = claim_seq THEN aborted + 1 ELSE 0 END,
    claim_seq = seq
WHERE id IN (
    SELECT id FROM instances
    WHERE (status = 'ready'
        OR (status IN ('sleeping', 'waiting') AND wake_at <= ?3 AND wake_at <> 0)
        OR (status = 'running' AND lease_until < ?3))
      AND workflow || '@' || version IN (SELECT value FROM json_each(?4))
    LIMIT ?5)
RETURNING ` + instanceColumns + `, aborted`

	sqlPendingSignal = `SELECT id, payload, created_at FROM signals
WHERE instance_id = ?1 AND name = ?2 AND consumed_at IS NULL
ORDER BY id LIMIT 1`

	// sqlCheckpointRunning keeps the lease and touches no indexed column.
	// It appends the checkpoint's event (?10, see rowevents) to the
	// instance's pending events. It is fenced by the claim's epoch and by
	// the sequence number, which must follow the instance's.
	sqlCheckpointRunning = `UPDATE instances
SET frame = ?1, seq = ?2, attempt = ?3, await_name = ?4, output = ?5, error = ?6, updated_at = ?7,
    pending = CASE WHEN pending = '' THEN CAST(?10 AS TEXT) ELSE pending || ',' || CAST(?10 AS TEXT) END
WHERE id = ?8 AND epoch = ?9 AND status = 'running' AND lease_until >= ?7 AND seq = ?2 - 1`

	// sqlCheckpointRelease stores a non-running status and releases the
	// lease. A waiting instance with a pending signal of its awaited name
	// (other than the one this checkpoint consumes, ?12) becomes ready.
	sqlCheckpointRelease = `UPDATE instances
SET status = CASE WHEN ?1 = 'waiting' AND EXISTS (
        SELECT 1 FROM signals
        WHERE instance_id = ?9 AND name = ?5 AND consumed_at IS NULL AND id <> ?12)
      THEN 'ready' ELSE ?1 END,
    frame = ?2, seq = ?3, attempt = ?4, await_name = ?5, wake_at = ?6, output = ?7, error = ?8,
    owner = '', lease_until = 0, updated_at = ?11,
    pending = CASE WHEN pending = '' THEN CAST(?13 AS TEXT) ELSE pending || ',' || CAST(?13 AS TEXT) END
WHERE id = ?9 AND epoch = ?10 AND status = 'running' AND lease_until >= ?11 AND seq = ?3 - 1
RETURNING status`

	// sqlFlush moves the pending events of an instance to history, with
	// sqlClearPending in the same transaction.
	sqlFlush = `INSERT INTO history (instance_id, seq, kind, name, site, attempts, error, detail, at)
SELECT instance_id, seq, kind, name, site, attempts, error, detail, at FROM pending_events
WHERE instance_id = ?1
ON CONFLICT (instance_id, seq) DO NOTHING`

	sqlClearPending = `UPDATE instances SET pending = '' WHERE id = ?1`

	// sqlCheckpointState is what explains a checkpoint that changed no row.
	sqlCheckpointState = `SELECT epoch, status, seq, lease_until FROM instances WHERE id = ?1`

	sqlInsertEvent = `INSERT INTO history (instance_id, seq, kind, name, site, attempts, error, detail, at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`

	sqlConsumeSignal = `UPDATE signals SET consumed_at = ?1
WHERE id = ?2 AND instance_id = ?3 AND consumed_at IS NULL`

	sqlHeartbeat = `UPDATE instances SET lease_until = ?1, updated_at = ?2
WHERE id = ?3 AND epoch = ?4 AND status = 'running'`

	sqlStatus = `SELECT status FROM instances WHERE id = ?1`

	sqlInsertSignal = `INSERT INTO signals (instance_id, name, payload, created_at) VALUES (?1, ?2, ?3, ?4)`

	sqlWakeWaiting = `UPDATE instances SET status = 'ready', updated_at = ?1
WHERE id = ?2 AND status = 'waiting' AND await_name = ?3`

	sqlCancel = `UPDATE instances
SET status = 'canceled', epoch = epoch + 1, owner = '', lease_until = 0, wake_at = 0,
    error = ?1, seq = seq + 1, updated_at = ?2
WHERE id = ?3 AND status NOT IN ('completed', 'failed', 'canceled')
RETURNING seq`

	sqlGet = `SELECT ` + instanceColumns + ` FROM instances WHERE id = ?1`

	// sqlHistory reads history and the pending events together (the view
	// events).
	sqlHistory = `SELECT seq, kind, name, site, attempts, error, detail, at FROM events
WHERE instance_id = ?1 ORDER BY seq`
)

// Transaction control, prepared on the writer like the rest.
const (
	sqlBegin      = `BEGIN IMMEDIATE`
	sqlCommit     = `COMMIT`
	sqlRollback   = `ROLLBACK`
	sqlSavepoint  = `SAVEPOINT op`
	sqlRollbackTo = `ROLLBACK TO op`
	sqlRelease    = `RELEASE op`
)

// statements holds the Store's prepared statements.
type statements struct {
	// writer: prepared on the one writer connection
	begin, commit, rollback, savepoint, rollbackTo, release,
	create, claim, pendingSignal, checkpointRunning, checkpointRelease,
	flush, clearPending, checkpointState,
	insertEvent, consumeSignal, heartbeat, status, insertSignal,
	wakeWaiting, cancel *sql.Stmt
	// readers
	get, history, readStatus *sql.Stmt
}

// preparer is a *sql.Conn or a *sql.DB.
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func (st *statements) prepare(ctx context.Context, w, r preparer) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		on    preparer
		query string
	}{
		{&st.begin, w, sqlBegin},
		{&st.commit, w, sqlCommit},
		{&st.rollback, w, sqlRollback},
		{&st.savepoint, w, sqlSavepoint},
		{&st.rollbackTo, w, sqlRollbackTo},
		{&st.release, w, sqlRelease},
		{&st.create, w, sqlCreate},
		{&st.claim, w, sqlClaim},
		{&st.pendingSignal, w, sqlPendingSignal},
		{&st.checkpointRunning, w, sqlCheckpointRunning},
		{&st.checkpointRelease, w, sqlCheckpointRelease},
		{&st.flush, w, sqlFlush},
		{&st.clearPending, w, sqlClearPending},
		{&st.checkpointState, w, sqlCheckpointState},
		{&st.insertEvent, w, sqlInsertEvent},
		{&st.consumeSignal, w, sqlConsumeSignal},
		{&st.heartbeat, w, sqlHeartbeat},
		{&st.status, w, sqlStatus},
		{&st.insertSignal, w, sqlInsertSignal},
		{&st.wakeWaiting, w, sqlWakeWaiting},
		{&st.cancel, w, sqlCancel},
		{&st.get, r, sqlGet},
		{&st.history, r, sqlHistory},
		{&st.readStatus, r, sqlStatus},
	} {
		s, err := p.on.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", firstLine(p.query), err)
		}
		*p.dst = s
	}
	return nil
}

func (st *statements) close() error {
	var errs []error
	for _, s := range []*sql.Stmt{
		st.begin, st.commit, st.rollback, st.savepoint, st.rollbackTo, st.release,
		st.create, st.claim, st.pendingSignal, st.checkpointRunning, st.checkpointRelease,
		st.flush, st.clearPending, st.checkpointState,
		st.insertEvent, st.consumeSignal, st.heartbeat, st.status, st.insertSignal,
		st.wakeWaiting, st.cancel, st.get, st.history, st.readStatus,
	} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
