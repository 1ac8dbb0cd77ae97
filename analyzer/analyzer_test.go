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
	for _, pkg := range []string{
		"clock",
	} {
		t.Run(pkg, func(t *testing.T) {
			analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), analyzer.Analyzer, pkg)
		})
	}
}
