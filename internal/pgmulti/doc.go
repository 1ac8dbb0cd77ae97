// Package pgmulti holds the multi-process tests of the PostgreSQL store:
// worker processes (./worker, running the workflow of ./flow) share one
// database while the tests SIGKILL one, SIGSTOP another past its lease, or
// terminate all their database sessions, and then check from the history
// table, from the steps' ledger and from the workers' traces that every
// instance completed, that every checkpoint was committed exactly once,
// that a stopped worker was fenced and, after it resumed, started no step
// of a run it had lost, and that a step ran again only where a run was
// cut between the step and its checkpoint.
//
// A worker writes its trace, one JSON [Event] per line, to its standard
// output: every claim, every checkpoint commit or failure, every failed
// heartbeat ([Tracer]).
//
// BenchmarkSQLiteCheckpointVsBareCommit measures the SQLite store's
// checkpoint latency (median, p99) beside a bare INSERT+COMMIT on the same
// database, as runtime/postgres's BenchmarkCheckpointVsBareCommit does for
// PostgreSQL.
//
// The multi-process tests need PostgreSQL and take under a minute; they
// are skipped by go test -short and when DURABLE_POSTGRES_DSN is unset.
// Run them with
//
//	DURABLE_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ./internal/pgmulti
package pgmulti
