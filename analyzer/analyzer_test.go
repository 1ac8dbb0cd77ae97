package analyzer_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
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
		"pricing",
		"rates",
		"helpers",
	}
	// One run loads the standard library once for every fixture; its
	// failures name the fixture file.
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), analyzer.Analyzer, pkgs...)
}

// TestRelated checks that a finding inherited from a helper carries the
// call chain, one related position per function, down to the source.
func TestRelated(t *testing.T) {
	tests := []struct {
		at   string // "file:line" of the workflow's call under testdata/src
		want []string
	}{
		{"pricing.go:68", []string{"25: pricing.currentRate reads package variable pricing.rate"}},
		{"pricing.go:69", []string{
			"27: pricing.feeRate calls pricing.currentRate",
			"25: pricing.currentRate reads package variable pricing.rate",
		}},
		{"pricing.go:70", []string{"57: pricing.Book.rate reads package variable pricing.rate"}},
		{"pricing.go:71", []string{"37: pricing.rateOf reads package variable pricing.rate"}},
		{"pricing.go:72", []string{"25: pricing.currentRate reads package variable pricing.rate"}},
		{"pricing.go:73", []string{
			"35: pricing.viaValue calls pricing.currentRate",
			"25: pricing.currentRate reads package variable pricing.rate",
		}},
		{"findings.go:28", []string{"19: helpers.now calls time.Now"}},
		{"globals.go:59", []string{
			"51: globals.Shop.record calls Shop.note on its receiver",
			"50: globals.Shop.note writes s.byID[id]",
		}},
	}
	results := analysistest.Run(t, analysistest.TestData(), analyzer.Analyzer, "pricing", "globals", "helpers")
	related := make(map[string][]string) // "file:line" of a diagnostic -> "line: message"
	for _, r := range results {
		for _, d := range r.Diagnostics {
			pos := r.Pass.Fset.Position(d.Pos)
			at := fmt.Sprintf("%s:%d", filepath.Base(pos.Filename), pos.Line)
			for _, rel := range d.Related {
				related[at] = append(related[at], fmt.Sprintf("%d: %s", r.Pass.Fset.Position(rel.Pos).Line, rel.Message))
			}
		}
	}
	for _, tt := range tests {
		if got := related[tt.at]; !slices.Equal(got, tt.want) {
			t.Errorf("Related of the finding at %s = \n\t%s\nwant\n\t%s", tt.at, strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
		}
	}
}
