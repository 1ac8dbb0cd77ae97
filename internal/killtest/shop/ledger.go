package shop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/durablegen/durable"
)

const ledgerSchema = `
CREATE TABLE IF NOT EXISTS effects (
	n        INTEGER PRIMARY KEY AUTOINCREMENT,
	step_key TEXT NOT NULL,
	step     TEXT NOT NULL,
	pid      INTEGER NOT NULL,
	at       INTEGER NOT NULL
);`

// OpenLedger opens the ledger database at path, creating its table.
func OpenLedger(ctx context.Context, path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, ledgerSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	return db, nil
}

// Effect is one execution of a step, as the ledger recorded it.
type Effect struct {
	StepKey string
	Step    string
	PID     int
	At      time.Time
}

// Effects returns every recorded execution, in order.
func Effects(ctx context.Context, db *sql.DB) ([]Effect, error) {
	rows, err := db.QueryContext(ctx, `SELECT step_key, step, pid, at FROM effects ORDER BY n`)
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	defer rows.Close()
	var effects []Effect
	for rows.Next() {
		var e Effect
		var at int64
		if err := rows.Scan(&e.StepKey, &e.Step, &e.PID, &at); err != nil {
			return nil, fmt.Errorf("read ledger: %w", err)
		}
		e.At = time.Unix(0, at)
		effects = append(effects, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	return effects, nil
}

// record is the effect of a step: it commits one ledger row under the
// step's key, then works for a while, so that a kill may land between the
// effect and the step's checkpoint.
func record(ctx context.Context, path string, work time.Duration) error {
	info, ok := durable.Step(ctx)
	if !ok {
		return errors.New("record effect: not called from a step")
	}
	db, err := OpenLedger(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `INSERT INTO effects (step_key, step, pid, at) VALUES (?, ?, ?, ?)`,
		info.Key(), info.Name, os.Getpid(), time.Now().UnixNano()); err != nil {
		return fmt.Errorf("record effect of %s: %w", info.Key(), err)
	}
	t := time.NewTimer(work)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
