package golangci

import (
	"testing"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/durablegen/durable/analyzer"
)

// TestPlugin checks that the registered plugin builds the durablevet
// analyzer and that the analyzer reports the seed's bugs when run the
// way golangci-lint runs it: from the plugin, on type-checked packages.
func TestPlugin(t *testing.T) {
	newPlugin, err := register.GetPlugin("durablevet")
	if err != nil {
		t.Fatalf("GetPlugin(durablevet) = %v", err)
	}
	p, err := newPlugin(nil)
	if err != nil {
		t.Fatalf("New(nil) = %v", err)
	}
	if got := p.GetLoadMode(); got != register.LoadModeTypesInfo {
		t.Errorf("GetLoadMode() = %q, want %q", got, register.LoadModeTypesInfo)
	}
	as, err := p.BuildAnalyzers()
	if err != nil || len(as) != 1 || as[0] != analyzer.Analyzer {
		t.Fatalf("BuildAnalyzers() = %v, %v; want [durablevet], nil", as, err)
	}
	analysistest.Run(t, analysistest.TestData(), as[0], "seed")
}
