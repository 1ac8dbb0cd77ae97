package analyzer_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/durablegen/durable/analyzer"
)

// TestAnalyzer runs the analyzer on each fixture package under
// testdata/src and checks its diagnostics (// want comments), its facts
// and, where a .golden file exists, its suggested fixes.
func TestAnalyzer(t *testing.T) {
	pkgs := []string{
		"clock",
		"random",
		"env",
		"ioops",
		"concurrency",
		"maporder",
		"globals",
		"state",
		"signature",
		"misuse",
		"identity",
		"ignore",
		"transitive",
		"negative",
	}
	// One run loads the standard library once for every fixture; its
	// failures name the fixture file.
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), analyzer.Analyzer, pkgs...)
}
