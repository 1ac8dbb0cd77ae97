package fuzzgen

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/durablegen/durable/codegen"
	"golang.org/x/tools/go/packages"
)

// fixture is a bug found by the fuzzer, kept under testdata/bugs.
type fixture struct {
	file    string // base name
	pkg     string // package it runs as
	src     string
	feature string // the grammar feature that found it
	expect  string // "pass" or "rejected: <words of the finding>"
	open    bool   // knownBugs names it for its feature: it must still fail
	rel     string // package pattern relative to the module root
}

var (
	expectRE  = regexp.MustCompile(`(?m)^// Expect: (pass|rejected: .+)$`)
	featureRE = regexp.MustCompile(`\(feature (\w+)`)
)

// loadFixtures reads testdata/bugs.
func loadFixtures(t *testing.T) []*fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "bugs", "*.go.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures under testdata/bugs: %v", err)
	}
	var out []*fixture
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := &fixture{file: filepath.Base(p), src: string(src)}
		f.pkg = "bug" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r
			}
			return -1
		}, strings.TrimSuffix(f.file, ".go.txt"))
		if _, err := parser.ParseFile(token.NewFileSet(), f.file, src, parser.ParseComments); err != nil {
			t.Errorf("fixture %s does not parse: %v", f.file, err)
			continue
		}
		m := expectRE.FindStringSubmatch(f.src)
		if m == nil {
			t.Errorf("fixture %s has no line \"// Expect: pass\" or \"// Expect: rejected: <message words>\"", f.file)
			continue
		}
		f.expect = m[1]
		if m := featureRE.FindStringSubmatch(f.src); m != nil {
			f.feature = m[1]
			f.open = knownBugs[f.feature] == f.file
		}
		out = append(out, f)
	}
	for feature, file := range knownBugs {
		if _, err := os.Stat(filepath.Join("testdata", "bugs", file)); err != nil {
			t.Errorf("knownBugs[%q] = %s: %v", feature, file, err)
		}
	}
	return out
}

// TestBugFixtures compiles and runs every bug the fuzzer found: a fixed
// bug must stay fixed (its workflow compiles and passes the crash matrix,
// or is rejected with the expected finding), and a bug whose feature is in
// knownBugs must still fail, so that knownBugs does not outlive its bugs.
func TestBugFixtures(t *testing.T) {
	fixtures := loadFixtures(t)
	root := moduleRoot(t)
	dir := runRoot(root, "bugs")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var rels []string
	for _, f := range fixtures {
		writeFixture(t, root, dir, f)
		rels = append(rels, f.rel)
	}
	got := runFixtures(t, root, fixtures, rels)
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			outcome := got[f]
			switch {
			case f.open && outcome.ok(f.expect):
				t.Errorf("fixture %s: %s, so the bug looks fixed; remove %q from knownBugs", f.file, outcome, f.feature)
			case !f.open && !outcome.ok(f.expect):
				t.Errorf("fixture %s: %s, want %s (a fixed bug is back)", f.file, outcome, f.expect)
			case f.open:
				t.Logf("fixture %s (open): %s", f.file, outcome)
			}
		})
	}
}

// outcome is what became of a fixture.
type outcome struct {
	stage  string // "" if it compiled and its test passed
	output string
}

func (o outcome) String() string {
	if o.stage == "" {
		return "it compiles and passes"
	}
	return fmt.Sprintf("it fails at %s:\n%s", o.stage, o.output)
}

// ok reports whether o is what expect describes.
func (o outcome) ok(expect string) bool {
	if expect == "pass" {
		return o.stage == ""
	}
	words := strings.TrimPrefix(expect, "rejected: ")
	return o.stage == "generate" && strings.Contains(o.output, words)
}

// writeFixture writes f into its own package under dir, with a test from
// its "// Test:" line.
func writeFixture(t *testing.T, root, dir string, f *fixture) {
	t.Helper()
	pdir := filepath.Join(dir, f.pkg)
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		t.Fatal(err)
	}
	code := strings.Replace(f.src, "package bug", "package "+f.pkg, 1)
	files := map[string]string{"bug.go": code}
	for _, line := range strings.Split(code, "\n") {
		if call, ok := strings.CutPrefix(line, "// Test: "); ok {
			files["bug_test.go"] = "package " + f.pkg + "\n\nimport (\n\t\"testing\"\n\n\t\"github.com/durablegen/durable/durabletest\"\n)\n\nfunc TestBug(t *testing.T) {\n\t" + call + "\n}\n"
		}
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(pdir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f.rel = "./" + filepath.ToSlash(mustRel(t, root, pdir))
}

// runFixtures generates, vets and tests the fixtures' packages, with as
// few go commands as possible, and returns each one's outcome.
func runFixtures(t *testing.T, root string, fixtures []*fixture, rels []string) map[*fixture]outcome {
	t.Helper()
	got := map[*fixture]outcome{}
	byDir := func(path string) *fixture {
		for _, f := range fixtures {
			if strings.Contains(filepath.ToSlash(path), "/"+f.pkg+"/") {
				return f
			}
		}
		return nil
	}
	// Generate: findings stop generation for every package, so the
	// rejected fixtures are recorded and left out of a second round.
	for round := 0; len(rels) > 0; round++ {
		pkgs, err := codegen.Load(root, rels...)
		if err != nil {
			t.Fatalf("fixtures do not type-check: %v", err)
		}
		files, err := safeGenerate(pkgs)
		var perr *generatorPanic
		if errors.As(err, &perr) && round < 3 {
			// Record the fixtures that make the generator panic and
			// generate the others.
			for _, p := range pkgs {
				if _, err := safeGenerate([]*packages.Package{p}); errors.As(err, &perr) {
					for _, f := range fixtures {
						if strings.HasSuffix(p.PkgPath, "/"+f.pkg) {
							got[f] = outcome{stage: "generate", output: perr.Error()}
						}
					}
				}
			}
			rels = rels[:0]
			for _, f := range fixtures {
				if got[f].stage == "" {
					rels = append(rels, f.rel)
				}
			}
			continue
		}
		var cerr *codegen.Error
		if errors.As(err, &cerr) && round < 3 {
			for _, d := range cerr.Diagnostics {
				if f := byDir(d.Pos.Filename); f != nil {
					o := got[f]
					o.stage, o.output = "generate", strings.TrimSpace(o.output+"\n"+d.String())
					got[f] = o
				}
			}
			rels = rels[:0]
			for _, f := range fixtures {
				if got[f].stage == "" {
					rels = append(rels, f.rel)
				}
			}
			continue
		}
		if err != nil {
			t.Fatalf("codegen.Generate: %v", err)
		}
		for _, f := range files {
			if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		break
	}
	if len(rels) == 0 {
		return got
	}
	if out, err := goCmd(root, nil, append([]string{"vet"}, rels...)...); err != nil {
		attributeOutput(got, fixtures, "vet", out)
	}
	var tests []string
	for _, f := range fixtures {
		if got[f].stage == "" && strings.Contains(f.src, "\n// Test: ") {
			tests = append(tests, f.rel)
		}
	}
	if len(tests) > 0 {
		if out, err := goCmd(root, nil, append([]string{"test", "-count=1"}, tests...)...); err != nil {
			attributeOutput(got, fixtures, "test", out)
		}
	}
	return got
}

// attributeOutput records a failure of stage for every fixture whose
// package the output of go vet or go test reports as failed.
func attributeOutput(got map[*fixture]outcome, fixtures []*fixture, stage, out string) {
	for _, f := range fixtures {
		if got[f].stage != "" {
			continue
		}
		failed := regexp.MustCompile(`(?m)^FAIL\s+\S*/` + f.pkg + `(\s|$)`).MatchString(out)
		if stage == "vet" {
			failed = strings.Contains(out, "/"+f.pkg+"/") || strings.Contains(out, "/"+f.pkg+"\n")
		}
		if failed {
			got[f] = outcome{stage: stage, output: packageSection(out, f.pkg)}
		}
	}
}

// packageSection returns the lines of go test output that belong to
// package pkg: those after the previous package's result line up to its
// own (all of out if there is none).
func packageSection(out, pkg string) string {
	end := regexp.MustCompile(`^(ok|FAIL|---)?\s*\S*/` + pkg + `(\s|$)`)
	var sect []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "ok  \t") || strings.HasPrefix(l, "FAIL\t") {
			if end.MatchString(l) {
				return strings.Join(append(sect, l), "\n")
			}
			sect = sect[:0]
			continue
		}
		sect = append(sect, l)
	}
	return out
}
