package codegen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/names"
)

// Load loads the packages matched by patterns (as `go build` would, from
// dir) with what the generator needs: their syntax and types from source,
// their dependencies' types from export data (see [load]). What durablegen
// generated earlier is read for its declarations only, so that stale
// output never stops regeneration; references to descriptors not (or no
// longer) generated are then the only type errors tolerated.
func Load(dir string, patterns ...string) ([]*packages.Package, error) {
	pkgs, errs, err := load(dir, patterns)
	if err != nil {
		return nil, err
	}
	var msgs []string
	for _, e := range errs {
		if !onlyDescriptorErrors(e.Msg) {
			msgs = append(msgs, e.Error())
		}
	}
	if len(msgs) > 0 {
		return nil, fmt.Errorf("packages do not compile; fix these first:\n%s", strings.Join(msgs, "\n"))
	}
	return pkgs, nil
}

// onlyDescriptorErrors reports whether msg (one type error, or the
// compiler output go list reports for a package) only complains about
// descriptors being regenerated.
func onlyDescriptorErrors(msg string) bool {
	n := 0
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !descriptorRE.MatchString(line) {
			return false
		}
		n++
	}
	return n > 0
}

// descriptorRE matches the type error of a reference to a descriptor
// whose generated file is being regenerated.
var descriptorRE = regexp.MustCompile(`(^|: )undefined: (\w+\.)?\w+Workflow$|has no field or method \w+Workflow`)

// IsGenerated reports whether the file at path was written by durablegen.
func IsGenerated(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, line := range strings.SplitN(string(data), "\n", 5) {
		if line == names.GeneratedHead {
			return true
		}
	}
	return false
}

// stepDecl is a //durable:step function or method.
type stepDecl struct {
	obj    *types.Func
	policy durable.Policy
}

// directives finds //durable:step directives of functions in any package,
// parsing the source file of a function declared outside the packages
// being compiled (its position comes from export data).
type directives struct {
	fset   *token.FileSet
	steps  map[*types.Func]*stepDecl
	parsed map[string]map[int]string // file → line of func keyword → directive text
	diags  *diagnostics
}

func newDirectives(fset *token.FileSet, diags *diagnostics) *directives {
	return &directives{fset: fset, steps: map[*types.Func]*stepDecl{}, parsed: map[string]map[int]string{}, diags: diags}
}

// directive returns the text after name in doc ("" and false if absent).
func directive(doc *ast.CommentGroup, name string) (string, token.Pos, bool) {
	if doc == nil {
		return "", token.NoPos, false
	}
	for _, c := range doc.List {
		if c.Text == name || strings.HasPrefix(c.Text, name+" ") {
			return strings.TrimSpace(strings.TrimPrefix(c.Text, name)), c.Pos(), true
		}
	}
	return "", token.NoPos, false
}

// addPackage records the steps declared in the syntax of pkg.
func (d *directives) addPackage(pkg *packages.Package) {
	for _, f := range pkg.Syntax {
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			opts, pos, ok := directive(fd.Doc, names.StepDirective)
			if !ok {
				continue
			}
			obj, _ := pkg.TypesInfo.Defs[fd.Name].(*types.Func)
			if obj == nil {
				continue
			}
			p, err := durable.ParsePolicy(opts)
			if err != nil {
				d.diags.add(d.fset, pos, "%v", err)
			}
			d.steps[obj] = &stepDecl{obj: obj, policy: p}
		}
	}
}

// step returns the step declaration of fn, or nil if fn is not a step.
func (d *directives) step(fn *types.Func) *stepDecl {
	if fn == nil {
		return nil
	}
	fn = fn.Origin()
	if s, ok := d.steps[fn]; ok {
		return s
	}
	// Declared in a package loaded from export data: read its source file.
	var s *stepDecl
	if pos := d.fset.Position(fn.Pos()); pos.IsValid() && strings.HasSuffix(pos.Filename, ".go") {
		if text, ok := d.fileDirectives(pos.Filename)[pos.Line]; ok && !strings.HasPrefix(text, workflowMark) {
			p, err := durable.ParsePolicy(text)
			if err != nil {
				p = durable.Policy{}
			}
			s = &stepDecl{obj: fn, policy: p}
		}
	}
	d.steps[fn] = s
	return s
}

// isWorkflow reports whether fn, declared in a package loaded from export
// data, is marked //durable:workflow in its source.
func (d *directives) isWorkflow(fn *types.Func) bool {
	pos := d.fset.Position(fn.Origin().Pos())
	if !pos.IsValid() || !strings.HasSuffix(pos.Filename, ".go") {
		return false
	}
	text, ok := d.fileDirectives(pos.Filename)[pos.Line]
	return ok && strings.HasPrefix(text, workflowMark)
}

// workflowMark starts the entry of a //durable:workflow function in the
// map of fileDirectives (step options never start with it).
const workflowMark = "\x00workflow"

// fileDirectives parses filename and maps the line of each function name
// to its //durable:step options, or to workflowMark for a
// //durable:workflow function.
func (d *directives) fileDirectives(filename string) map[int]string {
	if m, ok := d.parsed[filename]; ok {
		return m
	}
	m := map[int]string{}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, nil, parser.ParseComments|parser.SkipObjectResolution)
	if err == nil {
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok {
				if text, _, ok := directive(fd.Doc, names.StepDirective); ok {
					m[fset.Position(fd.Name.Pos()).Line] = text
				} else if _, _, ok := directive(fd.Doc, names.WorkflowDirective); ok {
					m[fset.Position(fd.Name.Pos()).Line] = workflowMark
				}
			}
		}
	}
	d.parsed[filename] = m
	return m
}

// Diagnostic is a finding at a source position.
type Diagnostic struct {
	Pos     token.Position
	Message string
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", d.Pos.Filename, d.Pos.Line, d.Pos.Column, d.Message)
}

type diagnostics struct{ list []Diagnostic }

func (d *diagnostics) add(fset *token.FileSet, pos token.Pos, format string, args ...any) {
	d.list = append(d.list, Diagnostic{Pos: fset.Position(pos), Message: fmt.Sprintf(format, args...)})
}

// sorted returns the findings in file, line, column order without duplicates.
func (d *diagnostics) sorted() []Diagnostic {
	sort.SliceStable(d.list, func(i, j int) bool {
		a, b := d.list[i].Pos, d.list[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	var out []Diagnostic
	for i, x := range d.list {
		if i > 0 && x == d.list[i-1] {
			continue
		}
		out = append(out, x)
	}
	return out
}

// Error is returned by Generate when the source has findings.
type Error struct{ Diagnostics []Diagnostic }

func (e *Error) Error() string {
	var b strings.Builder
	for i, d := range e.Diagnostics {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
	}
	return b.String()
}
