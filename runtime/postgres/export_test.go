package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/storetest"
)

// ListenSessions returns how many LISTEN sessions the store has
// established (1 after the first, 2 after a reconnect...).
func (s *Store) ListenSessions() int64 { return s.listen.sessions.Load() }

// Waiters returns how many callers are blocked in WaitForWork.
func (s *Store) Waiters() int64 { return s.listen.waiters.Load() }

// MigrationCount is the number of embedded migrations.
func MigrationCount() (int, error) {
	ms, err := migrations()
	return len(ms), err
}

// Channel returns the NOTIFY channel of s.
func Channel(s *Store) string { return s.channel }

// MigrateUpTo applies the embedded migrations numbered up to max to
// schema, as a store of an older version would have, and records them.
func MigrateUpTo(ctx context.Context, pool *pgxpool.Pool, schema string, max int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	ident := pgx.Identifier{schema}.Sanitize()
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	setup := "CREATE SCHEMA IF NOT EXISTS " + ident + ";\n" +
		"CREATE TABLE IF NOT EXISTS " + ident + `.schema_migrations (
	version    integer     PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
);
SET LOCAL search_path TO ` + ident
	if _, err := tx.Exec(ctx, setup); err != nil {
		return err
	}
	for _, m := range ms {
		if m.version > max {
			break
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+ident+".schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// ClaimSQL returns the claim statement of s.
func ClaimSQL(s *Store) string { return s.sql.claim }

// Batching installs test hooks in s and returns them as storetest wants
// them. LoseConnection terminates the backend the next batch of several
// writes is about to be sent on.
func Batching(t *testing.T, s *Store) *storetest.Batching {
	var c storetest.BatchControl
	s.hooks = &batchHooks{
		beforeBatch: c.BeforeBatch,
		beforeSend: func(pid uint32) {
			if !c.LoseConnectionNow() {
				return
			}
			var ok bool
			if err := s.pool.QueryRow(context.Background(), "SELECT pg_terminate_backend($1, 5000)", int32(pid)).Scan(&ok); err != nil || !ok {
				t.Errorf("pg_terminate_backend(%d) = %v, %v; want true", pid, ok, err)
			}
		},
		afterCommit: c.AckError,
	}
	return c.Batching(s.ops.Len)
}

// BatchSQL returns the multi-row statements of s: the running and
// releasing checkpoints, the waiting→ready rule, heartbeats and the move
// of pending events.
func BatchSQL(s *Store) []string {
	return []string{s.sql.checkpointMany[0], s.sql.checkpointMany[1], s.sql.readyIfSignaledMany, s.sql.heartbeatMany, s.sql.flushMany}
}

// WhyNotCommitted explains a checkpoint of cp that changed no row.
func (s *Store) WhyNotCommitted(ctx context.Context, cp *runtime.Checkpoint) error {
	return s.whyNotCommitted(ctx, cp)
}
