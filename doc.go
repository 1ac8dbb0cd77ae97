// Package durable is the authoring API of durablegen: what a workflow
// function and its steps use.
//
// A workflow is an ordinary Go function marked with a //durable:workflow
// directive:
//
//	//durable:workflow
//	func Transfer(ctx durable.Context, in Request) (Receipt, error) {
//		charge, err := Charge(ctx, in.From, in.Cents) // a step: checkpoint
//		...
//	}
//
// Running `go generate` (durablegen) compiles it into a resumable state
// machine whose live variables form a serializable frame, and emits a
// descriptor (TransferWorkflow, a [Workflow]) that the runtime package
// registers with a worker. Every call with a side effect — a
// //durable:step function, [Do], [Sleep], [SleepUntil], [Now],
// [SideEffect], [Await] — becomes a checkpoint: the runtime commits the
// frame after it, so a crashed or redeployed worker resumes at the exact
// checkpoint without replaying history.
//
// # Direct calls
//
// The original function stays compiled and callable: Transfer(
// [Background](), in) runs it in-process with no persistence, steps inline
// and the real clock. That is the reference behaviour the generated
// machine is tested against, and it is handy in unit tests.
//
// # Determinism
//
// Code between checkpoints is re-executed after a crash, so it must be
// deterministic: use [Now], [UUID] and [Random] instead of time.Now,
// uuid.New and math/rand, and do I/O inside steps. The durablevet analyzer
// reports violations.
//
// # Steps
//
// A step is a function or method marked //durable:step whose first
// parameter is a context.Context. It may return any results, the last one
// optionally an error: (T, error), error, T, nothing, or several values as
// in q, r, err := DivMod(ctx, a, b); every value is checkpointed. The
// directive's options are its default retry [Policy]:
//
//	//durable:step retries=5 backoff=1s..5m timeout=30s
//
// Steps run at least once; [StepKey] gives each a key that is stable
// across retries and resumes, to pass to idempotent APIs.
//
// # Composing
//
//   - [Compensate] registers a step to run if the workflow fails later
//     (sagas); compensations run last first, each checkpointed, and also
//     on a cancel requested through the runtime's Client.RequestCancel.
//   - [Go] prepares a step and returns a [Future]; [All] runs several
//     concurrently as one checkpoint, [Select] takes the first to finish.
//   - Calling another workflow starts it as a child instance and waits for
//     its result at one checkpoint.
//   - Returning the error of [ContinueAsNew] ends the run and starts the
//     workflow again under the same instance ID with a new input, a fresh
//     frame and an empty history: a loop that runs for months does so in
//     constant storage.
package durable
