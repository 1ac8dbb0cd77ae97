package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
	"github.com/durablegen/durable/runtime/storetest"
)

// The status column rejects unknown values although no CHECK constraint
// is evaluated on every update (migration 0004).
func TestStatusDomainRejectsUnknownStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	inst := startRunning(t, s, "status")
	table := pgx.Identifier{s.Schema(), "instances"}.Sanitize()
	for _, q := range []string{
		"UPDATE " + table + " SET status = 'bogus' WHERE id = $1",
		"UPDATE " + table + " SET status = NULL WHERE id = $1",
	} {
		_, err := s.Pool().Exec(ctx, q, inst.ID)
		pgErr, ok := errors.AsType[*pgconn.PgError](err)
		if !ok || (pgErr.Code != "23514" && pgErr.Code != "23502") {
			t.Errorf("%s: error %v, want a check or not-null violation", q, err)
		}
	}
	var checks int
	err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_constraint
		WHERE conrelid = $1::regclass AND contype = 'c'`, table).Scan(&checks)
	if err != nil {
		t.Fatal(err)
	}
	if checks != 0 {
		t.Errorf("instances has %d CHECK constraints, want 0 (each costs every update)", checks)
	}
}

// migratedTo returns a fresh schema with the migrations up to version
// applied, as a store of an older version left it, and a pool on it.
func migratedTo(t *testing.T, version int) (dsn, schema string, pool *pgxpool.Pool) {
	t.Helper()
	dsn, schema = testDSN(t), newSchema(t)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := postgres.MigrateUpTo(context.Background(), pool, schema, version); err != nil {
		t.Fatalf("MigrateUpTo(%d) = %v", version, err)
	}
	return dsn, schema, pool
}

// A database created before migration 0004 keeps its instances, in every
// status, and works on after the upgrade.
func TestUpgradeToStatusDomain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn, schema, pool := migratedTo(t, 3)
	table := pgx.Identifier{schema, "instances"}.Sanitize()
	statuses := []string{"ready", "running", "sleeping", "waiting", "completed", "failed", "canceled"}
	for _, st := range statuses {
		_, err := pool.Exec(ctx, "INSERT INTO "+table+` (id, workflow, version, status, created_at, updated_at)
			VALUES ($1, 'old', 'v1', $1, now(), now())`, st)
		if err != nil {
			t.Fatalf("insert %s: %v", st, err)
		}
	}
	s := openStore(t, dsn, schema)
	for _, st := range statuses {
		inst, err := s.Get(ctx, st)
		if err != nil || string(inst.Status) != st {
			t.Errorf("Get(%s) = %v, %v; want status %s", st, inst, err, st)
		}
	}
	var typ string
	if err := pool.QueryRow(ctx, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute
		WHERE attrelid = $1::regclass AND attname = 'status'`, table).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(typ, "instance_status") {
		t.Errorf("status column type = %s, want instance_status", typ)
	}
	// The upgraded store claims, checkpoints and releases.
	got, err := s.Claim(ctx, runtime.ClaimRequest{Owner: "w", Workflows: []string{"old@v1"}, Limit: 1, Lease: time.Minute})
	if err != nil || len(got) != 1 || got[0].ID != "ready" {
		t.Fatalf("Claim() = %v, %v; want the ready instance", got, err)
	}
	inst := got[0]
	for seq, st := range []runtime.Status{runtime.StatusRunning, runtime.StatusCompleted} {
		cp := &runtime.Checkpoint{ID: inst.ID, Epoch: inst.Epoch, Seq: int64(seq) + 1, Status: st,
			Frame: []byte(`{}`), Event: runtime.Event{Kind: "step"}}
		if err := s.Checkpoint(ctx, cp); err != nil {
			t.Fatalf("Checkpoint(%s) = %v", st, err)
		}
	}
	if inst, err := s.Get(ctx, "ready"); err != nil || inst.Status != runtime.StatusCompleted {
		t.Errorf("Get(ready) after completing = %v, %v; want completed", inst, err)
	}
}

// Claim can still find candidates through the partial indexes on status,
// whose predicates now compare the domain's base type.
func TestClaimUsesStatusIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // nothing to keep
	if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, "EXPLAIN (COSTS OFF) "+postgres.ClaimSQL(s), "w", []string{"wf@v1"}, 10, int64(60e6))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	for _, index := range []string{"instances_ready", "instances_wake", "instances_lease"} {
		if !strings.Contains(plan, index) {
			t.Errorf("claim plan does not use %s:\n%s", index, plan)
		}
	}
}

// The multi-row statements of a batch find their rows by ID even in the
// generic plan of a prepared statement, which does not know how many
// writes the arrays hold, and with statistics taken before the instances
// ran: not through the partial indexes on status, once per write.
func TestBatchStatementsFindRowsByID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	schema := pgx.Identifier{s.Schema()}.Sanitize()
	setup := `INSERT INTO ` + schema + `.instances (id, workflow, version, status, created_at, updated_at)
	SELECT 'i' || g, 'wf', 'v1', 'ready', now(), now() FROM generate_series(1, 2000) g;
ANALYZE ` + schema + `.instances;
UPDATE ` + schema + `.instances SET status = CASE WHEN id < 'i5' THEN 'running' ELSE 'waiting' END,
	lease_until = now() + interval '1 hour', epoch = 1`
	if _, err := s.Pool().Exec(ctx, setup); err != nil {
		t.Fatal(err)
	}
	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, "RESET plan_cache_mode") //nolint:errcheck // the connection is reused
	for i, sql := range postgres.BatchSQL(s) {
		name := fmt.Sprintf("batch_plan_%d", i)
		if _, err := conn.Exec(ctx, "PREPARE "+name+" AS "+sql); err != nil {
			t.Fatalf("PREPARE %d: %v", i, err)
		}
		defer conn.Exec(ctx, "DEALLOCATE "+name) //nolint:errcheck // the connection is reused
		args := []string{"ARRAY['i1','i2']", "ARRAY[1,1]::bigint[]"}
		if i == 3 {
			args = append(args, "ARRAY[1,1]::bigint[]")
		}
		if i < 2 {
			args = append(args, "ARRAY[''::bytea,'']", "ARRAY[1,1]::bigint[]", "ARRAY[0,0]", "ARRAY['','']",
				"ARRAY[NULL::bytea,NULL]", "ARRAY['','']", "ARRAY['[1,0,0,\"\",\"\",\"\",null,','[1,0,0,\"\",\"\",\"\",null,']",
				"ARRAY[NULL::bigint,NULL]", "ARRAY[0,0]::bigint[]")
		}
		if i == 1 {
			args = append(args, "ARRAY['sleeping','sleeping']", "ARRAY[NULL::timestamptz,NULL]", "'chan'")
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := tx.Query(ctx, "EXPLAIN (COSTS OFF) EXECUTE "+name+"("+strings.Join(args, ", ")+")")
		if err != nil {
			tx.Rollback(ctx)
			t.Fatalf("EXPLAIN statement %d: %v", i, err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		tx.Rollback(ctx)
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(lines, "\n")
		if !strings.Contains(plan, "instances_pkey") || strings.Contains(plan, "instances_lease") || strings.Contains(plan, "instances_wake") {
			t.Errorf("generic plan of batch statement %d does not find the instances by primary key alone:\n%s", i, plan)
		}
	}
}

// A database created before migration 0006 (pending events) keeps the
// history of its instances, and an instance that was running goes on:
// History reads the old rows and the new pending events in order, across
// the move of pending events to the history table at seq 8.
func TestUpgradeToPendingEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn, schema, pool := migratedTo(t, 5)
	q := func(sql string) string { return strings.ReplaceAll(sql, "{schema}", pgx.Identifier{schema}.Sanitize()) }
	if _, err := pool.Exec(ctx, q(`INSERT INTO {schema}.instances (id, workflow, version, status, seq, epoch, owner,
		lease_until, created_at, updated_at) VALUES ('old', 'old', 'v1', 'running', 2, 1, 'w', now() + interval '1 hour', now(), now());
INSERT INTO {schema}.history (instance_id, seq, kind, name, at) VALUES ('old', 1, 'step', 'a', now()), ('old', 2, 'step', 'b', now())`)); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, dsn, schema)
	storetest.ContinueRun(t, s, &runtime.Instance{ID: "old", Epoch: 1, Seq: 2}, 12)
	var rows int
	var pending string
	if err := pool.QueryRow(ctx, q(`SELECT (SELECT count(*) FROM {schema}.history WHERE instance_id = 'old'),
		(SELECT pending FROM {schema}.instances WHERE id = 'old')`)).Scan(&rows, &pending); err != nil {
		t.Fatal(err)
	}
	if rows != 8 || strings.Count(pending, "[") != 4 {
		t.Errorf("after the end: %d history rows, pending %q; want 8, and 4 events pending", rows, pending)
	}
}
