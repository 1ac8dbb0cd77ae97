// Package durabletest checks workflows compiled by durablegen the hard
// way: it runs a workflow directly (the original function, the oracle) and
// through its generated machine on an embedded SQLite store, crashing at
// every checkpoint in every phase and resuming from the store each time,
// and reports the first run whose result, error or effects differ.
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
// the commit — a fresh instance runs until it crashes once at k, then a new
// worker resumes it from the store with nothing kept in memory. Every such
// run must end like the direct call, and a step whose checkpoint
// committed must never run again.
//
// Each run, the direct call included, gets its own copy of the input,
// encoded and decoded with the frame codec as an instance's input is: a
// workflow that writes through its input's slices, maps or pointers
// changes neither the next run's input nor the caller's value.
//
// # Time
//
// Runs use a fake clock: durable sleeps of 7 days take no wall time.
//
// # Effects
//
// Steps that record what they do outside the workflow in a [Log] (a fake
// bank, a fake mailer) let Run compare effects too: effects are
// de-duplicated by step key, as an idempotent API would, so a step re-run
// after a crash between it and its commit counts once.
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
