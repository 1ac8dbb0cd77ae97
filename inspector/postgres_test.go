package inspector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/equiv"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
)

// TestPostgres lists, filters and shows instances of a PostgreSQL store
// in a schema of its own, and signals one.
func TestPostgres(t *testing.T) {
	dsn := os.Getenv("DURABLE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("set DURABLE_POSTGRES_DSN to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the inspector against PostgreSQL")
	}
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	schema := "dg_ui_" + hex.EncodeToString(b[:])
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
	store, err := postgres.New(ctx, postgres.Config{DSN: dsn, Schema: schema, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: slog.New(slog.DiscardHandler)})
	if err := w.Register(equiv.ApprovalWorkflow); err != nil {
		t.Fatal(err)
	}
	c := runtime.NewClient(store)
	for _, in := range []struct {
		id    string
		cents int64
	}{{"pg-big", 20_000_00}, {"pg-small", 5}} {
		if _, err := runtime.Start(ctx, c, equiv.ApprovalWorkflow, in.id, in.cents); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	h := Handler(store, Options{Workflows: []durable.Definition{equiv.ApprovalWorkflow}})
	if _, body := get(t, h, "/?status=waiting"); strings.Join(rowIDs(body), ",") != "pg-big" {
		t.Errorf("waiting instances = %q, want pg-big", rowIDs(body))
	}
	if _, body := get(t, h, "/?order=asc&prefix=pg-"); len(rowIDs(body)) != 2 {
		t.Errorf("instances with prefix pg- = %q, want both", rowIDs(body))
	}
	_, body := get(t, h, "/instance?id=pg-big")
	if !strings.Contains(body, `<span class="here">waits here</span>`) || !strings.Contains(body, `id="signal-form"`) {
		t.Errorf("page of pg-big does not mark its await or offer the signal form:\n%s", body)
	}
	rec := post(t, h, "/signal", map[string][]string{"id": {"pg-big"}, "name": {"approval"}, "payload": {`{"By": "ann", "OK": true}`}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("POST /signal = %d:\n%s", rec.Code, rec.Body)
	}
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, h, "/instance?id=pg-big"); !strings.Contains(body, `id="status">completed<`) {
		t.Errorf("pg-big is not shown completed after the signal")
	}
}
