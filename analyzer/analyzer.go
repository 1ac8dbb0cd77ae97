package analyzer

import (
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
)

// Analyzer reports code in durable workflows that behaves differently when
// a workflow resumes than on its first run. See the package documentation
// for the rules.
var Analyzer = &analysis.Analyzer{
	Name: "durablevet",
	Doc: "report workflow code that behaves differently on resume\n\n" +
		"durablevet checks the bodies of //durable:workflow functions, the helpers " +
		"that make checkpoints they call, and every non-step function they call, " +
		"for wall-clock time, randomness, environment " +
		"reads, I/O, goroutines, channels, locks, map iteration order, global state " +
		"and locals that cannot be saved at a checkpoint. Each finding carries a rule " +
		"ID (DG001...) as its category; //durable:ignore DGxxx reason silences one.",
	URL:       "https://pkg.go.dev/github.com/durablegen/durable/analyzer",
	Run:       run,
	Requires:  []*analysis.Analyzer{inspect.Analyzer},
	FactTypes: []analysis.Fact{new(nondetFact), new(stepFact), new(workflowFact), new(writtenFact)},
}

func run(pass *analysis.Pass) (any, error) {
	c := newChecker(pass)
	if c == nil {
		return nil, nil
	}
	c.index()
	c.findCheckpointLits()
	c.findHelpers()
	c.findCheckpointLits() // those whose checkpoints are calls of helpers
	c.collectWrites()
	c.computeFacts()
	c.checkWorkflows()
	c.ignores.reportProblems(pass)
	return nil, nil
}
