package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// SettleAfter is the status poll at which a charge settles.
const SettleAfter = 3

// Bank is the client of the demo's payment provider: a ledger in its own
// SQLite file, outside the worker process, so what a step did survives a
// crash of the worker. Like a real payment API it de-duplicates requests —
// charges by the caller's idempotency key, every other call by the step
// key — and it logs every call it receives, duplicates included.
type Bank struct {
	Path string // the ledger database
}

// errUnknownCharge is returned for a charge ID the bank never issued.
var errUnknownCharge = errors.New("unknown charge")

const bankSchema = `
CREATE TABLE IF NOT EXISTS calls (
	n           INTEGER PRIMARY KEY AUTOINCREMENT,
	step_key    TEXT NOT NULL,
	op          TEXT NOT NULL,
	request_key TEXT NOT NULL, -- what the bank de-duplicates by
	outcome     TEXT NOT NULL, -- applied or duplicate
	result      TEXT NOT NULL,
	pid         INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
	request_key TEXT PRIMARY KEY,
	op          TEXT NOT NULL,
	result      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS charges (
	id       TEXT PRIMARY KEY,
	acct     TEXT NOT NULL,
	cents    INTEGER NOT NULL,
	polls    INTEGER NOT NULL DEFAULT 0,
	refunded INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS credits (
	n     INTEGER PRIMARY KEY AUTOINCREMENT,
	acct  TEXT NOT NULL,
	cents INTEGER NOT NULL
);`

// openBank opens the ledger database at path, creating its tables.
func openBank(ctx context.Context, path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open bank ledger %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, bankSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open bank ledger %s: %w", path, err)
	}
	return db, nil
}

// call performs one request at the bank in one transaction: unless a
// request with requestKey was already applied, apply runs and its result
// is recorded; either way the call is logged with its outcome.
func (b Bank) call(ctx context.Context, stepKey, op, requestKey string, apply func(tx *sql.Tx) (string, error)) (string, error) {
	db, err := openBank(ctx, b.Path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("bank %s: %w", op, err)
	}
	defer tx.Rollback()
	outcome := "duplicate"
	var result string
	err = tx.QueryRowContext(ctx, `SELECT result FROM requests WHERE request_key = ?`, requestKey).Scan(&result)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		outcome = "applied"
		if result, err = apply(tx); err != nil {
			return "", fmt.Errorf("bank %s: %w", op, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO requests (request_key, op, result) VALUES (?, ?, ?)`, requestKey, op, result); err != nil {
			return "", fmt.Errorf("bank %s: record request: %w", op, err)
		}
	case err != nil:
		return "", fmt.Errorf("bank %s: %w", op, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO calls (step_key, op, request_key, outcome, result, pid) VALUES (?, ?, ?, ?, ?, ?)`,
		stepKey, op, requestKey, outcome, result, os.Getpid()); err != nil {
		return "", fmt.Errorf("bank %s: log call: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("bank %s: %w", op, err)
	}
	return result, nil
}

func (b Bank) charge(ctx context.Context, stepKey, acct string, cents int64, key string) (Charge, error) {
	id, err := b.call(ctx, stepKey, "charge", key, func(tx *sql.Tx) (string, error) {
		id := "ch_" + strings.ReplaceAll(key, "-", "")[:12]
		_, err := tx.ExecContext(ctx, `INSERT INTO charges (id, acct, cents) VALUES (?, ?, ?)`, id, acct, cents)
		return id, err
	})
	return Charge{ID: id}, err
}

func (b Bank) poll(ctx context.Context, stepKey, chargeID string) (bool, error) {
	res, err := b.call(ctx, stepKey, "poll", stepKey, func(tx *sql.Tx) (string, error) {
		var polls int
		err := tx.QueryRowContext(ctx, `UPDATE charges SET polls = polls + 1 WHERE id = ? RETURNING polls`, chargeID).Scan(&polls)
		if errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("%w %s", errUnknownCharge, chargeID)
		}
		if err != nil {
			return "", err
		}
		if polls >= SettleAfter {
			return "settled", nil
		}
		return "pending", nil
	})
	return res == "settled", err
}

func (b Bank) credit(ctx context.Context, stepKey, acct string, cents int64) (string, error) {
	return b.call(ctx, stepKey, "credit", stepKey, func(tx *sql.Tx) (string, error) {
		var n int64
		err := tx.QueryRowContext(ctx, `INSERT INTO credits (acct, cents) VALUES (?, ?) RETURNING n`, acct, cents).Scan(&n)
		return fmt.Sprintf("cr_%d", n), err
	})
}

func (b Bank) refund(ctx context.Context, stepKey, chargeID string) error {
	_, err := b.call(ctx, stepKey, "refund", stepKey, func(tx *sql.Tx) (string, error) {
		r, err := tx.ExecContext(ctx, `UPDATE charges SET refunded = 1 WHERE id = ?`, chargeID)
		if err != nil {
			return "", err
		}
		if n, err := r.RowsAffected(); err != nil || n == 0 {
			return "", errors.Join(err, fmt.Errorf("%w %s", errUnknownCharge, chargeID))
		}
		return "refunded", nil
	})
	return err
}

// Call is one call the bank received.
type Call struct {
	N          int64
	StepKey    string
	Op         string // charge, poll, credit or refund
	RequestKey string // what the bank de-duplicated the call by
	Outcome    string // "applied" or "duplicate"
	Result     string
	PID        int // the process that made the call
}

// Calls returns the calls made by the steps of workflow instance id, in
// the order the bank received them.
func (b Bank) Calls(ctx context.Context, id string) ([]Call, error) {
	db, err := openBank(ctx, b.Path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT n, step_key, op, request_key, outcome, result, pid FROM calls WHERE substr(step_key, 1, ?) = ? ORDER BY n`,
		len(id)+1, id+"/")
	if err != nil {
		return nil, fmt.Errorf("read bank calls: %w", err)
	}
	defer rows.Close()
	var calls []Call
	for rows.Next() {
		var c Call
		if err := rows.Scan(&c.N, &c.StepKey, &c.Op, &c.RequestKey, &c.Outcome, &c.Result, &c.PID); err != nil {
			return nil, fmt.Errorf("read bank calls: %w", err)
		}
		calls = append(calls, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read bank calls: %w", err)
	}
	return calls, nil
}
