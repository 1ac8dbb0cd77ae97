package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/storetest"
)

// frame200 is a frame of about 200 bytes, the size of a small workflow's
// live variables.
var frame200 = []byte(`{"pc":3,"in":{"from":"acct-0001","to":"acct-0002","amount":125000,"currency":"EUR"},` +
	`"charge":{"id":"ch_3N1aXY2eZvKYlo2C0mM1xYzQ","status":"settled"},"err":null,"key":"transfer-42/1"}`)

// latencies records the duration of each operation and reports the median
// and 99th percentile.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Nanoseconds()), "median-ns")
	b.ReportMetric(float64(l[len(l)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkCheckpoint measures Store.Checkpoint of a running instance (a
// step's commit: ~200-byte frame, one history row) on a durable
// (synchronous_commit as configured) database.
func BenchmarkCheckpoint(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	inst := startRunning(b, s, "bench")
	cp := runtime.Checkpoint{ID: inst.ID, Epoch: inst.Epoch, Status: runtime.StatusRunning, Frame: frame200,
		Event: runtime.Event{Kind: "step", Name: "Charge", Site: 1, Attempts: 1, Detail: []byte(`{"id":"ch_1"}`)}}
	cp.Seq = 1
	if err := s.Checkpoint(ctx, &cp); err != nil { // warm the statement cache
		b.Fatal(err)
	}
	lat := make(latencies, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		cp.Seq = int64(i) + 2
		start := time.Now()
		if err := s.Checkpoint(ctx, &cp); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	lat.report(b)
}

// BenchmarkBareCommit measures the floor a checkpoint is compared with: a
// single-row INSERT of the same payload, autocommit, through pgx on the
// same database.
func BenchmarkBareCommit(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	table := pgx.Identifier{s.Schema(), "bare"}.Sanitize()
	if _, err := s.Pool().Exec(ctx, "CREATE TABLE "+table+" (id bigint PRIMARY KEY, payload bytea NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	insert := "INSERT INTO " + table + " (id, payload) VALUES ($1, $2)"
	if _, err := s.Pool().Exec(ctx, insert, 0, frame200); err != nil {
		b.Fatal(err)
	}
	lat := make(latencies, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := s.Pool().Exec(ctx, insert, i+1, frame200); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	lat.report(b)
}

// BenchmarkClaim measures claiming one ready instance among many, with
// its release, as a worker does per workflow run.
func BenchmarkClaim(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	const ready = 1000
	for i := range ready {
		if _, _, err := s.Create(ctx, &runtime.Instance{ID: fmt.Sprint("i", i), Workflow: "wf", Version: "v1", Frame: frame200}); err != nil {
			b.Fatal(err)
		}
	}
	req := runtime.ClaimRequest{Owner: "w", Workflows: []string{"wf@v1"}, Limit: 1, Lease: time.Minute}
	lat := make(latencies, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		got, err := s.Claim(ctx, req)
		if err != nil || len(got) != 1 {
			b.Fatalf("Claim() = %d instances, %v", len(got), err)
		}
		lat = append(lat, time.Since(start))
		b.StopTimer()
		inst := got[0]
		err = s.Checkpoint(ctx, &runtime.Checkpoint{ID: inst.ID, Epoch: inst.Epoch, Seq: inst.Seq + 1,
			Status: runtime.StatusReady, Frame: inst.Frame, Event: runtime.Event{Kind: "step"}})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	lat.report(b)
}

// BenchmarkCheckpointVsBareCommit interleaves a checkpoint and a bare
// single-row INSERT per iteration on the same pool, so that both see the
// same machine load, and reports the ratio of their medians and p99s.
func BenchmarkCheckpointVsBareCommit(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	inst := startRunning(b, s, "bench")
	table := pgx.Identifier{s.Schema(), "bare"}.Sanitize()
	if _, err := s.Pool().Exec(ctx, "CREATE TABLE "+table+" (id bigint PRIMARY KEY, payload bytea NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	insert := "INSERT INTO " + table + " (id, payload) VALUES ($1, $2)"
	cp := runtime.Checkpoint{ID: inst.ID, Epoch: inst.Epoch, Status: runtime.StatusRunning, Frame: frame200,
		Event: runtime.Event{Kind: "step", Name: "Charge", Site: 1, Attempts: 1, Detail: []byte(`{"id":"ch_1"}`)}}
	checkpoint := func(i int) error { cp.Seq = int64(i) + 1; return s.Checkpoint(ctx, &cp) }
	bare := func(i int) error { _, err := s.Pool().Exec(ctx, insert, i, frame200); return err }
	if err := checkpoint(0); err != nil {
		b.Fatal(err)
	}
	if err := bare(0); err != nil {
		b.Fatal(err)
	}
	cpLat, bareLat := make(latencies, 0, b.N), make(latencies, 0, b.N)
	timed := func(lat *latencies, op func(int) error, i int) {
		start := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		*lat = append(*lat, time.Since(start))
	}
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			timed(&cpLat, checkpoint, i+1)
			timed(&bareLat, bare, i+1)
		} else {
			timed(&bareLat, bare, i+1)
			timed(&cpLat, checkpoint, i+1)
		}
	}
	b.StopTimer()
	slices.Sort(cpLat)
	slices.Sort(bareLat)
	med := func(l latencies) float64 { return float64(l[len(l)/2]) }
	p99 := func(l latencies) float64 { return float64(l[len(l)*99/100]) }
	b.ReportMetric(med(cpLat), "cp-median-ns")
	b.ReportMetric(p99(cpLat), "cp-p99-ns")
	b.ReportMetric(med(bareLat), "bare-median-ns")
	b.ReportMetric(p99(bareLat), "bare-p99-ns")
	b.ReportMetric(med(cpLat)/med(bareLat), "median-ratio")
	b.ReportMetric(p99(cpLat)/p99(bareLat), "p99-ratio")
}

// BenchmarkCheckpointConcurrent measures checkpoints of 64 running
// instances committed from 64 goroutines at once, which the store
// batches: ns/op is the time per checkpoint, writes/commit the mean batch.
func BenchmarkCheckpointConcurrent(b *testing.B) {
	s := newStore(b)
	storetest.BenchmarkCheckpointsAtOnce(b, s, 64, func() (int64, int64) { st := s.Stats(); return st.Batches, st.Writes })
}
