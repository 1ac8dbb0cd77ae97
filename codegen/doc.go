// Package codegen compiles //durable:workflow functions into resumable
// state machines.
//
// # Pipeline
//
// [Generate] loads packages with go/packages (types and syntax), finds
// workflows and steps by their directives, checks that every workflow uses
// only constructs the compiler can lower (collecting every finding as
// file:line:col: message), computes with go/cfg which local variables are
// live across a checkpoint, lowers the statements that contain a checkpoint
// into a flat `for { switch f.pc { ... } }` machine (everything else is
// kept verbatim), and emits <file>_durable.go next to the source with
// jennifer, gofmt'ed and byte-identical on re-run.
//
// # Checkpoints
//
// A checkpoint is a call of a //durable:step function or method, or of
// durable.Do, durable.Sleep, durable.SleepUntil, durable.Now,
// durable.SideEffect or durable.Await. Each becomes its own machine state:
// the effect runs, its result is stored in the frame and the runtime
// commits the frame before the machine continues.
//
// # Frame
//
// Every local declared at the level of a lowered statement becomes a field
// of the frame struct; only those live across some checkpoint (plus
// compiler temporaries) are serialized, by generated code that needs no
// reflection over the frame. Live variables must have types the codec can
// round-trip.
//
// # Errors
//
// The package-level error variables a workflow compares errors with and
// the error types it asserts them to (also in the package's functions it
// passes them to) are registered on its descriptor (WithErrors,
// WithErrorTypes), so that errors restored from a checkpoint keep their
// identity; a test on an error whose outcome would still depend on
// whether a crash happened is refused at the comparison.
//
// # Versioning
//
// Each workflow's [Layout] (its checkpoints and serialized fields) is
// reported with the generated [File]; its fingerprint is the version the
// descriptor registers, so instances only resume on code with their
// layout. The directive's version=N and name=Name options let a package
// keep an old copy of a workflow under its stored name; [Lock] is the
// durable.lock file in which the command records the layout of every
// version and refuses a layout that changed under a recorded one.
package codegen
