// Package killtest holds the process-level crash test of the runtime: a
// worker process (./worker, running the workflow of ./shop on the SQLite
// store) is killed with SIGKILL at random times and restarted until every
// instance completes, and the test checks from the store and from the
// steps' own ledger that every instance completed exactly once and that
// no step ran again after its checkpoint committed.
//
// It takes about ten seconds and is skipped by go test -short; run it
// with
//
//	go test ./internal/killtest
package killtest
