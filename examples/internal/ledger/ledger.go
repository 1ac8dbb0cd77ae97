// Package ledger is the outside world of the examples: a log of the calls
// their steps make to a service (a mail provider, a cloud, a notifier),
// kept in an SQLite file of its own, outside the worker processes, so that
// what a killed worker did is still there to inspect.
//
// Like a real API that takes an idempotency key, the ledger applies one
// request per key and answers a repeated one with the first answer; it
// logs every call it receives, repeats included, with the process that
// made it. The examples' steps pass their durable.StepKey.
package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Ledger is a ledger file. Its zero value is not usable: set Path.
type Ledger struct {
	Path string
}

// Outcomes of a call.
const (
	Applied   = "applied"   // the first call with its key: the request took effect
	Duplicate = "duplicate" // a repeat of a key: answered with the first result, no effect
)

const schema = `
CREATE TABLE IF NOT EXISTS calls (
	n       INTEGER PRIMARY KEY AUTOINCREMENT,
	key     TEXT NOT NULL,
	op      TEXT NOT NULL,
	target  TEXT NOT NULL,
	outcome TEXT NOT NULL,
	result  TEXT NOT NULL,
	pid     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
	key    TEXT PRIMARY KEY,
	op     TEXT NOT NULL,
	target TEXT NOT NULL,
	result TEXT NOT NULL
);`

func (l Ledger) open(ctx context.Context) (*sql.DB, error) {
	if l.Path == "" {
		return nil, errors.New("ledger: no Path set")
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: l.Path}).EscapedPath(), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", l.Path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger %s: %w", l.Path, err)
	}
	return db, nil
}

// Call makes request op on target with idempotency key, in one
// transaction. The first call with key applies it: decide gets the number
// of requests op on target applied before this one and returns the
// result, or an error, which applies nothing and is logged nowhere. A
// later call with key returns the first result. Either way the call is
// logged.
func (l Ledger) Call(ctx context.Context, key, op, target string, decide func(before int) (string, error)) (string, error) {
	db, err := l.open(ctx)
	if err != nil {
		return "", err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", op, target, err)
	}
	defer tx.Rollback()
	outcome := Duplicate
	var result string
	err = tx.QueryRowContext(ctx, `SELECT result FROM requests WHERE key = ?`, key).Scan(&result)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		outcome = Applied
		var before int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM requests WHERE op = ? AND target = ?`, op, target).Scan(&before); err != nil {
			return "", fmt.Errorf("%s %s: %w", op, target, err)
		}
		if result, err = decide(before); err != nil {
			return "", fmt.Errorf("%s %s: %w", op, target, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO requests (key, op, target, result) VALUES (?, ?, ?, ?)`, key, op, target, result); err != nil {
			return "", fmt.Errorf("%s %s: record request: %w", op, target, err)
		}
	case err != nil:
		return "", fmt.Errorf("%s %s: %w", op, target, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO calls (key, op, target, outcome, result, pid) VALUES (?, ?, ?, ?, ?, ?)`,
		key, op, target, outcome, result, os.Getpid()); err != nil {
		return "", fmt.Errorf("%s %s: log call: %w", op, target, err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("%s %s: %w", op, target, err)
	}
	return result, nil
}

// Entry is one call the ledger received.
type Entry struct {
	N       int64
	Key     string // the idempotency key: a step key, instance/seq[/index]
	Op      string
	Target  string
	Outcome string // Applied or Duplicate
	Result  string
	PID     int // the process that made the call
}

// Entries returns the calls made with keys of workflow instance id (keys
// that start with id + "/"), in the order the ledger received them. A
// ledger file that does not exist yet holds none.
func (l Ledger) Entries(ctx context.Context, id string) ([]Entry, error) {
	if _, err := os.Stat(l.Path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	db, err := l.open(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT n, key, op, target, outcome, result, pid FROM calls WHERE substr(key, 1, ?) = ? ORDER BY n`,
		len(id)+1, id+"/")
	if err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", l.Path, err)
	}
	defer rows.Close()
	var es []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.N, &e.Key, &e.Op, &e.Target, &e.Outcome, &e.Result, &e.PID); err != nil {
			return nil, fmt.Errorf("read ledger %s: %w", l.Path, err)
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", l.Path, err)
	}
	return es, nil
}
