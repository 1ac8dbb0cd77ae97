package fuzzgen

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/durablegen/durable/codegen"
	"golang.org/x/tools/go/packages"
)

var (
	flagMode    = flag.String("fuzzgen.mode", "grow", "grow: TestDifferential generates workflows from the grammar; mutate: it mutates -fuzzgen.n known-good workflows instead")
	flagMutants = flag.Int("fuzzgen.mutants", 12, "number of mutants TestMutations runs")
)

// mutSource is a package of known-good workflows and the test calls that
// check each one.
type mutSource struct {
	name     string              // names its mutant packages
	files    map[string][]byte   // its source files, without tests and generated files
	tests    map[string][]string // workflow → statements that test it (t in scope)
	preamble []string            // statements the tests need first
	imports  []string            // import specs the tests may need
}

// mutant is one mutated workflow.
type mutant struct {
	src       *mutSource
	copy      int    // which copy of its source package
	dir, rel  string // the package's directory and pattern
	pkg       string // its package name
	file      string // the file that declares the workflow
	fn        string // the workflow function
	text      string // the mutated function
	mutations []string
	tries     int    // mutations drawn so far (one that does not type-check is drawn again)
	remutate  func() // draws new mutations
	active    bool   // still in its package (not reverted)
	inFile    bool   // in the files as last written
	outcome   string // "", "illtyped", "refused", or the failed stage
	output    string
}

// TestMutations runs -fuzzgen.mutants mutants of the known-good
// workflows (see mutate_test.go) under the crash matrix.
func TestMutations(t *testing.T) {
	n := *flagMutants
	if testing.Short() {
		n = min(n, 6)
	}
	runMutationsTest(t, n)
}

// runMutationsTest runs n mutants and reports those that failed.
func runMutationsTest(t *testing.T, n int) {
	t.Helper()
	muts := runMutations(t, *flagSeed, n, *flagKeep)
	count := map[string]int{}
	for _, m := range muts {
		count[m.outcome]++
		if m.outcome == "illtyped" || m.outcome == "refused" || m.outcome == "" {
			if m.outcome == "refused" && testing.Verbose() {
				t.Logf("mutant %s of %s (%s) refused: %s", m.fn, m.src.name, strings.Join(m.mutations, ","), m.output)
			}
			continue
		}
		t.Errorf("mutant of %s.%s (mutations %s) failed at %s:\n%s\nmutated workflow:\n%s\nreproduce: go test ./internal/fuzzgen -run TestMutations -fuzzgen.seed=%d -fuzzgen.mutants=%d -fuzzgen.keep",
			m.src.name, m.fn, strings.Join(m.mutations, ","), m.outcome, strings.TrimSpace(m.output), numbered(m.text), *flagSeed, n)
	}
	t.Logf("fuzzgen: %d mutants: %d ran under the crash matrix, %d refused with a position, %d did not type-check (dropped), %d failed",
		len(muts), count[""], count["refused"], count["illtyped"], len(muts)-count[""]-count["refused"]-count["illtyped"])
}

// mutSources returns the known-good workflows: internal/equiv, Transfer
// and the fixed bug fixtures.
func mutSources(t *testing.T, root string) []*mutSource {
	t.Helper()
	var out []*mutSource
	equiv := &mutSource{name: "equiv", tests: map[string][]string{}}
	equiv.files = readSources(t, filepath.Join(root, "internal", "equiv"))
	equiv.preamble, equiv.imports = equivTests(t, filepath.Join(root, "internal", "equiv", "equiv_test.go"), equiv.tests)
	out = append(out, equiv)
	transfer := &mutSource{name: "transfer", files: readSources(t, filepath.Join(root, "examples", "transfer", "payments")),
		imports: []string{`"os"`, `"path/filepath"`, `"time"`, `"github.com/durablegen/durable/durabletest"`}}
	transfer.tests = map[string][]string{"Transfer": {`bank := Bank{Path: filepath.Join(t.TempDir(), "bank.db")}
reset := durabletest.WithReset(func() {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(bank.Path + suffix)
	}
})
for _, amount := range []int64{250_00, 15_000_00} {
	in := TransferRequest{From: "alice", To: "bob", Amount: amount, PollEvery: 30 * time.Minute, Bank: bank}
	durabletest.Run(t, TransferWorkflow, in, reset, durabletest.WithSignal("approval", Approval{Approved: true, By: "carol"}))
}`}}
	out = append(out, transfer)
	for _, f := range loadFixtures(t) {
		if f.open || f.expect != "pass" || !strings.Contains(f.src, "\n// Test: ") {
			continue
		}
		s := &mutSource{name: f.pkg, files: map[string][]byte{"bug.go": []byte(f.src)}, tests: map[string][]string{},
			imports: []string{`"github.com/durablegen/durable/durabletest"`}}
		fns, err := workflowFuncs([]byte(f.src))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(f.src, "\n") {
			if call, ok := strings.CutPrefix(line, "// Test: "); ok {
				for fn := range fns {
					if strings.Contains(call, fn+"Workflow") {
						s.tests[fn] = append(s.tests[fn], call)
					}
				}
			}
		}
		out = append(out, s)
	}
	return out
}

// readSources returns the non-test, non-generated Go files of dir.
func readSources(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") || strings.HasSuffix(p, codegen.OutputPath("x.go")[1:]) {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// equivTests reads the cases of TestEquivalence: the statements before
// them, the test file's imports, and each workflow's durabletest.Run
// calls.
func equivTests(t *testing.T, path string, tests map[string][]string) ([]string, []string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	text := func(n ast.Node) string {
		return string(src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
	}
	var imports []string
	for _, im := range f.Imports {
		imports = append(imports, text(im))
	}
	fn := findFunc(f, "TestEquivalence")
	if fn == nil {
		t.Fatalf("%s: no TestEquivalence", path)
	}
	var preamble []string
	for _, s := range fn.Body.List {
		if a, ok := s.(*ast.AssignStmt); ok && len(a.Lhs) == 1 && exprName(a.Lhs[0]) == "cases" {
			// Each case is {"name", func(t *testing.T) durabletest.Report {
			// ...; return durabletest.Run(t, XWorkflow, ...) }}: its body,
			// the return made a statement, tests X.
			ast.Inspect(a.Rhs[0], func(n ast.Node) bool {
				lit, ok := n.(*ast.FuncLit)
				if !ok {
					return true
				}
				var stmts []string
				wf := ""
				for _, st := range lit.Body.List {
					ret, ok := st.(*ast.ReturnStmt)
					if !ok {
						stmts = append(stmts, text(st))
						continue
					}
					if c, ok := ret.Results[0].(*ast.CallExpr); ok && exprName(c.Fun) == "durabletest.Run" && len(c.Args) >= 2 {
						if id, ok := c.Args[1].(*ast.Ident); ok {
							wf = strings.TrimSuffix(id.Name, "Workflow")
						}
					}
					stmts = append(stmts, text(ret.Results[0]))
				}
				if wf != "" {
					tests[wf] = append(tests[wf], "{\n"+strings.Join(stmts, "\n")+"\n}")
				}
				return false
			})
			break
		}
		preamble = append(preamble, text(s))
		if a, ok := s.(*ast.AssignStmt); ok && a.Tok == token.DEFINE {
			for _, l := range a.Lhs {
				preamble = append(preamble, "_ = "+exprName(l))
			}
		}
	}
	return preamble, imports
}

// exprName returns the source of a simple expression (an identifier or a
// selector).
func exprName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprName(e.X) + "." + e.Sel.Name
	}
	return ""
}

// runMutations mutates n workflows picked at random from the sources,
// compiles, builds and tests them, and returns every mutant with its
// outcome.
func runMutations(t *testing.T, seed uint64, n int, keep bool) []*mutant {
	t.Helper()
	root := moduleRoot(t)
	removeStaleRuns(root)
	srcs := mutSources(t, root)
	var pairs []struct {
		s  *mutSource
		fn string
	}
	for _, s := range srcs {
		for _, fn := range slices.Sorted(keysOf(s.tests)) {
			pairs = append(pairs, struct {
				s  *mutSource
				fn string
			}{s, fn})
		}
	}
	r := rand.New(rand.NewPCG(seed, 0x6d7574))
	runDir := runRoot(root, fmt.Sprintf("mut-%d", seed))
	if err := os.RemoveAll(runDir); err != nil {
		t.Fatal(err)
	}
	if !keep {
		t.Cleanup(func() { os.RemoveAll(runDir) })
	} else {
		t.Logf("keeping the mutants in %s", runDir)
	}
	var muts []*mutant
	copies := map[string]int{} // source/fn → copies used
	for range n {
		p := pairs[r.IntN(len(pairs))]
		key := p.s.name + "/" + p.fn
		c := copies[key]
		copies[key]++
		m := &mutant{src: p.s, copy: c, fn: p.fn, active: true}
		m.dir = filepath.Join(runDir, fmt.Sprintf("%s%d", p.s.name, c))
		m.rel = "./" + filepath.ToSlash(mustRel(t, root, m.dir))
		for name, src := range p.s.files {
			fns, err := workflowFuncs(src)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := fns[p.fn]; ok {
				m.file = name
				src, fn := src, p.fn
				m.remutate = func() {
					m.tries++
					text, applied, err := mutate(r, src, fn, 1+r.IntN(3))
					if err != nil {
						t.Fatalf("mutate %s.%s: %v", m.src.name, fn, err)
					}
					m.text, m.mutations = text, applied
				}
				m.remutate()
			}
		}
		if m.file == "" {
			t.Fatalf("source %s has tests for %s but no such workflow", p.s.name, p.fn)
		}
		muts = append(muts, m)
	}
	byDir := map[string][]*mutant{}
	for _, m := range muts {
		byDir[m.dir] = append(byDir[m.dir], m)
	}
	write := func() {
		for dir, ms := range byDir {
			writeMutants(t, dir, ms)
		}
	}
	write()
	for round := 0; ; round++ {
		if round == 12 {
			t.Fatalf("fuzzgen: mutants still failing to compile after %d rounds", round)
		}
		var rels []string
		for dir, ms := range byDir {
			if slices.ContainsFunc(ms, func(m *mutant) bool { return m.active }) {
				rels = append(rels, ms[0].rel)
			}
			_ = dir
		}
		slices.Sort(rels)
		if len(rels) == 0 {
			return muts
		}
		if changed := compileMutants(t, root, rels, muts); changed {
			write()
			continue
		}
		testMutants(t, root, rels, muts)
		return muts
	}
}

func keysOf[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// writeMutants writes the package of dir: its source's files with the
// active mutants spliced in, and a test of each active mutant.
func writeMutants(t *testing.T, dir string, ms []*mutant) {
	t.Helper()
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := ms[0].src
	pkg := ""
	for name, content := range src.files {
		repl := map[string]string{}
		for _, m := range ms {
			if m.active && m.file == name {
				repl[m.fn] = m.text
			}
		}
		ranges, err := workflowFuncs(content)
		if err != nil {
			t.Fatal(err)
		}
		if pkg == "" {
			f, err := parser.ParseFile(token.NewFileSet(), name, content, parser.PackageClauseOnly)
			if err != nil {
				t.Fatal(err)
			}
			pkg = f.Name.Name
		}
		if err := os.WriteFile(filepath.Join(dir, name), splice(content, ranges, repl), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var body strings.Builder
	for _, s := range src.preamble {
		body.WriteString("\t" + s + "\n")
	}
	for _, m := range ms {
		m.pkg = pkg
		m.inFile = m.active
		if !m.active {
			continue
		}
		fmt.Fprintf(&body, "\tt.Run(%q, func(t *testing.T) {\n", m.fn)
		for _, s := range src.tests[m.fn] {
			body.WriteString("\t\t" + s + "\n")
		}
		body.WriteString("\t})\n")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\nimport (\n\t\"testing\"\n", pkg)
	for _, im := range src.imports {
		path := strings.Trim(im[strings.LastIndex(im, " ")+1:], `"`)
		name := path[strings.LastIndex(path, "/")+1:]
		if fields := strings.Fields(im); len(fields) == 2 {
			name = fields[0]
		}
		if strings.Contains(body.String(), name+".") && path != "testing" {
			b.WriteString("\t" + im + "\n")
		}
	}
	b.WriteString(")\n\nfunc TestMutants(t *testing.T) {\n" + body.String() + "}\n")
	if err := os.WriteFile(filepath.Join(dir, "mutants_test.go"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// posRE matches a file:line:col position in compiler output.
var posRE = regexp.MustCompile(`([^\s:]+\.go):(\d+)(?::(\d+))?`)

// owner returns the active mutant whose workflow holds the position file:line.
func owner(t *testing.T, muts []*mutant, file string, line int) *mutant {
	t.Helper()
	for _, m := range muts {
		if !m.inFile || !strings.HasSuffix(filepath.ToSlash(file), strings.TrimPrefix(m.rel, "./")+"/"+m.file) {
			continue
		}
		src, err := os.ReadFile(filepath.Join(m.dir, m.file))
		if err != nil {
			t.Fatal(err)
		}
		ranges, err := workflowFuncs(src)
		if err != nil {
			t.Fatal(err)
		}
		rg := ranges[m.fn]
		from := lineCount(src[:rg[0]]) + 1
		to := lineCount(src[:rg[1]]) + 1
		if line >= from && line <= to {
			return m
		}
	}
	return nil
}

// lineCount returns the number of newlines in b.
func lineCount(b []byte) int { return strings.Count(string(b), "\n") }

// settle marks m with outcome and takes it out of its package.
func settle(m *mutant, outcome, output string) {
	m.active, m.outcome, m.output = false, outcome, output
}

// compileMutants type-checks, generates and builds the packages; it
// settles the mutants that fail and reports whether any did (then the
// packages must be written again).
func compileMutants(t *testing.T, root string, rels []string, muts []*mutant) bool {
	t.Helper()
	loaded, err := codegen.Load(root, rels...)
	if err != nil {
		return settleByPos(t, muts, err.Error(), "illtyped", true)
	}
	files, err := safeGenerate(loaded)
	var perr *generatorPanic
	if errors.As(err, &perr) {
		for _, lp := range loaded {
			if _, err := safeGenerate([]*packages.Package{lp}); errors.As(err, &perr) {
				for _, m := range muts {
					if m.active && strings.HasSuffix(lp.PkgPath, strings.TrimPrefix(m.rel, ".")) {
						settle(m, "generate (panic)", perr.Error())
					}
				}
			}
		}
		return true
	}
	var cerr *codegen.Error
	if errors.As(err, &cerr) {
		for _, d := range cerr.Diagnostics {
			m := owner(t, muts, d.Pos.Filename, d.Pos.Line)
			if m == nil {
				t.Fatalf("fuzzgen: durablegen refuses a workflow that was not mutated: %s", d)
			}
			outcome := "refused"
			if d.Pos.Column <= 0 {
				outcome = "generate (no column)"
			}
			if m.active {
				settle(m, outcome, d.String())
			} else if m.outcome == "refused" && outcome != "refused" {
				m.outcome = outcome
			}
		}
		return true
	}
	if err != nil {
		t.Fatalf("durablegen: %v", err)
	}
	for _, f := range files {
		if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := goCmd(root, nil, append([]string{"build"}, rels...)...); err != nil {
		return settleByPos(t, muts, out, "build", false)
	}
	return false
}

// settleByPos settles the mutants whose workflows the positions in out
// point into; a position outside every mutant fails the test, unless
// lenient (a type error in a generated file, stale before generation).
func settleByPos(t *testing.T, muts []*mutant, out, outcome string, lenient bool) bool {
	t.Helper()
	found := false
	retried := map[*mutant]bool{}
	for _, mm := range posRE.FindAllStringSubmatch(out, -1) {
		line, _ := strconv.Atoi(mm[2])
		if m := owner(t, muts, mm[1], line); m != nil {
			switch {
			case m.active && outcome == "illtyped" && m.tries < 3 && !retried[m]:
				m.remutate() // another draw may type-check
				retried[m] = true
			case m.active && !retried[m]:
				settle(m, outcome, linesAbout(out, filepath.Base(mm[1])))
			}
			found = true
		}
	}
	if !found {
		// A generated file that fails to build (its positions are its own,
		// not the workflow's): every active mutant of its package fails.
		for _, mm := range posRE.FindAllStringSubmatch(out, -1) {
			for _, m := range muts {
				if m.active && strings.Contains(filepath.ToSlash(mm[1]), strings.TrimPrefix(m.rel, "./")+"/") {
					settle(m, outcome, out)
					found = true
				}
			}
		}
	}
	if !found {
		t.Fatalf("fuzzgen: %s of the mutants failed and names none:\n%s", outcome, out)
	}
	_ = lenient
	return true
}

// testMutants runs the packages' tests and settles the mutants whose
// tests fail.
func testMutants(t *testing.T, root string, rels []string, muts []*mutant) {
	t.Helper()
	tmp, err := fastTempDir()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	out, runErr := goCmd(root, []string{"TMPDIR=" + tmp}, append([]string{"test", "-json", "-count=1", "-vet=off", "-timeout=20m"}, rels...)...)
	outputs := map[string]*strings.Builder{}
	failed := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var ev testEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		key := ev.Package + "/" + ev.Test
		if outputs[key] == nil {
			outputs[key] = &strings.Builder{}
		}
		outputs[key].WriteString(ev.Output)
		if ev.Action == "fail" {
			failed[key] = true
		}
	}
	anyFailed := false
	for _, m := range muts {
		if !m.active {
			continue
		}
		key := "github.com/durablegen/durable/" + strings.TrimPrefix(m.rel, "./") + "/TestMutants/" + m.fn
		if failed[key] {
			settle(m, "test", outputs[key].String())
			anyFailed = true
		}
	}
	if runErr != nil && !anyFailed {
		t.Fatalf("fuzzgen: go test of the mutants failed and no mutant did: %v\n%s", runErr, out)
	}
}
