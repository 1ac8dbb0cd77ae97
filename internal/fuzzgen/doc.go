// Package fuzzgen tests the workflow compiler differentially: its tests
// generate random, well-typed, terminating workflows from a grammar of the
// constructs durablegen supports, compile them with the generator, build
// them, and run each one directly and through its machine under the crash
// matrix of [github.com/durablegen/durable/durabletest]. Any difference in
// result, error or effects is a compiler bug.
//
// # Running
//
//	go test ./internal/fuzzgen                          # the fixed seeds (500 workflows)
//	go test ./internal/fuzzgen -fuzzgen.n=5000          # more workflows
//	go test ./internal/fuzzgen -fuzzgen.seed=7 -fuzzgen.keep   # one seed, keep its files
//	go test ./internal/fuzzgen -run=^$ -fuzz=FuzzDifferential  # random seeds until stopped
//
// A failure prints the seed, the workflow's source and the command that
// reproduces it. Generated packages are written under testdata/run-<seed>-<pid>
// (inside the module, so their imports resolve) and removed afterwards
// unless -fuzzgen.keep is set.
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
