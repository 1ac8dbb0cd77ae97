package postgres

import "strings"

// The multi-row statements of a batch of concurrent writes (see
// batch.go). Each takes one array per column, one element per write, and
// reads them with unnest; every write is fenced on its own, and the
// statement returns the IDs of the instances it wrote.
//
// The rows are found by primary key, one index lookup per write. The
// statements are prepared, and PostgreSQL's generic plan of a prepared
// statement does not know how many writes the arrays hold: a fence
// written with constants (status = 'running', lease_until >= now) would
// let it prefer the partial index of running instances and scan every
// one of them once per write (seconds for a batch of a few hundred among
// thousands running). So the constants of the fence come from the
// materialized list of writes (v.running, v.now), which no index of
// instances can use alone: the lookup by ID is the only plan left.

// $1 id, $2 workflow, $3 version, $4 status, $5 frame, $6 seq, $7 attempt,
// $8 wake_at, $9 await_name, $10 output, $11 error, $13 trace (arrays),
// $12 channel. It returns the instances inserted; an ID that exists is
// left out.
const createManySQL = `WITH v AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::bigint[],
		$7::integer[], $8::timestamptz[], $9::text[], $10::bytea[], $11::text[], $13::text[])
		AS v(id, workflow, version, status, frame, seq, attempt, wake_at, await_name, output, error, trace)
), ins AS (
	INSERT INTO {schema}.instances (id, workflow, version, status, frame, seq, attempt,
		wake_at, await_name, output, error, created_at, updated_at, trace)
	SELECT id, workflow, version, status, coalesce(frame, ''), seq, attempt, wake_at, await_name, output, error,
		statement_timestamp(), statement_timestamp(), trace
	FROM v
	ON CONFLICT (id) DO NOTHING
	RETURNING ` + instanceColumns + `
), notified AS (
	SELECT count(pg_notify($12, '')) FROM (SELECT FROM ins LIMIT 1) x
)
SELECT ` + instanceColumns + ` FROM ins, notified`

// The checkpoint columns: $1 id, $2 epoch, $3 frame, $4 seq, $5 attempt,
// $6 await_name, $7 output, $8 error, $9 event (rowevents.AppendHead),
// $10 its time in microseconds (NULL: the database clock), $11 the signal
// consumed (0 for none); releasing ones add $12 status, $13 wake_at and
// the channel $14, notified when one commits.
const manyValues = `WITH v AS MATERIALIZED (
	SELECT *, 'running'::text AS running, statement_timestamp() AS now
	FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::bigint[], $5::integer[], $6::text[],
		$7::bytea[], $8::text[], $9::text[], $10::bigint[], $11::bigint[]{releaseArrays})
		AS v(id, epoch, frame, seq, attempt, await_name, output, error, ev, at, sig{releaseColumns})
), upd AS (
	UPDATE {schema}.instances i
	SET frame = coalesce(v.frame, ''), seq = v.seq, attempt = v.attempt, await_name = v.await_name,
		output = v.output, error = v.error, updated_at = statement_timestamp(),
		pending = CASE WHEN i.pending = '' THEN '' ELSE i.pending || ',' END || v.ev ||
			coalesce(v.at, (extract(epoch FROM statement_timestamp()) * 1000000)::bigint)::text || ']'{releaseSet}
	FROM v
	WHERE i.id = v.id AND i.epoch = v.epoch AND i.status = v.running AND i.lease_until >= v.now
		AND i.seq = v.seq - 1
		AND (v.sig = 0 OR EXISTS (SELECT FROM {schema}.signals s
			WHERE s.id = v.sig AND s.instance_id = v.id AND s.consumed_at IS NULL))
	RETURNING i.id, v.sig
), consumed AS (
	UPDATE {schema}.signals s
	SET consumed_at = statement_timestamp()
	FROM upd
	WHERE upd.sig <> 0 AND s.id = upd.sig AND s.instance_id = upd.id
)`

// checkpointManySQL[release] commits checkpoints that keep their lease
// (0) or release it (1).
var checkpointManySQL = [2]string{
	replaceAll(manyValues, "{releaseArrays}", "", "{releaseColumns}", "", "{releaseSet}", "") +
		"\nSELECT id FROM upd",
	replaceAll(manyValues,
		"{releaseArrays}", ", $12::text[], $13::timestamptz[]",
		"{releaseColumns}", ", status, wake_at",
		"{releaseSet}", `,
		status = v.status, wake_at = v.wake_at, owner = '', lease_until = NULL`) +
		"\nSELECT id FROM upd, (SELECT count(pg_notify($14, '')) FROM (SELECT FROM upd LIMIT 1) x) notified",
}

// readyIfSignaledManySQL is readyIfSignaledSQL for several waiting
// checkpoints: $1 ids, $2 epochs.
const readyIfSignaledManySQL = `WITH v AS MATERIALIZED (
	SELECT *, 'waiting'::text AS waiting FROM unnest($1::text[], $2::bigint[]) AS v(id, epoch)
)
UPDATE {schema}.instances i
SET status = 'ready', updated_at = statement_timestamp()
FROM v
WHERE i.id = v.id AND i.epoch = v.epoch AND i.status = v.waiting
  AND EXISTS (SELECT FROM {schema}.signals s
	WHERE s.instance_id = i.id AND s.name = i.await_name AND s.consumed_at IS NULL)`

// heartbeatManySQL extends leases: $1 ids, $2 epochs, $3 leases in
// microseconds. It returns the IDs of the instances whose lease it
// extended.
const heartbeatManySQL = `WITH v AS MATERIALIZED (
	SELECT *, 'running'::text AS running FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS v(id, epoch, lease)
)
UPDATE {schema}.instances i
SET lease_until = statement_timestamp() + v.lease * interval '1 microsecond'
FROM v
WHERE i.id = v.id AND i.epoch = v.epoch AND i.status = v.running
RETURNING i.id`

// flushManySQL moves the pending events of the instances $1 at the
// epochs $2 (the batch's checkpoints) to history. It locks their rows,
// which the batch's checkpoints locked already (a row another worker
// claimed since has another epoch and is left alone), and moves what is
// pending, which is what those checkpoints appended to.
const flushManySQL = `WITH v AS MATERIALIZED (
	SELECT * FROM unnest($1::text[], $2::bigint[]) AS v(id, epoch)
), f AS (
	SELECT i.id, i.pending FROM {schema}.instances i JOIN v ON i.id = v.id
	WHERE i.epoch = v.epoch AND i.pending <> ''
	FOR UPDATE OF i
), ins AS (
	INSERT INTO {schema}.history (instance_id, seq, kind, name, site, attempts, error, detail, at)
	SELECT p.* FROM f, {schema}.pending_events(f.id, f.pending) p
	ON CONFLICT (instance_id, seq) DO NOTHING
)
UPDATE {schema}.instances i SET pending = '' FROM f WHERE i.id = f.id`

// replaceAll replaces the old, new pairs of r in s.
func replaceAll(s string, r ...string) string {
	return strings.NewReplacer(r...).Replace(s)
}
