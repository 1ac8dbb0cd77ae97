// Package sqlite is a [runtime.Store] on SQLite, through the pure Go driver
// modernc.org/sqlite: the embedded default store, one file, no server.
//
// # Opening
//
//	store, err := sqlite.Open("durable.db")
//
// [Open] uses the defaults; [New] takes a [Config] (synchronous mode, busy
// timeout, and the store clock, which tests replace with a fake).
//
// # Durability and concurrency
//
// The database runs in WAL mode with synchronous=FULL by default, so a
// method that returns nil has committed to disk. All writes go through one
// connection, which makes claims single-writer: an instance is leased to
// one worker at a time without row locks. Reads (Get, History) use a
// separate pool and do not wait for the writer. Several Stores, in one
// process or several, may open the same file; they take turns at the write
// lock, waiting up to Config.BusyTimeout.
//
// Every change of an instance is one transaction. A checkpoint is one
// UPDATE of the instance row, fenced by the claim's epoch and by its
// sequence number, which appends the checkpoint's history event to the
// events pending in the row; every 8 sequence numbers, and for a large
// event, the checkpoint also moves them to the history table. Nothing is
// read on that path, and a checkpoint writes one row (one page) most of
// the time. [Store.History] and the events view read both.
//
// # Group commit
//
// Writes of concurrent callers share a transaction: a caller that finds
// the writer idle commits at once, alone; callers that arrive while a
// commit is in flight are committed together when it ends, by the first
// of them, up to Config.MaxBatch writes, with one fsync. There is no
// timer. Each write of a batch runs under its own savepoint, so one that
// is refused (fenced, a duplicate sequence number, a signal that is not
// pending) fails alone; an error of the database fails the whole batch,
// and then none of it is committed.
//
// A write checks its context before it starts and then runs to its end
// (waiting for the write lock at most Config.BusyTimeout): a commit is
// never interrupted halfway, so an error means it did not happen. Reads
// stop when their context is done.
//
// # Schema
//
// The schema is created and upgraded on open by the numbered migrations in
// migrations/, recorded in the schema_migrations table; schema.sql in this
// directory is the resulting schema, for review. Times are stored as
// integer unix nanoseconds (0 for unset), so they are limited to the years
// 1678 to 2262.
//
// # Waking workers
//
// [Store.WaitForWork] lets a worker in the same process sleep until this
// Store creates an instance, wakes one with a signal, or releases or
// cancels one, instead of polling.
package sqlite
