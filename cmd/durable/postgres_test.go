package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/durablegen/durable/internal/equiv"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
)

const dsnEnv = "DURABLE_POSTGRES_DSN"

// TestPostgres runs list, show, retry, gc and runs against a PostgreSQL store in a schema
// of its own.
func TestPostgres(t *testing.T) {
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the CLI against PostgreSQL", dsnEnv)
	}
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	schema := "dg_cli_" + hex.EncodeToString(b[:])
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
	store, err := postgres.New(ctx, postgres.Config{DSN: dsn, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	w, err := newWorker(store, true)
	if err != nil {
		t.Fatal(err)
	}
	c := runtime.NewClient(store)
	for _, err := range []error{
		start(ctx, c, equiv.ApprovalWorkflow, "pg-approve", 20_000_00),
		start(ctx, c, equiv.SequenceWorkflow, "pg-seq", 1),
		start(ctx, c, buggyFlow(true), "pg-buggy", 4),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	store.Close()

	durable := func(wantCode int, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append([]string{"-store", dsn, "-schema", schema}, args...)
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != wantCode {
			t.Fatalf("durable %v = exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args[4:], code, wantCode, stdout.String(), stderr.String())
		}
		return stdout.String() + stderr.String()
	}
	want := func(out string, patterns ...string) {
		t.Helper()
		for _, p := range patterns {
			if !regexp.MustCompile("(?m)" + p).MatchString(out) {
				t.Errorf("output has no match for %s:\n%s", p, out)
			}
		}
	}
	want(durable(0, "list"),
		`^pg-approve +equiv.Approval +waiting +1 .* awaits signal "approval"$`,
		`^pg-seq +equiv.Sequence +completed +3 `,
		`^pg-buggy +ops.Buggy +failed +2 .* panicked`)
	want(durable(0, "list", "-status", "waiting,failed", "-desc", "-limit", "1"),
		`^pg-buggy `, `more may follow: add -page [0-9]+/pg-buggy`)
	want(durable(0, "show", "pg-approve"),
		`^status: +waiting$`, `^  cents += 2000000$`, `^awaits: +signal "approval"`)
	want(durable(0, "show", "pg-buggy"),
		`^retry: +durable retry pg-buggy resumes it`, `^  n += 8$`)
	want(durable(0, "retry", "pg-buggy"), `is ready again \(seq 3, epoch 2\)`)
	want(durable(0, "gc", "-finished-before", "2100-01-01T00:00:00Z"), `^deleted 1 instance that finished before 2100-01-01T00:00:00Z`)
	if out := durable(0, "list"); strings.Contains(out, "pg-seq") {
		t.Errorf("list after gc shows the completed pg-seq:\n%s", out)
	}
	want(durable(0, "runs", "pg-approve"), `^1 +waiting `)
	want(durable(1, "-schema", schema+"_missing", "list"), `no durable store in schema "`+schema+`_missing"`)
}
