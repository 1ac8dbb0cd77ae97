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
// trip: it updates the instance row where its id, the claim's epoch,
// status 'running' and the previous sequence number match, appends the
// checkpoint's history event to the events pending in the row, and
// consumes the signal. Every 8 sequence numbers, and for a large event,
// the statement also moves the pending events to the history table;
// otherwise a checkpoint writes one row. History and
// the view events read both. When the update matches nothing, Checkpoint
// reads the row back to say why: the claim is no longer current
// ([runtime.ErrFenced]), the sequence number is committed already
// ([runtime.ErrDuplicateSeq]) or the signal is not pending. A checkpoint
// that keeps the instance running changes no indexed column, so its
// update is HOT.
//
// # Group commit
//
// Checkpoints and creates of concurrent callers share a transaction: a
// caller that finds no commit in flight commits alone at once; callers
// that arrive while one is in flight are committed together when it ends,
// by the first of them, up to Config.MaxBatch writes, in one pipelined
// batch of multi-row statements on one connection (one transaction, one
// round trip, one WAL flush). There is no timer. Every row is fenced on
// its own and a refused one fails only its caller; if the server refuses
// a statement of the batch, every write of it is committed again alone.
// A batch whose connection is lost fails all its callers: its writes are
// then committed all or none, and a checkpoint retried with the same
// sequence number and epoch commits, or is refused as committed. A waiting checkpoint pipelines a second statement
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
