package analyzer

import (
	"bytes"
	"go/ast"
	"go/build"
	"go/printer"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/durablegen/durable/internal/names"
)

// checker holds the state of one pass.
type checker struct {
	// cpLits are the function literals durablegen compiles as helpers,
	// with the variables that hold them (see cplits.go).
	cpLits map[*ast.FuncLit]*types.Var
	cpVars map[*types.Var]bool

	pass    *analysis.Pass
	std     bool // the package is part of the standard library
	funcs   []*funcInfo
	byObj   map[*types.Func]*funcInfo
	written map[*types.Var]token.Pos // package-level variables assigned outside initialization
	ignores *ignores
	src     map[string][]byte
	// Facts of other packages' functions, looked up once.
	imported map[*types.Func]*nondetFact
	kinds    map[*types.Func]funcKind
	funcVars map[*types.Var]*types.Func // package variables holding a function (see funcvars.go)
	// Methods that write through their receiver (see receiver.go),
	// computed when a workflow method first needs them.
	recvWrites map[*types.Func]*recvWrite
	// plain says which functions taking a durable.Context are ordinary
	// code (see plainCtxFunc), computed when first called.
	plain map[*types.Func]bool
	// paramWrites are the writes of helpers through their parameters
	// (see sharing.go), computed when a call first needs them.
	paramWrites map[*funcInfo]*paramWrites
}

type funcKind int

const (
	kindPlain funcKind = iota
	kindStep
	kindWorkflow
)

// funcInfo describes one function or method declared in the package.
type funcInfo struct {
	decl *ast.FuncDecl // nil for the literal of a package variable
	body *ast.BlockStmt
	obj  *types.Func // for a literal, a stand-in named after v
	v    *types.Var  // the package variable a literal initializes

	file   *ast.File
	kind   funcKind
	direct *finding    // first unsuppressed finding in the body (plain functions)
	calls  []callSite  // static calls, in source order
	reason *nondetFact // why it is not deterministic, nil if it is
	via    token.Pos   // the call or node that makes it so
	viaFn  *types.Func // the callee at via, if the reason is inherited

	// helper marks a function that durablegen compiles with the workflows
	// that call it (see helpers.go); helpers are the helpers it calls,
	// outside function literals, in source order.
	helper  bool
	helpers []*funcInfo
	// cpLits is set when the function defines literals that durablegen
	// compiles as helpers (see cplits.go).
	cpLits bool
}

func (f *funcInfo) isInit() bool {
	return f.decl != nil && f.decl.Recv == nil && f.decl.Name.Name == "init"
}

// newChecker returns nil for packages that need no analysis.
func newChecker(pass *analysis.Pass) *checker {
	if pass.Pkg.Path() == names.DurablePkg {
		return nil // the authoring API is the deterministic replacement
	}
	c := &checker{
		pass:     pass,
		std:      isStd(pass),
		byObj:    make(map[*types.Func]*funcInfo),
		written:  make(map[*types.Var]token.Pos),
		src:      make(map[string][]byte),
		imported: make(map[*types.Func]*nondetFact),
		kinds:    make(map[*types.Func]funcKind),
		funcVars: make(map[*types.Var]*types.Func),
	}
	c.ignores = &ignores{c: c}
	return c
}

// isStd reports whether the pass's package belongs to the standard library.
func isStd(pass *analysis.Pass) bool {
	path := pass.Pkg.Path()
	first, _, _ := strings.Cut(path, "/")
	if strings.Contains(first, ".") || len(pass.Files) == 0 {
		return false
	}
	root := build.Default.GOROOT
	if root == "" {
		return false
	}
	name := filepath.ToSlash(pass.Fset.File(pass.Files[0].Pos()).Name())
	return strings.HasPrefix(name, filepath.ToSlash(filepath.Join(root, "src"))+"/")
}

// index records the functions of the package, their directives, and the
// //durable:ignore directives of its files.
func (c *checker) index() {
	insp := c.pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	generated := make(map[*ast.File]bool)
	for _, f := range c.pass.Files {
		generated[f] = ast.IsGenerated(f)
		if !c.std && !generated[f] {
			c.ignores.parse(f)
		}
	}
	for cur := range insp.Root().Preorder((*ast.File)(nil), (*ast.FuncDecl)(nil)) {
		file, ok := cur.Node().(*ast.File)
		if ok {
			if generated[file] {
				continue
			}
			c.indexFuncVars(file)
			for _, d := range file.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
					c.addFunc(file, fd)
				}
			}
		}
	}
}

func (c *checker) addFunc(file *ast.File, fd *ast.FuncDecl) {
	obj, _ := c.pass.TypesInfo.Defs[fd.Name].(*types.Func)
	if obj == nil {
		return
	}
	f := &funcInfo{decl: fd, body: fd.Body, obj: obj, file: file}
	if !c.std {
		if _, ok := directive(fd.Doc, names.WorkflowDirective); ok {
			f.kind = kindWorkflow
			c.pass.ExportObjectFact(obj, new(workflowFact))
		} else if opts, ok := directive(fd.Doc, names.StepDirective); ok {
			f.kind = kindStep
			c.pass.ExportObjectFact(obj, &stepFact{Options: opts})
		}
	}
	c.funcs = append(c.funcs, f)
	c.byObj[obj] = f
}

// directive returns the options of the directive name in doc.
func directive(doc *ast.CommentGroup, name string) (opts string, ok bool) {
	if doc == nil {
		return "", false
	}
	for _, cm := range doc.List {
		if cm.Text == name {
			return "", true
		}
		if rest, ok := strings.CutPrefix(cm.Text, name+" "); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return "", false
}

// checkWorkflows reports the findings of every workflow of the package,
// and of every helper they reach.
func (c *checker) checkWorkflows() {
	for _, f := range c.funcs {
		if f.kind == kindStep {
			c.checkStepSignature(f)
		}
		if f.kind != kindWorkflow {
			continue
		}
		wf := newWorkflow(c, f)
		c.checkSignature(wf)
		c.checkBody(wf)
	}
	for _, f := range c.reachedHelpers() {
		c.helperDecl(f)
		c.checkBody(newWorkflow(c, f))
	}
}

// checkBody reports the findings of the body of a workflow or helper.
func (c *checker) checkBody(wf *workflow) {
	w := newWalker(c, wf.fi, wf)
	w.walk(wf.fi.decl.Body)
	w.checkState()
	for _, d := range w.findings {
		c.report(d)
	}
}

// report reports d unless a //durable:ignore directive silences it.
func (c *checker) report(d *finding) {
	if c.ignores.suppress(c.pass.Fset, d.pos, d.rule) {
		return
	}
	c.pass.Report(analysis.Diagnostic{
		Pos:            d.pos,
		End:            d.end,
		Category:       d.rule,
		Message:        d.rule + ": " + d.msg,
		SuggestedFixes: d.fixes,
		Related:        d.related,
	})
}

// source returns the content of the file containing pos.
func (c *checker) source(pos token.Pos) []byte {
	name := c.pass.Fset.File(pos).Name()
	if b, ok := c.src[name]; ok {
		return b
	}
	read := c.pass.ReadFile
	if read == nil {
		return nil
	}
	b, err := read(name)
	if err != nil {
		b = nil
	}
	c.src[name] = b
	return b
}

// text returns the source text of n.
func (c *checker) text(n ast.Node) string {
	b := c.source(n.Pos())
	tf := c.pass.Fset.File(n.Pos())
	start, end := tf.Offset(n.Pos()), tf.Offset(n.End())
	if b == nil || end > len(b) {
		var buf bytes.Buffer
		_ = printer.Fprint(&buf, c.pass.Fset, n)
		return buf.String()
	}
	return string(b[start:end])
}

// qualifier writes types of other packages with their package name.
func (c *checker) qualifier(p *types.Package) string {
	if p == c.pass.Pkg {
		return ""
	}
	return p.Name()
}

// qualifiedName returns "pkg.Func" or "pkg.Type.Method".
func qualifiedName(fn *types.Func) string {
	name := fn.Name()
	if recv := recvTypeName(fn); recv != "" {
		name = recv + "." + name
	}
	if fn.Pkg() != nil {
		name = fn.Pkg().Name() + "." + name
	}
	return name
}

// localName is qualifiedName without the package qualifier when fn
// belongs to pkg.
func localName(fn *types.Func, pkg *types.Package) string {
	if fn.Pkg() == pkg {
		if recv := recvTypeName(fn); recv != "" {
			return recv + "." + fn.Name()
		}
		return fn.Name()
	}
	return qualifiedName(fn)
}
