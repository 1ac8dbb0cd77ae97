package encrypt_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/encrypt"
	"github.com/durablegen/durable/runtime/memstore"
	"github.com/durablegen/durable/runtime/postgres"
	"github.com/durablegen/durable/runtime/sqlite"
	"github.com/durablegen/durable/runtime/storetest"
)

func TestConformanceMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) runtime.Store { return wrap(t, memstore.New(), testRing(t)) })
}

func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) runtime.Store { return wrap(t, openSQLite(t), testRing(t)) })
}

// TestConformancePostgres runs the suite on an encrypted PostgreSQL store,
// whose columns are BYTEA for frames and TEXT for errors.
func TestConformancePostgres(t *testing.T) {
	dsn := os.Getenv("DURABLE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("set DURABLE_POSTGRES_DSN to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL conformance suite on an encrypted store")
	}
	storetest.Run(t, func(t *testing.T) runtime.Store { return wrap(t, openPostgres(t, dsn), testRing(t)) })
}

// testRing returns a keyring with a fresh primary key "k1".
func testRing(t testing.TB) *encrypt.Keyring {
	t.Helper()
	return ring(t, newKey(t, "k1"))
}

func newKey(t testing.TB, id string) encrypt.Key {
	t.Helper()
	k, err := encrypt.GenerateKey(id)
	if err != nil {
		t.Fatalf("GenerateKey(%s) = %v", id, err)
	}
	return k
}

func ring(t testing.TB, primary encrypt.Key, others ...encrypt.Key) *encrypt.Keyring {
	t.Helper()
	r, err := encrypt.NewKeyring(primary, others...)
	if err != nil {
		t.Fatalf("NewKeyring() = %v", err)
	}
	return r
}

func wrap(t testing.TB, inner runtime.Store, r *encrypt.Keyring) *encrypt.Store {
	t.Helper()
	s, err := encrypt.Wrap(inner, r)
	if err != nil {
		t.Fatalf("Wrap() = %v", err)
	}
	return s
}

func openSQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "durable.db"))
	if err != nil {
		t.Fatalf("sqlite.Open() = %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return s
}

// openPostgres opens a store on a fresh schema, dropped when the test ends.
func openPostgres(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "dg_encrypt_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	s, err := postgres.New(ctx, postgres.Config{DSN: dsn, Schema: schema})
	if err != nil {
		t.Fatalf("postgres.New() = %v", err)
	}
	t.Cleanup(s.Close)
	return s
}
