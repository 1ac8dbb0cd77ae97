package flow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/durablegen/durable"
)

// Ledger is the receiver of the workflow: the table in which its steps
// record their executions. It is never serialized.
type Ledger struct {
	pool   *pgxpool.Pool
	schema string
	table  string // quoted and schema-qualified
	owner  string // the worker that runs the steps
}

// NewLedger returns the ledger in table "executions" of schema, written
// through pool by the worker named owner.
func NewLedger(pool *pgxpool.Pool, schema, owner string) *Ledger {
	return &Ledger{pool: pool, schema: schema, table: pgx.Identifier{schema, "executions"}.Sanitize(), owner: owner}
}

// Create creates the ledger's schema and table if they do not exist.
func (l *Ledger) Create(ctx context.Context) error {
	sql := `CREATE SCHEMA IF NOT EXISTS ` + pgx.Identifier{l.schema}.Sanitize() + `;
CREATE TABLE IF NOT EXISTS ` + l.table + ` (
	n        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	step_key text        NOT NULL,
	step     text        NOT NULL,
	attempt  integer     NOT NULL,
	owner    text        NOT NULL,
	pid      integer     NOT NULL,
	started  timestamptz NOT NULL,
	at       timestamptz NOT NULL DEFAULT clock_timestamp()
)`
	if _, err := l.pool.Exec(ctx, sql); err != nil {
		return fmt.Errorf("create ledger %s: %w", l.table, err)
	}
	return nil
}

// Execution is one execution of a step, as the ledger recorded it.
type Execution struct {
	StepKey string
	Step    string
	Attempt int
	Owner   string
	PID     int
	// Started is when the step began, on its worker's clock: a worker
	// stopped between then and the ledger's insert still started it
	// before the stop.
	Started time.Time
}

// Executions returns every recorded execution, in order.
func (l *Ledger) Executions(ctx context.Context) ([]Execution, error) {
	rows, err := l.pool.Query(ctx, `SELECT step_key, step, attempt, owner, pid, started FROM `+l.table+` ORDER BY n`)
	if err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", l.table, err)
	}
	execs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Execution])
	if err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", l.table, err)
	}
	return execs, nil
}

// record commits one ledger row under the key of the step running with
// ctx, which started at started.
func (l *Ledger) record(ctx context.Context, started time.Time) error {
	info, ok := durable.Step(ctx)
	if !ok {
		return errors.New("record execution: not called from a step")
	}
	_, err := l.pool.Exec(ctx, `INSERT INTO `+l.table+` (step_key, step, attempt, owner, pid, started) VALUES ($1, $2, $3, $4, $5, $6)`,
		info.Key(), info.Name, info.Attempt, l.owner, os.Getpid(), started)
	if err != nil {
		return fmt.Errorf("record execution of %s: %w", info.Key(), err)
	}
	return nil
}
