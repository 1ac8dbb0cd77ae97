package fuzzgen

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/durablegen/durable/codegen"
)

// rejection is a construct durablegen must reject. Its lines that end in
// "// want" are where a finding is expected; every finding in the
// workflow must be on one of them.
type rejection struct {
	name    string
	feature string // a feature that must be on to test it, or ""
	want    string // a word of the expected message
	code    func(g *gen) []string
}

var rejections = []rejection{
	{"defer", "", "defer", func(g *gen) []string { return []string{"defer func() {}() // want"} }},
	{"go", "", "go statement", func(g *gen) []string { return []string{"go func() {}() // want"} }},
	{"goto", "", "goto", func(g *gen) []string {
		g.names++
		return []string{fmt.Sprintf("goto G%d // want", g.names), fmt.Sprintf("G%d:\nTouch(ctx, 0)", g.names)}
	}},
	{"select", "", "select", func(g *gen) []string { return []string{"select { // want\ndefault:\n}"} }},
	{"channel", "", "channel", func(g *gen) []string {
		g.names++
		ch := fmt.Sprintf("ch%d", g.names)
		return []string{fmt.Sprintf("%s := make(chan int, 1) // want", ch), fmt.Sprintf("%s <- 1 // want", ch), fmt.Sprintf("_ = <-%s // want", ch)}
	}},
	{"recover", "", "recover", func(g *gen) []string { return []string{"_ = recover() // want"} }},
	{"closure", "", "function literal", func(g *gen) []string {
		// A literal that makes a checkpoint is compiled when it is only
		// called; copied to another variable, it is refused.
		g.names++
		return []string{fmt.Sprintf("f%d := func() int { return Inc(ctx, 1) } // want", g.names), fmt.Sprintf("g%d := f%d", g.names, g.names), fmt.Sprintf("_ = g%d()", g.names)}
	}},
	{"address", "", "keeps", func(g *gen) []string {
		// A pointer kept inside a slice: the frame keeps pointers held by
		// pointer variables only.
		g.names++
		x, p := fmt.Sprintf("ax%d", g.names), fmt.Sprintf("px%d", g.names)
		return []string{fmt.Sprintf("%s := 1", x), fmt.Sprintf("%s := []*int{&%s} // want", p, x), "Touch(ctx, 1)", fmt.Sprintf("%s = 2", x), fmt.Sprintf("_ = *%s[0]", p)}
	}},
	{"rangefunc", "", "iterator", func(g *gen) []string {
		g.names++
		return []string{fmt.Sprintf("for k%d := range maps.Keys(in.M) { // want\nTouch(ctx, len(k%d))\n}", g.names, g.names)}
	}},
	{"ctxstored", "", "context cannot be stored", func(g *gen) []string {
		g.names++
		return []string{fmt.Sprintf("hold%d := struct{ c durable.Context }{ctx} // want", g.names), fmt.Sprintf("_ = hold%d", g.names)}
	}},
	{"signalname", "", "constant", func(g *gen) []string {
		g.names++
		return []string{fmt.Sprintf("nm%d := in.S", g.names), fmt.Sprintf("_, _ = durable.Await[int](ctx, nm%d) // want", g.names)}
	}},
	{"sharing", "", "keeps", func(g *gen) []string {
		// A slice kept as a map's value: the frame keeps the sharing of
		// slices held by variables and their fields only.
		g.names++
		x, y := fmt.Sprintf("sx%d", g.names), fmt.Sprintf("sy%d", g.names)
		return []string{fmt.Sprintf("%s := []int{1, 2}", x), fmt.Sprintf("%s := map[string][]int{\"a\": %s} // want", y, x), "Touch(ctx, 3)", fmt.Sprintf("%s[0] = 5", x), fmt.Sprintf("_ = %s", y)}
	}},
	{"funcvalue", "", "cannot be rebuilt", func(g *gen) []string {
		// A method value of a value that is not stored: nothing to
		// rebuild it from after a resume.
		g.names++
		return []string{fmt.Sprintf("fn%d := strings.NewReplacer(\"a\", \"b\").Replace // want", g.names), "Touch(ctx, 2)", fmt.Sprintf("_ = fn%d(\"a\")", g.names)}
	}},
}

// TestRejections injects each construct that durablegen rejects into
// random valid workflows (one per workflow, at a random statement) and
// checks that the generator reports it, at its line, and nothing else:
// a rejected construct must never be compiled into a machine.
func TestRejections(t *testing.T) {
	// The rich features may be refused on their own lines: they stay out.
	feat, err := newFeatures("", strings.Join(richFeatures, ","))
	if err != nil {
		t.Fatal(err)
	}
	const perKind = 3
	root := moduleRoot(t)
	dir := runRoot(root, "reject")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var wfs []*workflow
	kinds := map[string]rejection{}
	for k, rej := range rejections {
		if rej.feature != "" && !feat.enabled(rej.feature) {
			t.Logf("not injecting %s: feature %s is off for bug %s; enable it with -fuzzgen.enable=%s", rej.name, rej.feature, knownBugs[rej.feature], rej.feature)
			continue
		}
		for j := range perKind {
			wf := generateWith(uint64(1000+j), k*perKind+j, feat, rej.code)
			wfs = append(wfs, wf)
			kinds[wf.file] = rej
		}
	}
	if err := writePackage(dir, "reject", 0, wfs); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "x_test.go"))
	pkgs, err := codegen.Load(root, "./"+filepath.ToSlash(mustRel(t, root, dir)))
	if err != nil {
		t.Fatalf("the workflows with injected constructs do not type-check: %v", err)
	}
	_, err = codegen.Generate(pkgs)
	var cerr *codegen.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("codegen.Generate() error = %v, want findings", err)
	}
	found := map[string][]codegen.Diagnostic{}
	for _, d := range cerr.Diagnostics {
		found[filepath.Base(d.Pos.Filename)] = append(found[filepath.Base(d.Pos.Filename)], d)
	}
	for _, wf := range wfs {
		rej := kinds[wf.file]
		t.Run(rej.name+"/"+wf.name, func(t *testing.T) {
			wantLines := markedLines(string(wf.src))
			ds := found[wf.file]
			hit := false
			for _, d := range ds {
				if !slices.Contains(wantLines, d.Pos.Line) {
					t.Errorf("finding at line %d not on an injected line %v: %s\n%s", d.Pos.Line, wantLines, d, numbered(string(wf.src)))
					continue
				}
				if strings.Contains(d.Message, rej.want) {
					hit = true
				}
			}
			if !hit {
				t.Errorf("codegen.Generate() findings for %s = %v, want one mentioning %q on line %v\n%s", wf.file, ds, rej.want, wantLines, numbered(string(wf.src)))
			}
		})
	}
}

// markedLines returns the numbers of the lines of src that end in
// "// want".
func markedLines(src string) []int {
	var out []int
	for i, l := range strings.Split(src, "\n") {
		if strings.HasSuffix(strings.TrimSpace(l), "// want") {
			out = append(out, i+1)
		}
	}
	return out
}
