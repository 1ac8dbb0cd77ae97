// Package durabletest checks workflows compiled by durablegen the hard
// way: it runs a workflow directly (the original function, the oracle) and
// through its generated machine, crashing at every checkpoint in every
// phase and resuming with nothing kept in memory each time, and reports
// the first run whose result, error or effects differ.
//
//	func TestTransfer(t *testing.T) {
//		bank := &durabletest.Log{}
//		durabletest.Run(t, payments.TransferWorkflow, payments.Request{From: "a", To: "b", Cents: 500},
//			durabletest.WithLog(bank),
//			durabletest.WithSignal("approval", payments.Approval{By: "ann"}))
//	}
//
// # Crash phases
//
// For each checkpoint k of the uncrashed run, and each phase — before the
// step runs, after it ran but before its checkpoint committed, and after
// the commit — a run crashes once at k: nothing more is committed, and
// once its lease has expired a new worker resumes the instance from the
// store. Every such run must end like the direct call, and a step whose
// checkpoint committed must never run again.
//
// A crashed run is the uncrashed run up to its crash, so it does not run
// that part again: the machine runs once, on an in-memory store, and at
// every crash point Run snapshots what the crashed run would have there —
// the store (instances, frames, leases, timers, pending signals,
// histories, child workflows), the clock, the effects in the [Log] —
// and resumes the crashed run from the snapshot. [FromStart] runs each
// crashed run from the start instead, on SQLite, as a check of the
// snapshots (the package's tests check that both end alike at every crash
// point). Each crashed run still runs from its crash point to the end:
// for long workflows, [SampleCrashes] crashes at a sample of the points.
//
// Fakes that keep state outside the workflow ([WithReset]) are not in
// the store: [WithSnapshot] saves and restores them with each snapshot;
// without it, Run runs every crashed run from the start.
//
// Each run, the direct call included, gets its own copy of the input,
// encoded and decoded with the frame codec as an instance's input is: a
// workflow that writes through its input's slices, maps or pointers
// changes neither the next run's input nor the caller's value.
//
// # Continuing as new
//
// A workflow that returns the error of durable.ContinueAsNew is compared
// over all its runs: the direct call is called again with the error's
// Input (with the same clock and signals, under the same instance ID) until
// it returns something else, and the machine runs to the end of its last
// run. The continuations' commits are crash points like the others.
//
// # Time
//
// Runs use a fake clock, which moves only between runs of the worker: to
// the next timer, or past the lease of a crashed run. Durable sleeps of 7
// days and retries suspended for an hour take no wall time, nor do
// backoffs between retries in memory; durable.Now reads the fake clock
// too, so two runs with the same crash see the same times.
//
// # Effects
//
// Steps that record what they do outside the workflow in a [Log] (a fake
// bank, a fake mailer) let Run compare effects too: effects are
// de-duplicated by step key, as an idempotent API would, so a step re-run
// after a crash between it and its commit counts once.
//
// # Retries
//
// A direct call runs each step once. [Transient] makes the first attempts
// of a step fail in the machine runs only, with an error the step's
// policy retries: the machine must retry them away and end as the direct
// call does. A direct call that panics is an outcome too: the machine
// must fail with that panic, after the same effects.
//
// # Step fakes
//
// [Stub] and [StubDo] replace steps with fakes in the machine runs:
//
//	r := durabletest.Run(t, payments.TransferWorkflow, req,
//		durabletest.Stub(payments.Bank{}.Charge, fakeCharge),
//		durabletest.StubDo("fetch-rate", fakeRate))
//	receipt := r.Result.(payments.Receipt)
//
// The direct call would run the real steps, so a stubbed workflow is not
// compared with it: the uncrashed machine run is the baseline, and its
// result is in the [Report]. To compare fakes with the direct call too,
// pass them in a workflow method's receiver (XWorkflow.Bind(&Service{...})).
package durabletest
