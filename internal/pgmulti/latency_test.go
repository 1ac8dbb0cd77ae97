package pgmulti_test

import (
	"bytes"
	"database/sql"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// BenchmarkSQLiteCheckpointVsBareCommit is the SQLite counterpart of
// runtime/postgres's BenchmarkCheckpointVsBareCommit, so that both stores'
// checkpoint latencies are measured the same way: per iteration, one
// Store.Checkpoint of a running instance (200-byte frame, one history
// row) and one autocommitted, prepared single-row INSERT of 200 bytes
// into another table of the same database file, through a connection
// opened like the store's writer (WAL, synchronous=FULL), alternating
// which goes first so that both see the same machine load. It reports
// the median and 99th percentile of each and their ratios.
//
//	go test -run XXX -bench SQLite ./internal/pgmulti
func BenchmarkSQLiteCheckpointVsBareCommit(b *testing.B) {
	ctx := b.Context()
	path := filepath.Join(b.TempDir(), "bench.db")
	s, err := sqlite.New(sqlite.Config{Path: path, Synchronous: "FULL"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, _, err := s.Create(ctx, &runtime.Instance{ID: "bench", Workflow: "w", Version: "v"}); err != nil {
		b.Fatal(err)
	}
	got, err := s.Claim(ctx, runtime.ClaimRequest{Owner: "o", Workflows: []string{"w@v"}, Limit: 1, Lease: time.Hour})
	if err != nil || len(got) != 1 {
		b.Fatalf("Claim() = %v, %v", got, err)
	}
	frame := bytes.Repeat([]byte{'f'}, 200)
	cp := runtime.Checkpoint{ID: "bench", Epoch: got[0].Epoch, Status: runtime.StatusRunning, Frame: frame,
		Event: runtime.Event{Kind: "step", Name: "Charge", Site: 1, Attempts: 1, Detail: []byte(`{"id":"ch_1"}`)}}
	checkpoint := func(i int) error { cp.Seq = int64(i) + 1; return s.Checkpoint(ctx, &cp) }

	q := url.Values{}
	q.Set("_busy_timeout", "5000")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: q.Encode()}).String())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE bare (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	insert, err := db.PrepareContext(ctx, `INSERT INTO bare (id, payload) VALUES (?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer insert.Close()
	bare := func(i int) error {
		_, err := insert.ExecContext(ctx, i, frame)
		return err
	}
	// Fill the WAL past SQLite's auto-checkpoint, so that it is reused
	// rather than grown, as in a database that has run for a while.
	const warm = 1200
	for i := range warm {
		if err := checkpoint(i); err != nil {
			b.Fatal(err)
		}
		if err := bare(i); err != nil {
			b.Fatal(err)
		}
	}
	cpLat, bareLat := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
	timed := func(lat *[]time.Duration, op func(int) error, i int) {
		start := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		*lat = append(*lat, time.Since(start))
	}
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			timed(&cpLat, checkpoint, warm+i)
			timed(&bareLat, bare, warm+i)
		} else {
			timed(&bareLat, bare, warm+i)
			timed(&cpLat, checkpoint, warm+i)
		}
	}
	b.StopTimer()
	slices.Sort(cpLat)
	slices.Sort(bareLat)
	med := func(l []time.Duration) float64 { return float64(l[len(l)/2]) }
	p99 := func(l []time.Duration) float64 { return float64(l[len(l)*99/100]) }
	b.ReportMetric(med(cpLat), "cp-median-ns")
	b.ReportMetric(p99(cpLat), "cp-p99-ns")
	b.ReportMetric(med(bareLat), "bare-median-ns")
	b.ReportMetric(p99(bareLat), "bare-p99-ns")
	b.ReportMetric(med(cpLat)/med(bareLat), "median-ratio")
	b.ReportMetric(p99(cpLat)/p99(bareLat), "p99-ratio")
}
