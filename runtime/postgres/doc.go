// Package postgres is a [runtime.Store] on PostgreSQL (github.com/jackc/pgx/v5),
// for many workers in many processes sharing one database.
//
//	store, err := postgres.Open(ctx, os.Getenv("DURABLE_POSTGRES_DSN"))
//	if err != nil { ... }
//	defer store.Close()
//	w := runtime.NewWorker(store, runtime.WorkerOptions{Concurrency: 64})
//
// [New] takes a [Config] to use an existing *pgxpool.Pool or another
// schema than [DefaultSchema].
//
// # Schema and migrations
//
// The tables live in their own Postgres schema (instances, history,
// signals, schema_migrations), created on open by the numbered .sql files
// of the migrations folder, embedded in the binary. Each applied version
// is recorded in schema_migrations; opening applies only the missing ones,
// in one transaction under an advisory lock, so that processes opening the
// store at the same time are safe. schema.sql, beside this file, is a dump
// of the resulting schema for review (regenerate it with
// `pg_dump --schema-only --no-owner --schema=durable`).
//
// # Checkpoints
//
// A checkpoint is one SQL statement, so one transaction and one round
// trip: a data-modifying CTE updates the instance row where its id, the
// claim's epoch and status 'running' match, consumes the signal, and
// inserts the history row from the updated row. When the claim is no
// longer current the update matches nothing, nothing is inserted and
// Checkpoint returns [runtime.ErrFenced]; a sequence number already
// committed violates the history primary key: [runtime.ErrDuplicateSeq].
// A checkpoint that keeps the instance running changes no indexed column,
// so its update is HOT. A waiting checkpoint pipelines a second statement
// in the same transaction that turns the instance ready if the signal it
// awaits is pending; Signal locks the instance row while it inserts, so
// no signal slips between the two.
//
// # Claiming
//
// Claim is one statement: it selects runnable instances (ready, timers
// due, leases expired) with FOR UPDATE SKIP LOCKED, so workers never wait
// for each other nor claim the same instance, increments their epoch,
// sets the lease from the database clock and returns each with the oldest
// pending signal it awaits. All times come from the database clock
// (statement_timestamp), so workers on different machines agree.
//
// The store relies on PostgreSQL's default isolation level, READ
// COMMITTED: do not set default_transaction_isolation higher for its
// connections.
//
// # Notifications
//
// Create, Signal, Cancel and checkpoints that release an instance NOTIFY
// the schema's channel in their transaction. [Store.WaitForWork]
// (the [runtime.WorkWaiter] capability) blocks on a dedicated LISTEN
// connection until a notification arrives or its timeout passes; workers
// keep polling at that timeout, which also covers due timers.
//
// # Connection loss
//
// When the server restarts or backends are terminated, calls fail with the
// connection error and the caller retries; the pool replaces broken
// connections, and the LISTEN connection reconnects with backoff.
package postgres
