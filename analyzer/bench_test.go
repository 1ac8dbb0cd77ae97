package analyzer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/durablegen/durable/analyzer"
)

// BenchmarkRepository times the analyzer on ./... of this repository,
// including the facts it computes for every dependency (the standard
// library and third-party modules), as durablevet ./... does. Loading and
// type-checking are not timed.
func BenchmarkRepository(b *testing.B) {
	pkgs := load(b, &packages.Config{Dir: ".."}, "./...")
	benchmarkAnalyze(b, pkgs)
}

// BenchmarkWorkflows200 times the analyzer on one package of 200
// workflows, each with steps, durable timers, helpers and map loops.
func BenchmarkWorkflows200(b *testing.B) {
	gopath := b.TempDir()
	dir := filepath.Join(gopath, "src", "many")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 200; i += 20 {
		var src strings.Builder
		src.WriteString("package many\n\nimport (\n\t\"context\"\n\t\"maps\"\n\t\"slices\"\n\t\"strings\"\n\t\"time\"\n\n\t\"github.com/durablegen/durable\"\n)\n")
		for j := i; j < i+20; j++ {
			fmt.Fprintf(&src, workflowTemplate, j)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("wf%03d.go", i)), []byte(src.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	stubs, err := filepath.Abs("testdata")
	if err != nil {
		b.Fatal(err)
	}
	cfg := &packages.Config{
		Dir: dir,
		Env: append(os.Environ(), "GOPATH="+gopath+string(filepath.ListSeparator)+stubs, "GO111MODULE=off", "GOWORK=off", "GOFLAGS="),
	}
	benchmarkAnalyze(b, load(b, cfg, "."))
}

const workflowTemplate = `
type In%[1]d struct {
	Items map[string]int
	Wait  time.Duration
}

//durable:step retries=3
func Step%[1]d(ctx context.Context, key string, n int) (int, error) { return n, nil }

func helper%[1]d(s []string) string { return strings.Join(s, ",") }

//durable:workflow
func Workflow%[1]d(ctx durable.Context, in In%[1]d) (string, error) {
	total := 0
	for _, k := range slices.Sorted(maps.Keys(in.Items)) {
		n, err := Step%[1]d(ctx, k, in.Items[k])
		if err != nil {
			return "", err
		}
		total += n
	}
	if err := durable.Sleep(ctx, in.Wait); err != nil {
		return "", err
	}
	keys := make([]string, 0, len(in.Items))
	for k := range in.Items {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	at := durable.Now(ctx)
	return helper%[1]d(keys) + at.String(), nil
}
`

func load(b *testing.B, cfg *packages.Config, patterns ...string) []*packages.Package {
	b.Helper()
	cfg.Mode = packages.LoadAllSyntax
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		b.Fatal(err)
	}
	if n := packages.PrintErrors(pkgs); n > 0 {
		b.Fatalf("%d errors loading %s", n, patterns)
	}
	return pkgs
}

func benchmarkAnalyze(b *testing.B, pkgs []*packages.Package) {
	b.Helper()
	n := 0
	packages.Visit(pkgs, nil, func(*packages.Package) { n++ })
	b.ResetTimer()
	for b.Loop() {
		graph, err := checker.Analyze([]*analysis.Analyzer{analyzer.Analyzer}, pkgs, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, act := range graph.Roots {
			if act.Err != nil {
				b.Fatal(act.Err)
			}
		}
	}
	b.ReportMetric(float64(n), "packages")
}
