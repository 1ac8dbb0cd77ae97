// Package load is the workload of the fault harness (see package chaos):
// [Ledger.Run] runs a configurable mix of steps, durable sleeps, a signal
// wait, child workflows ([Ledger.Leaf]) and compensations, and every step
// appends one line to a ledger file under its [durable.StepKey] before it
// works, so that the harness can count how often, when and by which
// process each step really ran.
//
// A worker process writes its own ledger file (one per process, so that a
// stopped or killed process never holds a lock another one needs); the
// harness reads them all with [ReadLedgers] after a run. [Expect] is
// what an instance must return, computed from its input alone.
package load
