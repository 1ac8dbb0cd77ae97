package fuzzgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/durablegen/durable/codegen"
	"golang.org/x/tools/go/packages"
)

// config says what a differential run generates.
type config struct {
	seeds []uint64 // one package per seed
	per   int      // workflows per package
	only  []string // keep only these workflows (names), if set
	feat  features
	label string // names the run's directory: testdata/run-<label>
	keep  bool
}

// pkgRun is one generated package.
type pkgRun struct {
	seed uint64
	name string // p<seed>
	dir  string
	rel  string // its pattern relative to the module root
	wfs  []*workflow
}

// failure is a workflow that did not pass.
type failure struct {
	pkg    *pkgRun
	wf     *workflow
	stage  string // load, generate, vet, test
	output string
}

// totals are what the packages' tests report.
type totals struct{ workflows, checkpoints, crashRuns int }

// runDifferential generates, compiles, builds and runs the workflows of
// cfg and returns what failed.
func runDifferential(t *testing.T, cfg config) (totals, []failure) {
	t.Helper()
	root := moduleRoot(t)
	removeStaleRuns(root)
	runDir := runRoot(root, cfg.label)
	if err := os.RemoveAll(runDir); err != nil {
		t.Fatal(err)
	}
	if !cfg.keep {
		t.Cleanup(func() { os.RemoveAll(runDir) })
	} else {
		t.Logf("keeping the generated packages in %s", runDir)
	}
	var pkgs []*pkgRun
	for _, seed := range cfg.seeds {
		p := &pkgRun{seed: seed, name: fmt.Sprintf("p%d", seed), dir: filepath.Join(runDir, fmt.Sprintf("p%d", seed))}
		p.rel = "./" + filepath.ToSlash(mustRel(t, root, p.dir))
		for i := range cfg.per {
			wf := generate(seed, i, cfg.feat)
			if len(cfg.only) == 0 || slices.Contains(cfg.only, wf.name) {
				p.wfs = append(p.wfs, wf)
			}
		}
		if err := writePackage(p.dir, p.name, p.seed, p.wfs); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	start := time.Now()
	var fails []failure
	for attempt := 0; ; attempt++ {
		stageFails, err := compileStage(root, pkgs)
		if err != nil {
			t.Fatalf("fuzzgen: %v", err)
		}
		fails = append(fails, stageFails...)
		if len(stageFails) == 0 {
			break
		}
		if attempt == 10 {
			var last []string
			for _, f := range stageFails {
				last = append(last, f.stage+": "+f.output)
			}
			t.Fatalf("fuzzgen: still failing to compile after %d rounds; the last round:\n%s", attempt, strings.Join(last, "\n"))
		}
		dropAll(t, stageFails)
	}
	compiled := time.Now()
	tot, testFails, err := testStage(root, pkgs)
	if err != nil {
		t.Fatalf("fuzzgen: %v", err)
	}
	t.Logf("fuzzgen: generate, durablegen and vet took %v; go test took %v", compiled.Sub(start).Round(time.Millisecond), time.Since(compiled).Round(time.Millisecond))
	return tot, append(fails, testFails...)
}

// compileStage runs durablegen and go vet on the packages and returns the
// workflows that failed.
func compileStage(root string, pkgs []*pkgRun) ([]failure, error) {
	var rels []string
	for _, p := range pkgs {
		if len(p.wfs) > 0 {
			rels = append(rels, p.rel)
		}
	}
	if len(rels) == 0 {
		return nil, nil
	}
	loaded, err := codegen.Load(root, rels...)
	if err != nil {
		return attribute(pkgs, "load", err.Error())
	}
	files, err := safeGenerate(loaded)
	var perr *generatorPanic
	if errors.As(err, &perr) {
		// Find the packages that make it panic; all their workflows fail.
		var fails []failure
		for _, lp := range loaded {
			if _, err := safeGenerate([]*packages.Package{lp}); errors.As(err, &perr) {
				bad := panickingFiles(lp)
				for _, p := range pkgs {
					if pkgPath(p) == lp.PkgPath {
						for _, wf := range p.wfs {
							if len(bad) == 0 || bad[wf.file] != nil {
								out := perr
								if bad[wf.file] != nil {
									out = bad[wf.file]
								}
								fails = append(fails, failure{pkg: p, wf: wf, stage: "generate", output: out.Error()})
							}
						}
					}
				}
			}
		}
		if len(fails) == 0 {
			return nil, err
		}
		return fails, nil
	}
	var cerr *codegen.Error
	if errors.As(err, &cerr) {
		var fails []failure
		unplaced := map[*workflow]bool{} // a finding without its position in the workflow, or the generator's own error
		for _, d := range cerr.Diagnostics {
			fs, aerr := attribute(pkgs, "generate", d.String())
			if aerr != nil {
				return nil, aerr
			}
			for _, f := range fs {
				if filepath.Base(d.Pos.Filename) != f.wf.file || d.Pos.Line <= 0 || d.Pos.Column <= 0 || strings.HasPrefix(d.Message, "internal error") {
					unplaced[f.wf] = true
				}
			}
			fails = append(fails, fs...)
		}
		fails = dedupe(fails)
		for i, f := range fails {
			if !unplaced[f.wf] {
				fails[i].stage = "refused"
			}
		}
		return fails, nil
	}
	if err != nil {
		return nil, fmt.Errorf("durablegen: %w", err)
	}
	for _, f := range files {
		if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
			return nil, err
		}
	}
	out, err := goCmd(root, nil, append([]string{"vet"}, rels...)...)
	if err != nil {
		return attribute(pkgs, "vet", out)
	}
	return nil, nil
}

// generatorPanic is a panic of the generator, turned into an error.
type generatorPanic struct{ value, stack string }

func (p *generatorPanic) Error() string {
	return fmt.Sprintf("durablegen panicked: %s\n%s", p.value, p.stack)
}

// safeGenerate is codegen.Generate, with a panic returned as a
// *generatorPanic.
func safeGenerate(pkgs []*packages.Package) (files []codegen.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &generatorPanic{value: fmt.Sprint(r), stack: string(debug.Stack())}
		}
	}()
	return codegen.Generate(pkgs)
}

// panickingFiles returns the workflow files of lp that make the
// generator panic when it compiles them alone with the package's other
// files, and each one's panic.
func panickingFiles(lp *packages.Package) map[string]*generatorPanic {
	var base, wfs []*ast.File
	for _, f := range lp.Syntax {
		if wfFile.MatchString(filepath.ToSlash(lp.Fset.Position(f.Pos()).Filename)) {
			wfs = append(wfs, f)
		} else {
			base = append(base, f)
		}
	}
	bad := map[string]*generatorPanic{}
	for _, f := range wfs {
		one := *lp
		one.Syntax = append(slices.Clip(base), f)
		var perr *generatorPanic
		if _, err := safeGenerate([]*packages.Package{&one}); errors.As(err, &perr) {
			bad[filepath.Base(lp.Fset.Position(f.Pos()).Filename)] = perr
		}
	}
	return bad
}

// usesRich reports whether wf uses a rich feature, one the generator may
// refuse: a refusal that names its position is not a failure.
func usesRich(wf *workflow) bool {
	for _, f := range richFeatures {
		if wf.features[f] {
			return true
		}
	}
	return false
}

// pkgFile matches a generated package's own file in compiler output.
var pkgFile = regexp.MustCompile(`p(\d+)[/\\](collide|steps|rich|helpers)(?:_durable)?\.go`)

// wfFile matches a generated workflow's file in compiler output.
var wfFile = regexp.MustCompile(`p(\d+)[/\\](wf\d{3})(_durable)?\.go`)

// attribute returns a failure for every workflow that output names, or an
// error if it names none.
func attribute(pkgs []*pkgRun, stage, output string) ([]failure, error) {
	var fails []failure
	for _, m := range pkgFile.FindAllStringSubmatch(output, -1) {
		// A package's own file (collide.go, steps.go) does not build with
		// the generated files: every workflow of the package fails.
		for _, p := range pkgs {
			if p.name == "p"+m[1] {
				for _, wf := range p.wfs {
					fails = append(fails, failure{pkg: p, wf: wf, stage: stage, output: linesAbout(output, m[2])})
				}
			}
		}
	}
	for _, m := range wfFile.FindAllStringSubmatch(output, -1) {
		for _, p := range pkgs {
			if p.name != "p"+m[1] {
				continue
			}
			for _, wf := range p.wfs {
				if wf.file == m[2]+".go" {
					fails = append(fails, failure{pkg: p, wf: wf, stage: stage, output: linesAbout(output, m[2])})
				}
			}
		}
	}
	if len(fails) == 0 {
		return nil, fmt.Errorf("%s failed and names no generated workflow:\n%s", stage, output)
	}
	return dedupe(fails), nil
}

// linesAbout returns the lines of output that mention file (all of it if
// none does).
func linesAbout(output, file string) string {
	var out []string
	for _, l := range strings.Split(output, "\n") {
		if strings.Contains(l, file) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return output
	}
	return strings.Join(out, "\n")
}

func dedupe(fails []failure) []failure {
	seen := map[*workflow]int{}
	var out []failure
	for _, f := range fails {
		if i, ok := seen[f.wf]; ok {
			if !strings.Contains(out[i].output, f.output) {
				out[i].output += "\n" + f.output
			}
			continue
		}
		seen[f.wf] = len(out)
		out = append(out, f)
	}
	return out
}

// dropAll removes failed workflows from their packages so that the
// others still run.
func dropAll(t *testing.T, fails []failure) {
	t.Helper()
	for _, f := range fails {
		p := f.pkg
		p.wfs = slices.DeleteFunc(p.wfs, func(w *workflow) bool { return w == f.wf })
		for _, name := range []string{f.wf.file, codegen.OutputPath(f.wf.file)} {
			if err := os.Remove(filepath.Join(p.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}
		test := testSource(p.name, p.wfs)
		if len(p.wfs) > 0 && p.wfs[0].collide {
			test = aliasImports(test)
		}
		if err := os.WriteFile(filepath.Join(p.dir, "x_test.go"), []byte(test), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// testEvent is a line of `go test -json`.
type testEvent struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// totalsRE matches the line each package's test logs.
var totalsRE = regexp.MustCompile(`fuzzgen totals: (\d+) workflows, (\d+) checkpoints, (\d+) crash runs`)

// testStage runs the packages' tests (each workflow under the crash
// matrix) and returns the totals and the workflows that failed.
func testStage(root string, pkgs []*pkgRun) (totals, []failure, error) {
	var tot totals
	tmp, err := fastTempDir()
	if err != nil {
		return tot, nil, err
	}
	defer os.RemoveAll(tmp)
	args := []string{"test", "-json", "-count=1", "-timeout=30m"}
	for _, p := range pkgs {
		if len(p.wfs) > 0 {
			args = append(args, p.rel)
		}
	}
	out, runErr := goCmd(root, []string{"TMPDIR=" + tmp}, args...)
	outputs := map[string]*strings.Builder{} // package/test → output
	failed := map[string]bool{}
	var other strings.Builder
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var ev testEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			other.WriteString(sc.Text() + "\n")
			continue
		}
		key := ev.Package + "/" + ev.Test
		if outputs[key] == nil {
			outputs[key] = &strings.Builder{}
		}
		outputs[key].WriteString(ev.Output)
		if m := totalsRE.FindStringSubmatch(ev.Output); m != nil {
			n, _ := strconv.Atoi(m[1])
			c, _ := strconv.Atoi(m[2])
			r, _ := strconv.Atoi(m[3])
			tot.workflows += n
			tot.checkpoints += c
			tot.crashRuns += r
		}
		if ev.Action == "fail" {
			failed[key] = true
		}
	}
	var fails []failure
	for _, p := range pkgs {
		for _, wf := range p.wfs {
			key := pkgPath(p) + "/TestFuzz/" + wf.name
			if failed[key] {
				fails = append(fails, failure{pkg: p, wf: wf, stage: "test", output: outputs[key].String()})
			}
		}
	}
	if runErr != nil && len(fails) == 0 {
		var all strings.Builder
		for _, k := range slices.Sorted(maps.Keys(outputs)) {
			all.WriteString(outputs[k].String())
		}
		return tot, nil, fmt.Errorf("go test failed and no workflow did: %v\n%s%s", runErr, other.String(), all.String())
	}
	return tot, fails, nil
}

// pkgPath returns the import path of p.
func pkgPath(p *pkgRun) string {
	return "github.com/durablegen/durable/" + strings.TrimPrefix(p.rel, "./")
}

// goCmd runs the go command in dir and returns its combined output.
func goCmd(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	return buf.String(), err
}

// fastTempDir returns a new temporary directory for the stores of the
// crash runs, in memory when /dev/shm exists: the runs open thousands of
// small SQLite files, and fsync on a disk dominates their time.
func fastTempDir() (string, error) {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "fuzzgen-"); err == nil {
			return dir, nil
		}
	}
	return os.MkdirTemp("", "fuzzgen-")
}

// runRoot returns the directory for the generated packages of a run:
// testdata/run-<label>-<pid>, inside the module so that their imports
// resolve, and unique to this process so that concurrent runs (go test
// -fuzz workers, two people) do not collide.
func runRoot(root, label string) string { return runDirOf(root, label, os.Getpid()) }

// runDirOf returns the run directory of process pid.
func runDirOf(root, label string, pid int) string {
	return filepath.Join(root, "internal", "fuzzgen", "testdata", fmt.Sprintf("run-%s-%d", label, pid))
}

// removeStaleRuns removes the directories of runs that were killed before
// their cleanup, a day or more ago.
func removeStaleRuns(root string) {
	dirs, _ := filepath.Glob(filepath.Join(root, "internal", "fuzzgen", "testdata", "run-*"))
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && time.Since(st.ModTime()) > 24*time.Hour {
			os.RemoveAll(d)
		}
	}
}

// moduleRoot returns the directory of the module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("fuzzgen: no go.mod above the test directory")
		}
		dir = parent
	}
}

func mustRel(t *testing.T, base, target string) string {
	t.Helper()
	rel, err := filepath.Rel(base, target)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// describe returns a failure's report: what failed, the workflow's source
// and how to reproduce it.
func describe(f failure, cfg config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "workflow %s of seed %d (package %s) failed at %s:\n%s\n", f.wf.name, f.pkg.seed, f.pkg.name, f.stage, strings.TrimSpace(f.output))
	fmt.Fprintf(&b, "input: %s\nfeatures: %s\nsource:\n%s", f.wf.input, strings.Join(slices.Sorted(maps.Keys(f.wf.features)), " "), numbered(strings.Replace(string(f.wf.src), pkgNamePlaceholder, f.pkg.name, 1)))
	flags := fmt.Sprintf("-fuzzgen.seed=%d -fuzzgen.n=%d -fuzzgen.per=%d -fuzzgen.only=%s -fuzzgen.keep", f.pkg.seed, cfg.per, cfg.per, f.wf.name)
	if off := cfg.feat.String(); off != "" {
		flags += " -fuzzgen.disable=" + off
	}
	fmt.Fprintf(&b, "reproduce: go test ./internal/fuzzgen -run TestDifferential %s\n", flags)
	return b.String()
}
