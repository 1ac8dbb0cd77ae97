package main

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
)

// part is one statement shape timed by checkpointParts.
type part struct {
	name string
	op   func(ctx context.Context, i int) error
	lat  latencies
}

// checkpointParts takes a checkpoint apart on each database: the bare
// commit, the instance row's update alone, the history row's insert
// alone, both in one transaction (the checkpoint's shape before it kept
// its event in the instance row), and Store.Checkpoint (one update that
// appends the event to the row, every 8th also moving the events to
// history), run round-robin (the order rotating every round) so that
// every shape sees the same load. On PostgreSQL it runs with
// synchronous_commit on and off (off shows the CPU the statements cost
// without the wait for the disk), and times one shape the store does not
// use: the history insert fenced by a row lock (FOR SHARE) on the
// instance instead of an update of it.
func checkpointParts(ctx context.Context, e *env, n int) []Row {
	var rows []Row
	for _, sync := range []string{"FULL", "NORMAL"} {
		store := "sqlite " + sync
		parts, closer, err := sqliteParts(ctx, e, sync)
		if err == nil {
			err = runParts(ctx, parts, n)
		}
		if closer != nil {
			closer()
		}
		rows = append(rows, partRows(store, parts, err)...)
	}
	for _, on := range []bool{true, false} {
		store := "postgres, synchronous_commit=on"
		if !on {
			store = "postgres, synchronous_commit=off"
		}
		parts, closer, err := postgresParts(ctx, e, on)
		if err == nil {
			err = runParts(ctx, parts, n)
		}
		if closer != nil {
			closer()
		}
		rows = append(rows, partRows(store, parts, err)...)
	}
	return rows
}

// runParts times n rounds of every part, the first part of a round
// rotating, after one untimed round.
func runParts(ctx context.Context, parts []*part, n int) error {
	for i := range n + 1 {
		for j := range parts {
			p := parts[(i+j)%len(parts)]
			start := time.Now()
			if err := p.op(ctx, i+1); err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			if i > 0 {
				p.lat = append(p.lat, time.Since(start))
			}
		}
	}
	return nil
}

// partRows reports each part's median and its ratio to the first part,
// the bare commit.
func partRows(store string, parts []*part, err error) []Row {
	if err != nil || len(parts) == 0 {
		msg := "no parts"
		if err != nil {
			msg = err.Error()
		}
		return []Row{{Section: "parts", Name: "checkpoint parts, " + store, System: sysOurs, Skipped: msg}}
	}
	bare := parts[0].lat
	var rows []Row
	for _, p := range parts {
		row := Row{Section: "parts", Name: p.name + ", " + store, System: sysOurs, Unit: "µs",
			Value: us(p.lat.median()), P99: us(p.lat.p99()),
			Extra: map[string]float64{"mean": us(p.lat.mean()), "samples": float64(len(p.lat))}}
		row.Note = fmt.Sprintf("%d samples; mean %s µs", len(p.lat), number(us(p.lat.mean())))
		if p != parts[0] {
			row.Ratio, row.RatioTo = ratio(row.Value, us(bare.median())), "÷ bare commit"
			row.Note += fmt.Sprintf("; %+.1f µs over the bare commit's median", row.Value-us(bare.median()))
		}
		rows = append(rows, row)
	}
	return rows
}

// partFrame returns a 200-byte frame that differs in each round, as a
// workflow's frame does from step to step.
func partFrame(i int) []byte {
	f := make([]byte, len(payload))
	copy(f, payload)
	binary.LittleEndian.PutUint64(f[8:], uint64(i))
	return f
}

// stepEvent is the history event of a step, as the engine writes it.
var stepEvent = runtime.Event{Kind: "step", Name: "Charge", Site: 1, Attempts: 1, Detail: []byte(`{"id":"ch_1"}`)}

// claimRunning creates instance id and claims it for an hour.
func claimRunning(ctx context.Context, s runtime.Store, id string) (*runtime.Instance, error) {
	if _, _, err := s.Create(ctx, &runtime.Instance{ID: id, Workflow: "parts", Version: "v1", Frame: payload}); err != nil {
		return nil, err
	}
	got, err := s.Claim(ctx, runtime.ClaimRequest{Owner: "parts", Workflows: []string{"parts@v1"}, Limit: 1, Lease: time.Hour})
	if err != nil {
		return nil, err
	}
	if len(got) != 1 || got[0].ID != id {
		return nil, fmt.Errorf("claim %s: got %d instances", id, len(got))
	}
	return got[0], nil
}

// checkpointPart is Store.Checkpoint of a running instance, a step's
// commit.
func checkpointPart(s runtime.Store, inst *runtime.Instance) *part {
	return &part{name: "Store.Checkpoint (one update appending the event; 1 in 8 moves the events to history)", op: func(ctx context.Context, i int) error {
		return s.Checkpoint(ctx, &runtime.Checkpoint{ID: inst.ID, Epoch: inst.Epoch, Seq: int64(i), Status: runtime.StatusRunning,
			Frame: partFrame(i), Attempt: 1, Event: stepEvent})
	}}
}

func postgresParts(ctx context.Context, e *env, syncOn bool) ([]*part, func(), error) {
	if e.pgErr != nil {
		return nil, nil, e.pgErr
	}
	pcfg, err := pgxpool.ParseConfig(e.pgDSN)
	if err != nil {
		return nil, nil, err
	}
	if !syncOn {
		pcfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, nil, err
	}
	schema := e.name("parts")
	s, err := postgres.New(ctx, postgres.Config{Pool: pool, Schema: schema})
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	closer := func() {
		s.Close()
		pool.Close()
		e.dropSchema(schema)
	}
	b, err := newPostgresBare(ctx, pool, schema)
	if err != nil {
		return nil, closer, err
	}
	cpInst, err := claimRunning(ctx, s, "parts-checkpoint")
	if err != nil {
		return nil, closer, err
	}
	updInst, err := claimRunning(ctx, s, "parts-update")
	if err != nil {
		return nil, closer, err
	}
	lockInst, err := claimRunning(ctx, s, "parts-lock")
	if err != nil {
		return nil, closer, err
	}
	twoInst, err := claimRunning(ctx, s, "parts-two")
	if err != nil {
		return nil, closer, err
	}
	q := func(sql string) string { return fmt.Sprintf(sql, pgx.Identifier{schema}.Sanitize()) }
	// The store's statement for a running checkpoint, without its history
	// insert.
	update := q(`UPDATE %s.instances
SET frame = $3, seq = $4, attempt = 1, await_name = '', output = NULL, error = '', updated_at = statement_timestamp()
WHERE id = $1 AND epoch = $2 AND status = 'running' AND lease_until >= statement_timestamp()`)
	insert := q(`INSERT INTO %s.history (instance_id, seq, kind, name, site, attempts, error, detail, at)
VALUES ('parts-alone', $1, $2, $3, $4, $5, '', $6, statement_timestamp())`)
	// The checkpoint before pending events: the update and the history
	// insert in one statement.
	two := q(`WITH upd AS (
	UPDATE %[1]s.instances
	SET frame = $3, seq = $4, attempt = 1, await_name = '', output = NULL, error = '', updated_at = statement_timestamp()
	WHERE id = $1 AND epoch = $2 AND status = 'running' AND lease_until >= statement_timestamp()
	RETURNING id
)
INSERT INTO %[1]s.history (instance_id, seq, kind, name, site, attempts, error, detail, at)
SELECT id, $4, $5, $6, $7, $8, '', $9, statement_timestamp() FROM upd`)
	// A history insert fenced by a share lock on the instance row: the
	// frame travels in the history row (here in detail, frame and result).
	locked := q(`INSERT INTO %[1]s.history (instance_id, seq, kind, name, site, attempts, error, detail, at)
SELECT id, $3, $4, $5, $6, $7, '', $8, statement_timestamp() FROM %[1]s.instances
WHERE id = $1 AND epoch = $2 AND status = 'running' AND lease_until >= statement_timestamp()
FOR SHARE`)
	if _, err := pool.Exec(ctx, q(`CREATE TABLE %[1]s.bare_update (id bigint PRIMARY KEY, payload bytea NOT NULL);
INSERT INTO %[1]s.bare_update VALUES (1, '')`)); err != nil {
		return nil, closer, err
	}
	affected := func(n int64, err error) error {
		if err == nil && n != 1 {
			err = fmt.Errorf("%d rows, want 1", n)
		}
		return err
	}
	ev := stepEvent
	parts := []*part{
		{name: "bare INSERT+COMMIT", op: func(ctx context.Context, i int) error { _, err := b.commit(ctx); return err }},
		{name: "bare UPDATE+COMMIT (one row of a two-column table)", op: func(ctx context.Context, i int) error {
			tag, err := pool.Exec(ctx, q("UPDATE %s.bare_update SET payload = $2 WHERE id = $1"), int64(1), partFrame(i))
			return affected(tag.RowsAffected(), err)
		}},
		{name: "instance UPDATE alone", op: func(ctx context.Context, i int) error {
			tag, err := pool.Exec(ctx, update, updInst.ID, updInst.Epoch, partFrame(i), int64(i))
			return affected(tag.RowsAffected(), err)
		}},
		{name: "history INSERT alone", op: func(ctx context.Context, i int) error {
			tag, err := pool.Exec(ctx, insert, int64(i), ev.Kind, ev.Name, ev.Site, ev.Attempts, ev.Detail)
			return affected(tag.RowsAffected(), err)
		}},
		{name: "UPDATE + history INSERT, one transaction (the checkpoint before pending events)", op: func(ctx context.Context, i int) error {
			tag, err := pool.Exec(ctx, two, twoInst.ID, twoInst.Epoch, partFrame(i), int64(i), ev.Kind, ev.Name, ev.Site, ev.Attempts, ev.Detail)
			return affected(tag.RowsAffected(), err)
		}},
		checkpointPart(s, cpInst),
		{name: "history INSERT fenced by FOR SHARE, no update (not what the store does)", op: func(ctx context.Context, i int) error {
			detail := append(partFrame(i), ev.Detail...)
			tag, err := pool.Exec(ctx, locked, lockInst.ID, lockInst.Epoch, int64(i), ev.Kind, ev.Name, ev.Site, ev.Attempts, detail)
			return affected(tag.RowsAffected(), err)
		}},
	}
	return parts, closer, nil
}

func sqliteParts(ctx context.Context, e *env, sync string) ([]*part, func(), error) {
	s, path, closeStore, err := e.openSQLite(sync)
	if err != nil {
		return nil, nil, err
	}
	closers := []func(){closeStore}
	closer := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	b, err := newSQLiteBare(ctx, path, sync)
	if err != nil {
		return nil, closer, err
	}
	closers = append(closers, b.close)
	db, err := sql.Open("sqlite", sqliteDSN(path, sync))
	if err != nil {
		return nil, closer, err
	}
	db.SetMaxOpenConns(1)
	closers = append(closers, func() { db.Close() })
	cpInst, err := claimRunning(ctx, s, "parts-checkpoint")
	if err != nil {
		return nil, closer, err
	}
	updInst, err := claimRunning(ctx, s, "parts-update")
	if err != nil {
		return nil, closer, err
	}
	if _, err := claimRunning(ctx, s, "parts-alone"); err != nil {
		return nil, closer, err
	}
	twoInst, err := claimRunning(ctx, s, "parts-two")
	if err != nil {
		return nil, closer, err
	}
	// The store's statement for a running checkpoint (its clock is unix
	// nanoseconds).
	update, err := db.PrepareContext(ctx, `UPDATE instances
SET frame = ?1, seq = ?2, attempt = 1, await_name = '', output = NULL, error = '', updated_at = ?3
WHERE id = ?4 AND epoch = ?5 AND status = 'running' AND lease_until >= ?3`)
	if err != nil {
		return nil, closer, err
	}
	closers = append(closers, func() { update.Close() })
	insert, err := db.PrepareContext(ctx, `INSERT INTO history (instance_id, seq, kind, name, site, attempts, error, detail, at)
VALUES ('parts-alone', ?1, ?2, ?3, ?4, ?5, '', ?6, ?7)`)
	if err != nil {
		return nil, closer, err
	}
	closers = append(closers, func() { insert.Close() })
	twoInsert, err := db.PrepareContext(ctx, `INSERT INTO history (instance_id, seq, kind, name, site, attempts, error, detail, at)
VALUES ('parts-two', ?1, ?2, ?3, ?4, ?5, '', ?6, ?7)`)
	if err != nil {
		return nil, closer, err
	}
	closers = append(closers, func() { twoInsert.Close() })
	ev := stepEvent
	parts := []*part{
		{name: "bare INSERT+COMMIT", op: func(ctx context.Context, i int) error { _, err := b.commit(ctx); return err }},
		{name: "instance UPDATE alone", op: func(ctx context.Context, i int) error {
			res, err := update.ExecContext(ctx, partFrame(i), int64(i), time.Now().UnixNano(), updInst.ID, updInst.Epoch)
			return rowsAffected(res, err)
		}},
		{name: "UPDATE + history INSERT, one transaction (the checkpoint before pending events)", op: func(ctx context.Context, i int) error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback() //nolint:errcheck // a no-op after Commit
			now := time.Now().UnixNano()
			if err := rowsAffected(tx.StmtContext(ctx, update).ExecContext(ctx, partFrame(i), int64(i), now, twoInst.ID, twoInst.Epoch)); err != nil {
				return err
			}
			if err := rowsAffected(tx.StmtContext(ctx, twoInsert).ExecContext(ctx, int64(i), ev.Kind, ev.Name, ev.Site, ev.Attempts, ev.Detail, now)); err != nil {
				return err
			}
			return tx.Commit()
		}},
		{name: "history INSERT alone", op: func(ctx context.Context, i int) error {
			res, err := insert.ExecContext(ctx, int64(i), ev.Kind, ev.Name, ev.Site, ev.Attempts, ev.Detail, time.Now().UnixNano())
			return rowsAffected(res, err)
		}},
		checkpointPart(s, cpInst),
	}
	return parts, closer, nil
}

func rowsAffected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n != 1 {
		err = fmt.Errorf("%d rows, want 1", n)
	}
	return err
}

// sqliteDSN is newSQLiteBare's data source name: WAL, synchronous sync.
func sqliteDSN(path, sync string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", sync)
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "1")
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: q.Encode()}
	return u.String()
}
