package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
)

// fill inserts n instances with frames of frameSize bytes in one
// transaction, created a millisecond apart.
func fill(tb testing.TB, s *Store, n, frameSize int) {
	tb.Helper()
	frame := []byte(`{"pc":1,"x":"` + strings.Repeat("a", frameSize) + `"}`)
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	err := s.write(context.Background(), true, func(ctx context.Context) error {
		for i := range n {
			status := []string{"ready", "sleeping", "completed", "failed"}[i%4]
			_, err := s.w.ExecContext(ctx, `INSERT INTO instances (id, workflow, version, status, frame, created_at, updated_at)
VALUES (?1, 'w', 'v1', ?2, ?3, ?4, ?4)`, fmt.Sprintf("inst-%06d", i), status, frame, nanos(base.Add(time.Duration(i)*time.Millisecond)))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// TestListPlan checks that pages are read in index order: no sort of
// the whole table, whatever the page.
func TestListPlan(t *testing.T) {
	s := openTest(t, Config{})
	fill(t, s, 100, 10)
	after := runtime.Cursor{CreatedAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), ID: "inst-000050"}
	for _, opts := range []runtime.ListOptions{
		{},
		{Descending: true},
		{After: after},
		{After: after, Descending: true, IDPrefix: "inst-0000"},
		{CreatedAfter: after.CreatedAt, Workflow: "w"},
	} {
		q, args := listQuery(opts)
		rows, err := s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		got := strings.Join(plan, "; ")
		if !strings.Contains(got, "instances_created") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("plan of List(%+v) = %q, want a walk of index instances_created without a sort", opts, got)
		}
	}
}

// BenchmarkList lists 10,000 instances with 2 KiB frames, with and
// without their payloads.
func BenchmarkList(b *testing.B) {
	s, err := New(Config{Path: filepath.Join(b.TempDir(), "durable.db"), Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 10_000
	fill(b, s, n, 2048)
	for _, payloads := range []bool{false, true} {
		b.Run(fmt.Sprintf("payloads=%v", payloads), func(b *testing.B) {
			for b.Loop() {
				insts, err := s.List(b.Context(), runtime.ListOptions{Limit: n, Payloads: payloads})
				if err != nil || len(insts) != n {
					b.Fatalf("List() = %d, %v", len(insts), err)
				}
			}
		})
	}
}

// TestPurgePlan checks that a purge batch walks the index on
// (created_at, id) without a sort, and that its deletes and a
// continuation's find their rows by index, never by scanning a table.
func TestPurgePlan(t *testing.T) {
	s := openTest(t, Config{})
	fill(t, s, 100, 10)
	ids := `["a","b"]`
	for _, q := range []struct {
		sql  string
		args []any
		want string
	}{
		{sqlPurgeCandidates, []any{int64(1), int64(1), "x", 10}, "instances_created"},
		{sqlParentsInProgress, []any{ids}, "sqlite_autoindex_instances_1"},
		{purgeDeletes[0], []any{ids}, "PRIMARY KEY"},
		{purgeDeletes[1], []any{ids}, "signals_instance"},
		{purgeDeletes[2], []any{ids}, "PRIMARY KEY"},
		{sqlDropConsumed, []any{"a"}, "signals_instance"},
		{sqlDropRunHistory, []any{"a", 3}, "PRIMARY KEY"},
	} {
		rows, err := s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		got := strings.Join(plan, "; ")
		if !strings.Contains(got, q.want) || strings.Contains(got, "TEMP B-TREE") || strings.Contains(got, "SCAN signals") || strings.Contains(got, "SCAN history") {
			t.Errorf("plan of %q = %q, want a search of %s without a sort or a scan", firstLine(q.sql), got, q.want)
		}
	}
}
