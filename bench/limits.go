package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// payload is what a bare commit writes: about the size of a small
// workflow's frame.
var payload = make([]byte, 200)

// bare performs bare single-row commits: the floor a checkpoint is
// compared with.
type bare struct {
	insert func(ctx context.Context, id int) error
	close  func()
	n      int
}

// commit inserts the next row, autocommit, and returns how long it took.
func (b *bare) commit(ctx context.Context) (time.Duration, error) {
	b.n++
	start := time.Now()
	err := b.insert(ctx, b.n)
	return time.Since(start), err
}

// sample times n commits.
func (b *bare) sample(ctx context.Context, n int) (latencies, error) {
	lat := make(latencies, 0, n)
	for range n {
		d, err := b.commit(ctx)
		if err != nil {
			return nil, err
		}
		lat = append(lat, d)
	}
	return lat, nil
}

// newSQLiteBare opens the SQLite file at path (WAL, synchronous mode
// sync) with one connection and a table of its own.
func newSQLiteBare(ctx context.Context, path, sync string) (*bare, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", sync)
	q.Set("_busy_timeout", "5000")
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	var mode, level string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if want := map[string]string{"FULL": "2", "NORMAL": "1"}[sync]; mode != "wal" || level != want {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: journal_mode %s, synchronous %s; want wal, %s", path, mode, level, want)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)"); err != nil {
		db.Close()
		return nil, fmt.Errorf("create bare table: %w", err)
	}
	stmt, err := db.PrepareContext(ctx, "INSERT INTO bare (id, payload) VALUES (?, ?)")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare bare insert: %w", err)
	}
	return &bare{
		insert: func(ctx context.Context, id int) error { _, err := stmt.ExecContext(ctx, id, payload); return err },
		close:  func() { stmt.Close(); db.Close() },
	}, nil
}

// newPostgresBare creates a table in schema (which must exist) and
// inserts into it through pool, one autocommitted row per call.
func newPostgresBare(ctx context.Context, pool *pgxpool.Pool, schema string) (*bare, error) {
	table := pgx.Identifier{schema, "bare"}.Sanitize()
	if _, err := pool.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+table+" (id bigint PRIMARY KEY, payload bytea NOT NULL)"); err != nil {
		return nil, fmt.Errorf("create bare table: %w", err)
	}
	insert := "INSERT INTO " + table + " (id, payload) VALUES ($1, $2)"
	return &bare{
		insert: func(ctx context.Context, id int) error { _, err := pool.Exec(ctx, insert, id, payload); return err },
		close:  func() {},
	}, nil
}

// limits measures the physical floors: an fsync'ed 4 KiB append and bare
// single-row commits on PostgreSQL and SQLite. It returns the median of
// each by name, for the ratios of later sections.
func limits(ctx context.Context, e *env, n int) ([]Row, map[string]time.Duration) {
	var rows []Row
	floor := map[string]time.Duration{}
	add := func(key, name string, lat latencies, err error, note string) {
		row := Row{Section: "limits", Name: name, System: sysLimit, Unit: "µs", Note: note}
		if err != nil {
			row.Skipped = err.Error()
		} else {
			row.Value, row.P99 = us(lat.median()), us(lat.p99())
			floor[key] = lat.median()
		}
		rows = append(rows, row)
	}
	lat, err := fsyncAppend(filepath.Join(e.dir, "fsync.log"), n)
	add("fsync", "4 KiB append + fsync", lat, err, fmt.Sprintf("%d samples", n))

	for _, sync := range []string{"FULL", "NORMAL"} {
		lat, err := sqliteBare(ctx, filepath.Join(e.dir, e.name("bare")+".db"), sync, n)
		add("sqlite "+sync, "SQLite INSERT+COMMIT, WAL, synchronous="+sync, lat, err, "database/sql, modernc.org/sqlite")
	}
	lat, err = postgresBare(ctx, e, n)
	add("postgres", "PostgreSQL INSERT+COMMIT", lat, err, "pgx, synchronous_commit=on")
	return rows, floor
}

func fsyncAppend(path string, n int) (latencies, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	block := make([]byte, 4096)
	lat := make(latencies, 0, n)
	for range n {
		start := time.Now()
		if _, err := f.Write(block); err != nil {
			return nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(start))
	}
	return lat, nil
}

func sqliteBare(ctx context.Context, path, sync string, n int) (latencies, error) {
	b, err := newSQLiteBare(ctx, path, sync)
	if err != nil {
		return nil, err
	}
	defer b.close()
	if _, err := b.sample(ctx, 10); err != nil { // warm up
		return nil, err
	}
	return b.sample(ctx, n)
}

func postgresBare(ctx context.Context, e *env, n int) (latencies, error) {
	if e.pgErr != nil {
		return nil, e.pgErr
	}
	schema := e.name("bare")
	pool, err := pgxpool.New(ctx, e.pgDSN)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	defer e.dropSchema(schema)
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return nil, err
	}
	b, err := newPostgresBare(ctx, pool, schema)
	if err != nil {
		return nil, err
	}
	if _, err := b.sample(ctx, 10); err != nil {
		return nil, err
	}
	return b.sample(ctx, n)
}
