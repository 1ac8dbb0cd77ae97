package analyzer

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/durablegen/durable/internal/names"
)

// A finding is a diagnostic before suppression, or the reason a function
// is not deterministic.
type finding struct {
	pos, end token.Pos
	rule     string
	msg      string // the message after "DGxxx: "
	desc     string // the step of a call chain: "calls time.Now"
	why      string // "time.Now returns a different value on resume"
	fix      string // "use durable.Now(ctx)"
	fixes    []analysis.SuggestedFix
	related  []analysis.RelatedInformation
}

// workflow describes the workflow function, or the helper that makes
// checkpoints (see helpers.go), being checked.
type workflow struct {
	fi          *funcInfo
	name        string     // "Transfer" or "Service.Transfer"
	ctx         *types.Var // the durable.Context parameter, if any
	recv        *types.Var // the receiver of a workflow method
	durableName string     // the name the file imports package durable as
	helper      bool
}

func newWorkflow(c *checker, f *funcInfo) *workflow {
	wf := &workflow{fi: f, name: localName(f.obj, c.pass.Pkg), helper: f.helper}
	sig := f.obj.Type().(*types.Signature)
	wf.recv = sig.Recv()
	if sig.Params().Len() > 0 && isDurableContext(sig.Params().At(0).Type()) {
		wf.ctx = sig.Params().At(0)
	}
	wf.durableName = c.importName(f.file, names.DurablePkg)
	return wf
}

// title names the function checked in messages: "workflow Transfer" or
// "helper settle".
func (wf *workflow) title() string {
	if wf.helper {
		return "helper " + wf.name
	}
	return "workflow " + wf.name
}

// ctxName returns the name of the workflow's context parameter.
func (wf *workflow) ctxName() string {
	if wf.ctx == nil || wf.ctx.Name() == "" || wf.ctx.Name() == "_" {
		return ""
	}
	return wf.ctx.Name()
}

// walker visits the body of one function. With wf set it checks workflow
// code and collects every finding; otherwise it collects the findings
// that make a helper function non-deterministic, and its static calls.
type walker struct {
	c        *checker
	fi       *funcInfo
	wf       *workflow
	info     *types.Info
	findings []*finding
	calls    []callSite
	writes   map[*ast.Ident]ast.Expr // root identifiers of assigned expressions
	skip     map[ast.Node]bool       // nodes reported as part of another finding
	captured map[*ast.FuncLit]bool   // closures reported for capturing the context
}

func newWalker(c *checker, f *funcInfo, wf *workflow) *walker {
	return &walker{
		c:        c,
		fi:       f,
		wf:       wf,
		info:     c.pass.TypesInfo,
		writes:   make(map[*ast.Ident]ast.Expr),
		skip:     make(map[ast.Node]bool),
		captured: make(map[*ast.FuncLit]bool),
	}
}

// on reports whether rule applies in the function being walked.
func (w *walker) on(rule string) bool {
	switch {
	case w.wf != nil:
		return true
	case w.c.std:
		return transitiveStd[rule]
	}
	return transitiveUser[rule]
}

func (w *walker) add(f *finding) {
	if !w.on(f.rule) {
		return
	}
	if f.end == token.NoPos {
		f.end = f.pos
	}
	w.findings = append(w.findings, f)
}

// simple records a finding that is not about a call.
func (w *walker) simple(rule string, n ast.Node, what, desc, why, fix string) {
	w.add(&finding{
		rule: rule, pos: n.Pos(), end: n.End(),
		msg:  what + "; " + fix,
		desc: desc, why: why, fix: fix,
	})
}

func (w *walker) walk(body *ast.BlockStmt) {
	ast.PreorderStack(body, nil, w.visit)
}

func (w *walker) visit(n ast.Node, stack []ast.Node) bool {
	switch n := n.(type) {
	case *ast.FuncLit:
		if w.isStepLit(n, stack) {
			if w.wf != nil {
				w.checkCapture(n)
			}
			return false
		}
	case *ast.CallExpr:
		w.call(n, stack)
	case *ast.Ident:
		w.ident(n, stack)
	case *ast.AssignStmt:
		w.assign(n, stack)
	case *ast.ValueSpec:
		w.valueSpec(n)
	case *ast.IncDecStmt:
		w.markWrite(n.X)
	case *ast.UnaryExpr:
		switch n.Op {
		case token.AND:
			w.markWrite(n.X)
		case token.ARROW:
			w.chanOp(n, "a channel receive")
		}
	case *ast.GoStmt:
		w.simple(ruleGo, n, "go statement in workflow code starts a goroutine that does not survive a checkpoint and races with the workflow",
			"starts a goroutine", "a goroutine does not survive a checkpoint", "start the concurrent steps with durable.Go and wait for them with durable.All")
	case *ast.SendStmt:
		w.chanOp(n, "a channel send")
	case *ast.SelectStmt:
		w.chanOp(n, "select")
	case *ast.RangeStmt:
		w.rangeStmt(n, stack)
	case *ast.CompositeLit:
		w.compositeCtx(n)
	case *ast.ExprStmt:
		w.ignoredError(n)
	}
	return true
}

// isStepLit reports whether lit is the function of a durable.Do step or
// of durable.SideEffect: code that may do anything.
func (w *walker) isStepLit(lit *ast.FuncLit, stack []ast.Node) bool {
	call, ok := stack[len(stack)-1].(*ast.CallExpr)
	if !ok {
		return false
	}
	fn := w.callee(call)
	if fn == nil || !isDurable(fn) {
		return false
	}
	switch fn.Name() {
	case names.Do, names.SideEffect, names.Go:
		for _, a := range call.Args {
			if a == lit {
				return true
			}
		}
	}
	return false
}

// callee returns the function or method that call statically calls.
func (w *walker) callee(call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(w.info, call).(*types.Func)
	if fn == nil {
		return nil
	}
	return fn.Origin()
}

func (w *walker) chanOp(n ast.Node, what string) {
	w.simple(ruleChan, n, what+" in workflow code depends on goroutine scheduling and does not survive a checkpoint",
		"uses channels", "channels do not survive a checkpoint", "wait with durable.All (steps started with durable.Go), durable.Await (signals) or durable.Sleep")
}

// ident handles uses of variables and functions.
func (w *walker) ident(id *ast.Ident, stack []ast.Node) {
	obj := w.info.Uses[id]
	if obj == nil {
		if w.wf != nil {
			if v, ok := w.info.Defs[id].(*types.Var); ok {
				w.localSync(id, v)
			}
		}
		return
	}
	switch o := obj.(type) {
	case *types.Var:
		if isPackageVar(o) {
			w.packageVar(id, o)
			return
		}
		if w.wf != nil {
			w.ctxUse(id, o, stack)
			w.receiverWrite(id, o)
		}
	case *types.Func:
		w.funcRef(id, o.Origin(), stack)
	}
}

// markWrite records that e is assigned.
func (w *walker) markWrite(e ast.Expr) {
	if id := w.rootIdent(e); id != nil {
		w.writes[id] = e
	}
}

// rootIdent returns the variable that an assignment to e modifies.
func (w *walker) rootIdent(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.ParenExpr:
			e = x.X
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok {
				if _, isPkg := w.info.Uses[id].(*types.PkgName); isPkg {
					return x.Sel
				}
			}
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		default:
			return nil
		}
	}
}

func (w *walker) assign(n *ast.AssignStmt, stack []ast.Node) {
	if n.Tok != token.DEFINE {
		for _, l := range n.Lhs {
			w.markWrite(l)
		}
	}
	if w.wf == nil {
		return
	}
	for i, r := range n.Rhs {
		if len(n.Lhs) == len(n.Rhs) && isBlank(n.Lhs[i]) {
			continue
		}
		if w.isCtxExpr(r) {
			w.simple(ruleMisuse, r, fmt.Sprintf("the workflow context %s is stored in a variable", types.ExprString(r)),
				"", "", "pass it directly to each step, workflow or durable call")
		}
	}
	w.unsortedCollect(n, stack)
}

func (w *walker) valueSpec(n *ast.ValueSpec) {
	if w.wf == nil {
		return
	}
	for _, r := range n.Values {
		if w.isCtxExpr(r) {
			w.simple(ruleMisuse, r, fmt.Sprintf("the workflow context %s is stored in a variable", types.ExprString(r)),
				"", "", "pass it directly to each step, workflow or durable call")
		}
	}
}

// isBlank reports whether e is the blank identifier.
func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// isPackageVar reports whether v is a package-level variable.
func isPackageVar(v *types.Var) bool {
	return v.Pkg() != nil && !v.IsField() && v.Pkg().Scope().Lookup(v.Name()) == v
}

// isDurable reports whether fn belongs to package durable.
func isDurable(fn *types.Func) bool {
	return fn.Pkg() != nil && fn.Pkg().Path() == names.DurablePkg
}

// isDurableContext reports whether t is durable.Context.
func isDurableContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == names.DurablePkg && n.Obj().Name() == names.ContextType
}

// isInterfaceMethod reports whether fn is an abstract interface method.
func isInterfaceMethod(fn *types.Func) bool {
	sig, ok := fn.Type().(*types.Signature)
	return ok && sig.Recv() != nil && types.IsInterface(sig.Recv().Type())
}

// inClosure returns the innermost function literal on stack.
func inClosure(stack []ast.Node) *ast.FuncLit {
	for i := len(stack) - 1; i >= 0; i-- {
		if lit, ok := stack[i].(*ast.FuncLit); ok {
			return lit
		}
	}
	return nil
}

// importName returns the name under which file imports path, or "" if
// it does not (or only as _ or .).
func (c *checker) importName(file *ast.File, path string) string {
	for _, spec := range file.Imports {
		if spec.Path.Value != `"`+path+`"` {
			continue
		}
		pn := c.pass.TypesInfo.PkgNameOf(spec)
		if pn == nil || pn.Name() == "_" || pn.Name() == "." {
			return ""
		}
		return pn.Name()
	}
	return ""
}
