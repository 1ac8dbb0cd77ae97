package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/storetest"
)

// benchFrame is the size of a typical small frame.
const benchFrame = 200

// warmCommits is how many commits warm a database up before timing: more
// than enough to fill the WAL past SQLite's auto-checkpoint (1000 pages),
// so that the WAL file is reused instead of growing, as in a database that
// has run for a while. Growing a file makes every fsync also commit the
// file's new size, which would otherwise dominate the first thousand
// commits.
const warmCommits = 1200

// execer is a *sql.DB or *sql.Conn.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// warm runs commit warmCommits times with synchronous=OFF, then restores
// the synchronous mode sync.
func warm(b *testing.B, db execer, sync string, commit func(i int) error) {
	b.Helper()
	if _, err := db.ExecContext(b.Context(), `PRAGMA synchronous = OFF`); err != nil {
		b.Fatal(err)
	}
	for i := range warmCommits {
		if err := commit(i); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.ExecContext(b.Context(), `PRAGMA synchronous = `+sync); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCheckpoint measures one Store.Checkpoint of a running instance
// with a 200-byte frame, synchronous=FULL: the cost of every step of a
// workflow. Compare with BenchmarkBareCommit.
func BenchmarkCheckpoint(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run(sync, func(b *testing.B) {
			s, err := New(Config{Path: filepath.Join(b.TempDir(), "bench.db"), Synchronous: sync})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := b.Context()
			if _, _, err := s.Create(ctx, &runtime.Instance{ID: "bench", Workflow: "w", Version: "v"}); err != nil {
				b.Fatal(err)
			}
			got, err := s.Claim(ctx, runtime.ClaimRequest{Owner: "o", Workflows: []string{"w@v"}, Limit: 1, Lease: time.Hour})
			if err != nil || len(got) != 1 {
				b.Fatalf("Claim() = %v, %v", got, err)
			}
			cp := &runtime.Checkpoint{
				ID: "bench", Epoch: got[0].Epoch, Status: runtime.StatusRunning,
				Frame: bytes.Repeat([]byte{'f'}, benchFrame),
				Event: runtime.Event{Kind: "step", Name: "charge", Site: 1, Attempts: 1, Detail: []byte(`{"ok":true}`)},
			}
			var seq int64
			commit := func(int) error {
				seq++
				cp.Seq = seq
				return s.Checkpoint(ctx, cp)
			}
			warm(b, s.w, sync, commit)
			b.ReportAllocs()
			for b.Loop() {
				if err := commit(0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBareCommit measures the floor: one autocommitted single-row
// INSERT of 200 bytes on a database opened like the Store's.
func BenchmarkBareCommit(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run(sync, func(b *testing.B) {
			cfg, err := Config{Path: filepath.Join(b.TempDir(), "bare.db"), Synchronous: sync}.withDefaults()
			if err != nil {
				b.Fatal(err)
			}
			db, err := sql.Open("sqlite", cfg.dsn(true))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)`); err != nil {
				b.Fatal(err)
			}
			insert, err := db.Prepare(`INSERT INTO t (v) VALUES (?)`)
			if err != nil {
				b.Fatal(err)
			}
			defer insert.Close()
			v := bytes.Repeat([]byte{'f'}, benchFrame)
			commit := func(int) error {
				_, err := insert.Exec(v)
				return err
			}
			warm(b, db, sync, commit)
			b.ReportAllocs()
			for b.Loop() {
				if err := commit(0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGetDuringCheckpoints measures Get while another goroutine
// commits checkpoints back to back: through the read pool, as Store.Get
// does, and through the writer connection, as a single-connection store
// would.
func BenchmarkGetDuringCheckpoints(b *testing.B) {
	for _, via := range []string{"pool", "writer"} {
		b.Run(via, func(b *testing.B) {
			s, err := New(Config{Path: filepath.Join(b.TempDir(), "bench.db")})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := b.Context()
			if _, _, err := s.Create(ctx, &runtime.Instance{ID: "bench", Workflow: "w", Version: "v"}); err != nil {
				b.Fatal(err)
			}
			got, err := s.Claim(ctx, runtime.ClaimRequest{Owner: "o", Workflows: []string{"w@v"}, Limit: 1, Lease: time.Hour})
			if err != nil || len(got) != 1 {
				b.Fatalf("Claim() = %v, %v", got, err)
			}
			stop := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				cp := &runtime.Checkpoint{ID: "bench", Epoch: got[0].Epoch, Status: runtime.StatusRunning,
					Frame: bytes.Repeat([]byte{'f'}, benchFrame), Event: runtime.Event{Kind: "step"}}
				for {
					select {
					case <-stop:
						done <- nil
						return
					default:
					}
					cp.Seq++
					if err := s.Checkpoint(ctx, cp); err != nil {
						done <- err
						return
					}
				}
			}()
			get := func() error {
				_, err := s.Get(ctx, "bench")
				return err
			}
			if via == "writer" {
				get = func() error {
					return s.write(ctx, false, func(ctx context.Context) error {
						_, err := scanInstance(s.w.QueryRowContext(ctx, sqlGet, "bench"))
						return err
					})
				}
			}
			for b.Loop() {
				if err := get(); err != nil {
					b.Fatal(err)
				}
			}
			close(stop)
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkCheckpointConcurrent measures checkpoints of 64 running
// instances committed from 64 goroutines at once (synchronous=FULL),
// which the store batches: ns/op is the time per checkpoint,
// writes/commit the mean batch.
func BenchmarkCheckpointConcurrent(b *testing.B) {
	s, err := New(Config{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkCheckpointsAtOnce(b, s, 64, func() (int64, int64) { st := s.Stats(); return st.Batches, st.Writes })
}
