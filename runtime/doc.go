// Package runtime runs workflows compiled by durablegen: a [Worker] claims
// instances from a [Store] and runs their generated state machines, a
// [Client] starts instances, waits for results, signals and cancels them.
// Stores live in sibling packages (runtime/sqlite, runtime/postgres,
// runtime/memstore for tests).
//
//	w := runtime.NewWorker(store, runtime.WorkerOptions{Concurrency: 64})
//	if err := w.Register(payments.TransferWorkflow); err != nil { ... }
//	go w.Run(ctx)
//
//	c := runtime.NewClient(store)
//	h, err := runtime.Start(ctx, c, payments.TransferWorkflow, "transfer-42", req)
//	receipt, err := h.Result(ctx)
//
// # Worker
//
// [Worker.Run] claims runnable instances of the registered workflows
// (by name and layout fingerprint, so an instance only resumes on code
// whose checkpoints match), up to [WorkerOptions].Concurrency at once,
// each under a lease that a heartbeat renews every third of its length.
// When nothing is runnable it waits PollInterval, or less if the store
// implements [WorkWaiter]. Store errors are logged and retried with
// backoff: a failed claim always; a commit, a child's start or a lease
// renewal that failed with a transient error ([IsTransient]: a restarting
// database, a refused or reset connection) for as long as the run's lease
// lasts, with the same checkpoint each time, so that a short outage costs
// the instance no lease (a retry whose first try had committed, its
// answer lost, is recognised as committed). Cancelling Run's context
// stops claiming; running instances are handed back to the store at their
// next checkpoint, or cancelled after ShutdownTimeout (a commit under way
// then is not interrupted). [Worker.Drain] runs everything runnable now
// in the calling goroutine, for tests.
//
// A frame that cannot be decoded or that names a machine state the
// workflow does not have, and a panic in a workflow's own code (generated
// code included), fail that one instance with an error naming it; other
// instances and the worker continue. A panic in a step is a retryable step
// error. An instance whose runs keep ending without committing anything
// (it kills its worker, or the store refuses its commits) is failed once
// [WorkerOptions].MaxAbortedRuns runs in a row (3) did, with the store's
// reason when there is one. [Client.Retry] runs a failed instance again.
//
// # Client
//
// [Start] creates an instance under a caller-chosen ID; starting the same
// ID again returns the existing instance ([ErrAlreadyStarted] if it runs
// another workflow). [Handle.Result] waits for the outcome: the output,
// the workflow's error (the known error or typed value it was, or a
// *durable.Error that still matches, with errors.Is and errors.As, the
// known errors and types in its chain: those of the workflow's descriptor
// and of [WithErrors] and [WithErrorTypes]), or [ErrCanceled].
// [Client.Signal] durably delivers a payload to durable.Await.
//
// # Operating
//
// Stores that implement the optional [Admin] interface (all of this
// module's) support [Client.List], which pages through instances by
// status, workflow, ID prefix and creation time without reading their
// frames, and [Client.Retry], which makes a failed instance runnable again
// from its last committed checkpoint once a fix is deployed (an error the
// workflow returned is its result and is not retried). [Client.State] and
// [Handle.State] decode an instance's frame into its live variables. The
// durable command (cmd/durable) is these calls on the command line.
//
// # Limits
//
// Every store of this module keeps the same instances: an ID is 1 to
// [MaxIDLength] bytes of UTF-8 without control characters ([CheckID];
// a child's ID is its parent's plus "/child-" and a sequence number), a
// signal name at most [MaxNameLength] bytes of the same. Clients check
// them first and fail with [ErrInvalidID], quoting only the start of a
// long ID. Encoded inputs and signal payloads are at most
// [DefaultMaxPayload] bytes unless [WithMaxPayload] says otherwise, and
// workers hold frames, outputs and child inputs to [WorkerOptions].MaxPayload
// (the same default): a workflow that outgrows it fails with [ErrTooLarge],
// and a claimed frame over it fails its instance undecoded, so that one
// instance costs a worker a bounded amount of memory. Text the runtime
// stores in history events (a step's error message, a cancel's reason) is
// made valid UTF-8 without NUL bytes and cut at 16 KiB.
//
// # Checkpoint protocol
//
// A generated machine is a loop over its program counter. At checkpoint
// k it calls one operation ([Call] for a step, [Sleep], [Await], [Now],
// [SideEffect]) and then [Exec.Commit], which sets the counter to k's
// continuation, encodes the frame (the live variables and the counter),
// and commits it with the operation's history event in a single
// [Store.Checkpoint] call fenced by the claim's epoch. A step runs with
// its retry policy before the commit; its context carries the step key
// (instance ID and checkpoint sequence, see durable.StepKey). A sleep
// commits the instance as sleeping until its wake time; an await without
// its signal commits it as waiting, with the counter left at the await,
// and the signal makes it runnable again; a retry whose backoff is longer
// than MaxInlineBackoff commits the instance as sleeping with the
// counter left at the step and its failed attempts recorded. Either way
// no goroutine or lease is held while the instance waits.
//
// The engine reuses the memory of [Checkpoint].Frame and Event.Detail
// once Store.Checkpoint returns; a store copies what it keeps.
//
// # Guarantees
//
//   - Steps run at least once: a crash after a step ran but before its
//     checkpoint committed runs it again, with the same step key, so
//     idempotent APIs see one request.
//   - Checkpoints commit exactly once: each has the next sequence number,
//     a store refuses a sequence it already has, and a step whose
//     checkpoint committed never runs again.
//   - Resume is O(1) in the length of the history: a run starts from the
//     last committed frame and never reads the history.
//   - Durable time is the store's clock at the claim plus the monotonic
//     time since; durable.Random and durable.UUID are derived from the
//     instance ID and the committed sequence, so a resumed run sees the
//     values the crashed one saw.
//
// # Fencing
//
// Every claim increments the instance's epoch, and every Checkpoint and
// Heartbeat carries the epoch of its claim. A worker that stalled past its
// lease, whose instance another worker took over, or whose instance was
// cancelled, gets [ErrFenced] at its next heartbeat or commit: its run
// stops without committing, and whatever it did since its last commit is
// redone by the new owner. A test can provoke each crash point with
// [Hooks].
//
// A run also never starts an effect (a step attempt, a durable.Go future,
// a side effect, a child's start) on a lease it cannot prove it still
// holds. It measures the lease from when the claim or the last successful
// heartbeat was sent, not from when the answer came (the store measures
// it from when it served the call, which is later); before each effect it
// checks that at least a third of the lease is left, and otherwise renews
// it with a heartbeat first, stopping fenced if that fails. So a worker
// that was stopped (SIGSTOP, a long pause) while a claim or a commit was
// in flight, and gets the answer after another worker took the instance
// over, stops instead of running a step the other worker already ran.
package runtime
