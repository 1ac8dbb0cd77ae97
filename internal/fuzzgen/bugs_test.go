package fuzzgen

import (
	"errors"
	"flag"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/durablegen/durable/codegen"
)

var flagBugs = flag.Bool("fuzzgen.bugs", false, "compile and run every known-bug fixture, and fail for one that no longer fails")

// TestBugFixtures checks that every feature turned off for a known bug has
// its fixture: a Go file that parses, declares a workflow and names the
// feature. With -fuzzgen.bugs it also compiles and runs each fixture and
// fails when one passes, so that knownBugs does not outlive its bugs.
func TestBugFixtures(t *testing.T) {
	for _, feature := range slices.Sorted(maps.Keys(knownBugs)) {
		file := knownBugs[feature]
		t.Run(feature, func(t *testing.T) {
			if !slices.Contains(allFeatures, feature) {
				t.Fatalf("knownBugs names feature %q, which the grammar does not have", feature)
			}
			src, err := os.ReadFile(filepath.Join("testdata", "bugs", file))
			if err != nil {
				t.Fatalf("fixture of feature %s: %v", feature, err)
			}
			if _, err := parser.ParseFile(token.NewFileSet(), file, src, parser.ParseComments); err != nil {
				t.Fatalf("fixture %s does not parse: %v", file, err)
			}
			for _, want := range []string{"feature " + feature, "//durable:workflow"} {
				if !strings.Contains(string(src), want) {
					t.Errorf("fixture %s does not contain %q", file, want)
				}
			}
			if !*flagBugs {
				return
			}
			stage, out := runFixture(t, feature, src)
			if stage == "" {
				t.Errorf("fixture %s passes: the bug looks fixed; remove %q from knownBugs and move the fixture to a regression test", file, feature)
				return
			}
			t.Logf("fixture %s still fails at %s:\n%s", file, stage, out)
		})
	}
}

// runFixture writes a fixture into its own package, compiles, vets and
// (if its "// Test:" line gives a call) runs it, and returns the stage
// that failed ("" if none) and its output.
func runFixture(t *testing.T, name string, src []byte) (string, string) {
	t.Helper()
	root := moduleRoot(t)
	dir := filepath.Join(root, "internal", "fuzzgen", "testdata", "run-bugs", name)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(dir)) })
	code := strings.Replace(string(src), "package bug", "package "+name, 1)
	files := map[string]string{"bug.go": code}
	for _, line := range strings.Split(code, "\n") {
		if call, ok := strings.CutPrefix(line, "// Test: "); ok {
			files["bug_test.go"] = "package " + name + "\n\nimport (\n\t\"testing\"\n\n\t\"github.com/durablegen/durable/durabletest\"\n)\n\nfunc TestBug(t *testing.T) {\n\t" + call + "\n}\n"
		}
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rel := "./" + filepath.ToSlash(mustRel(t, root, dir))
	pkgs, err := codegen.Load(root, rel)
	if err != nil {
		return "load", err.Error()
	}
	gen, err := codegen.Generate(pkgs)
	var cerr *codegen.Error
	if errors.As(err, &cerr) {
		return "generate", err.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range gen {
		if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := goCmd(root, nil, "vet", rel); err != nil {
		return "vet", out
	}
	if _, ok := files["bug_test.go"]; ok {
		if out, err := goCmd(root, nil, "test", "-count=1", rel); err != nil {
			return "test", out
		}
	}
	return "", ""
}
