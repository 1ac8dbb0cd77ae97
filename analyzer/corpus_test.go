package analyzer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/durablegen/durable/analyzer"
)

// TestCorpus runs the analyzer on a labeled corpus of small workflows,
// testdata/corpus/src/<category>/{pos,neg}, and reports precision and
// recall per category. A positive labels each offending line with
// "// finding: DGxxx" (once per expected diagnostic); a negative has no
// label, so any diagnostic in it is a false positive.
func TestCorpus(t *testing.T) {
	corpus, err := filepath.Abs(filepath.Join("testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	stubs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &packages.Config{
		Mode: packages.LoadAllSyntax,
		Dir:  filepath.Join(corpus, "src"),
		Env:  append(os.Environ(), "GOPATH="+corpus+string(filepath.ListSeparator)+stubs, "GO111MODULE=off", "GOWORK=off", "GOFLAGS="),
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		t.Fatal(err)
	}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			t.Errorf("loading %s: %v", p.PkgPath, e)
		}
	})
	graph, err := checker.Analyze([]*analysis.Analyzer{analyzer.Analyzer}, pkgs, nil)
	if err != nil {
		t.Fatal(err)
	}

	want := make(map[string][]string) // category -> "file:line: DGxxx"
	got := make(map[string][]string)
	workflows := 0
	for _, act := range graph.Roots {
		if act.Err != nil {
			t.Fatalf("analyzing %s: %v", act.Package.PkgPath, act.Err)
		}
		category, _, _ := strings.Cut(act.Package.PkgPath, "/")
		for _, d := range act.Diagnostics {
			pos := act.Package.Fset.Position(d.Pos)
			got[category] = append(got[category], label(corpus, pos.Filename, pos.Line, d.Category))
		}
		for _, name := range act.Package.CompiledGoFiles {
			labels, n := readLabels(t, corpus, name)
			want[category] = append(want[category], labels...)
			workflows += n
		}
	}
	if workflows < 40 {
		t.Errorf("corpus has %d workflows, want at least 40", workflows)
	}

	var allTP, allFP, allFN int
	for _, category := range slices.Sorted(mapKeys(want, got)) {
		tp, fp, fn := score(want[category], got[category])
		allTP, allFP, allFN = allTP+tp, allFP+fp, allFN+fn
		t.Logf("%-10s precision %s recall %s (tp %d, fp %d, fn %d)", category, ratio(tp, tp+fp), ratio(tp, tp+fn), tp, fp, fn)
		for _, d := range missing(got[category], want[category]) {
			t.Errorf("false positive: %s", d)
		}
		for _, d := range missing(want[category], got[category]) {
			t.Errorf("false negative: %s", d)
		}
	}
	t.Logf("%-10s precision %s recall %s over %d workflows", "all", ratio(allTP, allTP+allFP), ratio(allTP, allTP+allFN), workflows)
}

var labelRE = regexp.MustCompile(`// finding: ((?:DG\d{3} ?)+)$`)

// readLabels returns the expected findings of a corpus file and its
// number of workflows.
func readLabels(t *testing.T, corpus, name string) ([]string, int) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	workflows := 0
	for i, line := range strings.Split(string(data), "\n") {
		if line == "//durable:workflow" {
			workflows++
		}
		if m := labelRE.FindStringSubmatch(line); m != nil {
			for _, id := range strings.Fields(m[1]) {
				labels = append(labels, label(corpus, name, i+1, id))
			}
		}
	}
	return labels, workflows
}

func label(corpus, file string, line int, rule string) string {
	rel, err := filepath.Rel(filepath.Join(corpus, "src"), file)
	if err != nil {
		rel = file
	}
	return fmt.Sprintf("%s:%d: %s", filepath.ToSlash(rel), line, rule)
}

// score counts true positives, false positives and false negatives,
// matching findings as multisets.
func score(want, got []string) (tp, fp, fn int) {
	fn = len(missing(want, got))
	fp = len(missing(got, want))
	return len(got) - fp, fp, fn
}

// missing returns the elements of a not matched by one of b.
func missing(a, b []string) []string {
	left := make(map[string]int)
	for _, x := range b {
		left[x]++
	}
	var out []string
	for _, x := range a {
		if left[x] > 0 {
			left[x]--
			continue
		}
		out = append(out, x)
	}
	return out
}

func ratio(n, d int) string {
	if d == 0 {
		return "   n/a"
	}
	return fmt.Sprintf("%5.1f%%", 100*float64(n)/float64(d))
}

func mapKeys(ms ...map[string][]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		seen := make(map[string]bool)
		for _, m := range ms {
			for k := range m {
				if !seen[k] && !yield(k) {
					return
				}
				seen[k] = true
			}
		}
	}
}
