package golangci

import (
	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/durablegen/durable/analyzer"
)

// init registers the plugin under the name used in .golangci.yml: a
// golangci-lint module plugin can only be found by registering itself
// when its package is linked in.
func init() {
	register.Plugin("durablevet", New)
}

// New returns the durablevet plugin. It takes no settings.
func New(settings any) (register.LinterPlugin, error) {
	return plugin{}, nil
}

type plugin struct{}

// BuildAnalyzers returns the durablevet analyzer.
func (plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	return []*analysis.Analyzer{analyzer.Analyzer}, nil
}

// GetLoadMode asks for type information: the analyzer needs it, and its
// facts about dependencies.
func (plugin) GetLoadMode() string { return register.LoadModeTypesInfo }
