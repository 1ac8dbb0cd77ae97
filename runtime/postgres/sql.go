package postgres

import "strings"

// The statements below name their tables {schema}.table; [newStatements]
// substitutes the store's quoted schema. Every statement is one round
// trip and one implicit transaction. The store clock is
// statement_timestamp(): the database's time at the start of the
// statement, the same value everywhere in it.

// instanceColumns is the column list scanned by scanInstance.
const instanceColumns = `id, workflow, version, status, frame, seq, attempt, epoch, owner,
	lease_until, wake_at, await_name, output, error, created_at, updated_at, cancel_reason`

// $1 id, $2 workflow, $3 version, $4 status, $5 frame, $6 seq, $7 attempt,
// $8 wake_at, $9 await_name, $10 output, $11 error, $12 channel.
const createSQL = `WITH ins AS (
	INSERT INTO {schema}.instances (id, workflow, version, status, frame, seq, attempt,
		wake_at, await_name, output, error, created_at, updated_at)
	VALUES ($1, $2, $3, $4, coalesce($5::bytea, ''), $6, $7, $8, $9, $10, $11,
		statement_timestamp(), statement_timestamp())
	ON CONFLICT (id) DO NOTHING
	RETURNING ` + instanceColumns + `
), notified AS (
	SELECT count(pg_notify($12, id)) FROM ins
)
SELECT ` + instanceColumns + ` FROM ins, notified`

const getSQL = `SELECT ` + instanceColumns + ` FROM {schema}.instances WHERE id = $1`

// $1 owner, $2 keys, $3 limit, $4 lease in microseconds. The candidates
// are locked with SKIP LOCKED, so concurrent claimers never wait for each
// other nor claim the same instance; each claimed instance comes back
// with the oldest unconsumed signal it awaits, and the count of runs in a
// row that committed nothing (see claim_seq).
const claimSQL = `WITH candidates AS MATERIALIZED (
	SELECT id FROM {schema}.instances
	WHERE (status = 'ready'
		OR (status IN ('sleeping', 'waiting') AND wake_at <= statement_timestamp())
		OR (status = 'running' AND lease_until < statement_timestamp()))
	  AND workflow || '@' || version = ANY ($2::text[])
	LIMIT $3
	FOR UPDATE SKIP LOCKED
), claimed AS (
	UPDATE {schema}.instances i
	SET status = 'running', owner = $1, epoch = i.epoch + 1,
		lease_until = statement_timestamp() + $4::bigint * interval '1 microsecond',
		updated_at = statement_timestamp(),
		aborted = CASE WHEN i.status = 'running' AND i.seq = i.claim_seq THEN i.aborted + 1 ELSE 0 END,
		claim_seq = i.seq
	FROM candidates c
	WHERE i.id = c.id
	RETURNING i.id, i.workflow, i.version, i.status, i.frame, i.seq, i.attempt, i.epoch, i.owner,
		i.lease_until, i.wake_at, i.await_name, i.output, i.error, i.created_at, i.updated_at,
		i.cancel_reason, i.aborted
)
SELECT c.id, c.workflow, c.version, c.status, c.frame, c.seq, c.attempt, c.epoch, c.owner,
	c.lease_until, c.wake_at, c.await_name, c.output, c.error, c.created_at, c.updated_at,
	c.cancel_reason, c.aborted, s.id, s.name, s.payload, s.created_at, statement_timestamp()
FROM claimed c
LEFT JOIN LATERAL (
	SELECT id, name, payload, created_at FROM {schema}.signals
	WHERE instance_id = c.id AND name = c.await_name AND c.await_name <> '' AND consumed_at IS NULL
	ORDER BY id
	LIMIT 1
) s ON true`

// The checkpoint statements share their parameters: $1 id, $2 epoch,
// $3 frame, $4 seq, $5 attempt, $6 await_name, $7 output, $8 error; the
// history event, encoded up to its time (rowevents.AppendHead), is $9,
// its time in microseconds since the Unix epoch $10 (NULL for the
// database clock); releasing ones add $11 status, $12 wake_at,
// $13 channel; the ID of the signal consumed, if any, is the last
// parameter ({sig}). The update is fenced by the claim's epoch and by the
// sequence number, which must follow the instance's: no row means the
// caller's claim is gone, that the sequence number is taken or that the
// signal is not pending (Checkpoint tells which). The event is appended
// to the instance's pending events; a flushing checkpoint moves them, its
// own included, to history instead.

// runningSet keeps the lease and changes no indexed column, so that the
// update is HOT (no index writes).
const runningSet = `frame = coalesce($3::bytea, ''), seq = $4, attempt = $5, await_name = $6,
		output = $7, error = $8, updated_at = statement_timestamp()`

// releaseSet stores a non-running status and releases the lease.
const releaseSet = runningSet + `,
		status = $11, wake_at = $12, owner = '', lease_until = NULL`

// appendEvent is {pending} with the checkpoint's event appended.
const appendEvent = `CASE WHEN {pending} = '' THEN '' ELSE {pending} || ',' END || $9::text ||
		coalesce($10::bigint, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint)::text || ']'`

const fence = `i.id = $1 AND i.epoch = $2 AND i.status = 'running' AND i.lease_until >= statement_timestamp()
		AND i.seq = $4 - 1{sigPending}`

const sigPending = `
		AND EXISTS (SELECT FROM {schema}.signals WHERE id = {sig} AND instance_id = $1 AND consumed_at IS NULL)`

const consumeSignal = `, consumed AS (
	UPDATE {schema}.signals
	SET consumed_at = statement_timestamp()
	WHERE id = {sig} AND instance_id = $1 AND EXISTS (SELECT FROM upd)
)`

// flushEvents moves the events of upd.flushed to history.
const flushEvents = `, ins AS (
	INSERT INTO {schema}.history (instance_id, seq, kind, name, site, attempts, error, detail, at)
	SELECT p.* FROM upd, {schema}.pending_events(upd.id, upd.flushed) p
	ON CONFLICT (instance_id, seq) DO NOTHING
)`

// checkpointSQL returns the statement that commits a checkpoint. The one
// of a running checkpoint that neither consumes a signal nor flushes is a
// plain UPDATE (one row affected when it committed); the others return
// one row, the number of instances updated, and a releasing one notifies
// $13 when it commits.
func checkpointSQL(release, consume, flush bool) string {
	set, sig := runningSet, "$11"
	if release {
		set, sig = releaseSet, "$14"
	}
	pending := strings.ReplaceAll(appendEvent, "{pending}", "i.pending")
	q := `UPDATE {schema}.instances i
	SET ` + set + `,
		pending = ` + pending + `
	WHERE ` + fence
	if flush {
		q = `UPDATE {schema}.instances i
	SET ` + set + `, pending = ''
	FROM (SELECT pending FROM {schema}.instances WHERE id = $1) o
	WHERE ` + fence + `
	RETURNING i.id, ` + strings.ReplaceAll(appendEvent, "{pending}", "o.pending") + ` AS flushed`
	}
	if consume {
		q = strings.Replace(q, "{sigPending}", sigPending, 1)
	} else {
		q = strings.Replace(q, "{sigPending}", "", 1)
	}
	if !release && !consume && !flush {
		return q
	}
	if !flush {
		q += "\n\tRETURNING i.id"
	}
	q = "WITH upd AS (\n\t" + q + "\n)"
	if consume {
		q += consumeSignal
	}
	if flush {
		q += flushEvents
	}
	if release {
		q += "\nSELECT count(pg_notify($13, id)) FROM upd"
	} else {
		q += "\nSELECT count(*) FROM upd"
	}
	return strings.ReplaceAll(q, "{sig}", sig+"::bigint")
}

// readyIfSignaledSQL applies the waiting→ready rule after a waiting
// checkpoint, in the same transaction but in a statement of its own, so
// its snapshot includes any signal committed while the checkpoint waited
// for the instance's row lock (Signal holds that lock while it inserts).
// $1 id, $2 epoch.
const readyIfSignaledSQL = `UPDATE {schema}.instances i
SET status = 'ready', updated_at = statement_timestamp()
WHERE id = $1 AND epoch = $2 AND status = 'waiting'
  AND EXISTS (SELECT FROM {schema}.signals s
	WHERE s.instance_id = i.id AND s.name = i.await_name AND s.consumed_at IS NULL)`

// $1 id, $2 epoch, $3 lease in microseconds.
const heartbeatSQL = `UPDATE {schema}.instances
SET lease_until = statement_timestamp() + $3::bigint * interval '1 microsecond'
WHERE id = $1 AND epoch = $2 AND status = 'running'`

// $1 id, $2 name, $3 payload, $4 channel. The instance row is always
// updated, even when unchanged, so that the statement holds its lock until
// the signal is committed: a concurrent waiting checkpoint then either
// sees the signal or is seen by this update (see readyIfSignaledSQL).
// It returns the instance's status, or no row if it does not exist.
const signalSQL = `WITH inst AS (
	UPDATE {schema}.instances
	SET status = CASE WHEN status = 'waiting' AND await_name = $2 THEN 'ready' ELSE status END,
		updated_at = CASE WHEN status = 'waiting' AND await_name = $2 THEN statement_timestamp() ELSE updated_at END
	WHERE id = $1
	RETURNING id, status
), sig AS (
	INSERT INTO {schema}.signals (instance_id, name, payload, created_at)
	SELECT id, $2, $3, statement_timestamp() FROM inst
	WHERE status NOT IN ('completed', 'failed', 'canceled')
), notified AS (
	SELECT count(pg_notify($4, id)) FROM inst WHERE status = 'ready'
)
SELECT status FROM inst, notified`

// $1 id, $2 reason, $3 channel. Zero rows: missing or already terminal.
const cancelSQL = `WITH upd AS (
	UPDATE {schema}.instances
	SET status = 'canceled', epoch = epoch + 1, seq = seq + 1, owner = '', lease_until = NULL,
		wake_at = NULL, error = $2, updated_at = statement_timestamp()
	WHERE id = $1 AND status NOT IN ('completed', 'failed', 'canceled')
	RETURNING id, seq
), ins AS (
	INSERT INTO {schema}.history (instance_id, seq, kind, error, at)
	SELECT id, seq, 'cancel', $2, statement_timestamp() FROM upd
	RETURNING instance_id
)
SELECT count(pg_notify($3, instance_id)) FROM ins`

// $1 id, $2 reason, $3 channel. Zero rows: missing or already terminal.
// A running instance's owner is fenced by the new epoch.
const requestCancelSQL = `WITH upd AS (
	UPDATE {schema}.instances
	SET cancel_reason = CASE WHEN cancel_reason = '' THEN $2 ELSE cancel_reason END,
		epoch = CASE WHEN status = 'running' THEN epoch + 1 ELSE epoch END,
		owner = CASE WHEN status = 'running' THEN '' ELSE owner END,
		lease_until = CASE WHEN status = 'running' THEN NULL ELSE lease_until END,
		status = 'ready', wake_at = NULL, updated_at = statement_timestamp()
	WHERE id = $1 AND status NOT IN ('completed', 'failed', 'canceled')
	RETURNING id
)
SELECT count(pg_notify($3, id)) FROM upd`

// historySQL reads history and the pending events together (the view
// events).
const historySQL = `SELECT seq, kind, name, site, attempts, error, detail, at
FROM {schema}.events WHERE instance_id = $1 ORDER BY seq`

// checkpointStateSQL is what explains a checkpoint that changed no row.
const checkpointStateSQL = `SELECT epoch, status, seq, lease_until >= statement_timestamp()
FROM {schema}.instances WHERE id = $1`

const existsSQL = `SELECT EXISTS (SELECT FROM {schema}.instances WHERE id = $1)`

// signalPendingSQL says whether signal $1 of instance $2 is pending.
const signalPendingSQL = `SELECT EXISTS (SELECT FROM {schema}.signals WHERE id = $1 AND instance_id = $2 AND consumed_at IS NULL)`

// setVersionSQL changes the version of an instance in the transaction of
// the checkpoint (seq $4 at epoch $3) that just committed its frame.
const setVersionSQL = `UPDATE {schema}.instances SET version = $1 WHERE id = $2 AND epoch = $3 AND seq = $4`

// statements holds the SQL of one store, qualified with its schema.
type statements struct {
	create, get, claim, readyIfSignaled        string
	heartbeat, signal, cancel, history, exists string
	requestCancel                              string
	// checkpoint[release][consume][flush]
	checkpoint [2][2][2]string
	state      string
	setVersion string
	// signalPending explains a checkpoint consuming a signal that changed
	// no row.
	signalPending string
	// batches of concurrent writes (sqlmany.go)
	createMany, readyIfSignaledMany, flushMany, heartbeatMany string
	checkpointMany                                            [2]string
}

func newStatements(schema string) statements {
	q := func(s string) string { return strings.ReplaceAll(s, "{schema}", schema) }
	st := statements{
		create:          q(createSQL),
		get:             q(getSQL),
		claim:           q(claimSQL),
		readyIfSignaled: q(readyIfSignaledSQL),
		heartbeat:       q(heartbeatSQL),
		signal:          q(signalSQL),
		cancel:          q(cancelSQL),
		requestCancel:   q(requestCancelSQL),
		history:         q(historySQL),
		exists:          q(existsSQL),
	}
	for _, release := range []bool{false, true} {
		for _, consume := range []bool{false, true} {
			for _, flush := range []bool{false, true} {
				st.checkpoint[b2i(release)][b2i(consume)][b2i(flush)] = q(checkpointSQL(release, consume, flush))
			}
		}
	}
	st.state = q(checkpointStateSQL)
	st.setVersion = q(setVersionSQL)
	st.signalPending = q(signalPendingSQL)
	st.createMany = q(createManySQL)
	st.readyIfSignaledMany = q(readyIfSignaledManySQL)
	st.flushMany = q(flushManySQL)
	st.heartbeatMany = q(heartbeatManySQL)
	for k, sql := range checkpointManySQL {
		st.checkpointMany[k] = q(sql)
	}
	return st
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
