package codegen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/durablegen/durable/internal/names"
)

// The packages being compiled are type-checked here from source, and
// only their dependencies are loaded by go/packages, from export data.
// packages.Load with types would have the go command compile the packages
// being compiled too, for export data nobody reads: with the machines an
// earlier run generated, that compile costs several times the whole
// generation, at every edit of a workflow.

// listMode is what the go command lists of the packages being compiled.
const listMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedModule | packages.NeedTypesSizes

// load lists the packages matched by patterns, loads the types of what they
// import, and type-checks them from source, in dependency order. It
// returns the packages and every error of them and their dependencies.
func load(dir string, patterns []string) ([]*packages.Package, []packages.Error, error) {
	fset := token.NewFileSet()
	roots, err := packages.Load(&packages.Config{Mode: listMode, Dir: dir, Fset: fset}, patterns...)
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", strings.Join(patterns, " "), err)
	}
	l := &loader{fset: fset, roots: map[string]*packages.Package{}, deps: map[string]*packages.Package{}, done: map[*packages.Package]bool{}}
	for _, p := range roots {
		l.roots[p.ID] = p
	}
	if err := l.loadDeps(dir); err != nil {
		return nil, nil, err
	}
	for _, p := range roots {
		l.check(p)
	}
	var errs []packages.Error
	packages.Visit(roots, nil, func(p *packages.Package) {
		errs = append(errs, p.Errors...)
	})
	return roots, errs, nil
}

// loader type-checks the packages being compiled (roots).
type loader struct {
	fset  *token.FileSet
	roots map[string]*packages.Package // by ID
	deps  map[string]*packages.Package // by ID: the roots' other imports, from export data
	done  map[*packages.Package]bool   // checked, or being checked
}

// loadDeps loads the types of the packages the roots import that are not
// roots themselves.
func (l *loader) loadDeps(dir string) error {
	seen := map[string]bool{}
	var ids []string
	for _, p := range l.roots {
		for _, imp := range p.Imports {
			if _, root := l.roots[imp.ID]; !root && imp.ID != "unsafe" && imp.ID != "C" && !seen[imp.ID] {
				seen[imp.ID] = true
				ids = append(ids, imp.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Strings(ids)
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedImports, Dir: dir, Fset: l.fset}
	deps, err := packages.Load(cfg, ids...)
	if err != nil {
		return fmt.Errorf("load the dependencies: %w", err)
	}
	for _, p := range deps {
		l.deps[p.ID] = p
	}
	return nil
}

// check type-checks root p from source, after the roots it imports.
func (l *loader) check(p *packages.Package) {
	if l.done[p] {
		return
	}
	l.done[p] = true
	imports := map[string]*packages.Package{}
	for path, imp := range p.Imports {
		if r, ok := l.roots[imp.ID]; ok {
			l.check(r)
			imports[path] = r
		} else if d, ok := l.deps[imp.ID]; ok {
			imports[path] = d
		}
	}
	p.Imports = imports
	p.Fset = l.fset
	files := p.CompiledGoFiles
	if len(files) == 0 {
		files = p.GoFiles
	}
	generated := map[*token.File]bool{}
	for _, name := range files {
		f, gen, err := parseFile(l.fset, name)
		if err != nil {
			p.Errors = append(p.Errors, packages.Error{Pos: name, Msg: err.Error(), Kind: packages.ParseError})
		}
		if f != nil {
			p.Syntax = append(p.Syntax, f)
			if gen {
				generated[l.fset.File(f.Pos())] = true
			}
		}
	}
	p.Types = types.NewPackage(p.PkgPath, p.Name)
	p.TypesInfo = &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Instances:    map[*ast.Ident]types.Instance{},
		Scopes:       map[ast.Node]*types.Scope{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		FileVersions: map[*ast.File]string{},
	}
	tc := &types.Config{
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if path == "unsafe" {
				return types.Unsafe, nil
			}
			imp := imports[path]
			if imp == nil || imp.Types == nil || !imp.Types.Complete() {
				return nil, fmt.Errorf("could not import %s", path)
			}
			return imp.Types, nil
		}),
		FakeImportC: true,
		Sizes:       p.TypesSizes,
		Error: func(err error) {
			te, ok := err.(types.Error)
			if !ok {
				p.Errors = append(p.Errors, packages.Error{Pos: "-", Msg: err.Error(), Kind: packages.TypeError})
				return
			}
			if generated[l.fset.File(te.Pos)] {
				return // the earlier output is replaced, whatever it says
			}
			p.TypeErrors = append(p.TypeErrors, te)
			p.Errors = append(p.Errors, packages.Error{Pos: te.Fset.Position(te.Pos).String(), Msg: te.Msg, Kind: packages.TypeError})
		},
	}
	if p.Module != nil && p.Module.GoVersion != "" {
		tc.GoVersion = "go" + p.Module.GoVersion
	}
	_ = types.NewChecker(tc, l.fset, p.Types, p.TypesInfo).Files(p.Syntax)
	p.IllTyped = len(p.Errors) > 0
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// parseFile parses a file of a package being compiled. Of a file that
// durablegen generated earlier (gen) it keeps only the declarations,
// without function bodies: the new output never depends on them, and
// type-checking the machines of the old output would cost more than
// compiling the workflows; hand-written code that refers to a descriptor
// still type-checks. A generated file that does not parse is read as
// empty.
func parseFile(fset *token.FileSet, filename string) (f *ast.File, gen bool, err error) {
	src, err := os.ReadFile(filename)
	if err != nil {
		return nil, false, err
	}
	if !strings.HasSuffix(filename, "_durable.go") || !generatedSource(src) {
		f, err := parser.ParseFile(fset, filename, src, parser.AllErrors|parser.ParseComments)
		return f, false, err
	}
	f, err = parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		f, err = parser.ParseFile(fset, filename, "package "+packageClause(src)+"\n", 0)
		return f, true, err
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			fd.Body = nil
		}
	}
	return f, true, nil
}

// packageClause returns the name in the package clause of src.
func packageClause(src []byte) string {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.PackageClauseOnly)
	if err != nil {
		return "_"
	}
	return f.Name.Name
}

// generatedSource reports whether src starts with durablegen's header
// (within its first lines, after build constraints).
func generatedSource(src []byte) bool {
	for _, line := range strings.SplitN(string(src[:min(len(src), 512)]), "\n", 5) {
		if line == names.GeneratedHead {
			return true
		}
	}
	return false
}
