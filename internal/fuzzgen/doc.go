// Package fuzzgen tests the workflow compiler differentially: its tests
// generate random, well-typed, terminating workflows from a grammar of the
// constructs durablegen supports, compile them with the generator, build
// them, and run each one directly and through its machine under the crash
// matrix of [github.com/durablegen/durable/durabletest]. Any difference in
// result, error or effects is a compiler bug.
//
// # Running
//
//	go test ./internal/fuzzgen                          # the fixed seeds (200 workflows, 12 mutants)
//	go test ./internal/fuzzgen -fuzzgen.n=5000          # more workflows
//	go test ./internal/fuzzgen -fuzzgen.seed=7 -fuzzgen.keep   # one seed, keep its files
//	go test ./internal/fuzzgen -run=^$ -fuzz=FuzzDifferential  # random seeds until stopped
//	go test ./internal/fuzzgen -run TestDifferential -fuzzgen.mode=mutate -fuzzgen.n=200  # mutants
//
// A failure prints the seed, the workflow's source and the command that
// reproduces it. Generated packages are written under testdata/run-<seed>-<pid>
// (inside the module, so their imports resolve) and removed afterwards
// unless -fuzzgen.keep is set.
//
// # Rich features
//
// Half of the workflows also use the rich features (gen_rich_test.go):
// pointers to locals, elements and fields written through around
// checkpoints; copies of values that hold slices, then written; ranges
// over a struct's slice field that write other elements; closures,
// pointers and durable.Go steps capturing per-iteration loop variables;
// values the frame codec must keep exactly (times in named locations,
// tagged and embedded structs, NaN, ±Inf and -0, strings that are not
// UTF-8, named string types, int-keyed maps); sentinel and typed errors
// compared after checkpoints; a generic step; step arguments with effects
// for a step whose retry suspends, and arguments that may panic; and, in
// one package in four, package-level names (runtime, durable, context,
// fmt, f, x) that generated code must not capture.
//
// They also call the helpers of the package (helpers.go, written once per
// package with constants from its seed, gen_helpers_test.go): functions
// taking the durable.Context first that make checkpoints in loops and
// ifs, return early, have no result, one, (T, error), several or named
// ones, call each other up to four frames deep, keep shared memory and
// closures in their own frames; one writes through the caller's slice and
// pointer, others return a view of the caller's slice, its pointer or its
// map, which the caller writes through after its checkpoints; one rich
// workflow in four is a method of *Meter and calls the helper methods
// (value and pointer receivers) on its receiver. Closures live across
// checkpoints (gen_kept_test.go): a literal writing a captured local
// called before and after steps, a func variable switched between a
// literal, a package-level function and nil, literals per iteration of a
// loop of steps, an error-wrapping closure used after a step, closures
// writing a slice, a map, a local or the input that another name also
// reaches. Memory is shared across checkpoints: a slice of the
// input written and appended to in a loop of steps, a sub-slice appended
// to within its capacity, a map under two names, a struct copy sharing
// its slice; and the results of steps with several results (DivMod,
// Bounds, Quota retried after a suspension) are kept, swapped and
// reassigned in loops. Each snippet folds what it computes into chk.
//
// durablegen may refuse any of these: a refusal with a position in the
// workflow is counted and logged by kind, not failed (a finding in the
// package's own files fails every workflow of the package). What it
// accepts must build, vet and agree with the direct call under every
// crash. The features are named in features_test.go and gen_rich_test.go;
// -fuzzgen.disable=helpers,keptclosure turns some off.
//
// # Mutation mode
//
// TestMutations (and TestDifferential with -fuzzgen.mode=mutate) takes the
// known-good workflows of internal/equiv, examples/transfer and the fixed
// fixtures, applies one to three random edits to one workflow per copy
// of its package (insert a checkpoint, wrap a statement in an if or a
// for, take a pointer to or a copy of a local, capture a loop variable,
// move a declaration, duplicate a step call; mutate_test.go), and runs
// the result under the crash matrix with the workflow's own test calls.
// A mutant that does not type-check is drawn again, then dropped.
//
// # Bugs
//
// Every bug the fuzzer found is kept under testdata/bugs as a minimal
// workflow with a note and an "// Expect:" line; TestBugFixtures compiles
// and runs them all, so a fixed bug stays fixed. While a bug is open, the
// grammar feature that triggers it is turned off by default (knownBugs in
// the tests) so the fixed seeds stay green; -fuzzgen.enable=name turns it
// back on. TestRejections injects constructs durablegen must reject into
// random workflows and checks each is reported at its line, not compiled.
package fuzzgen
