package analyzer

import (
	"fmt"
	"go/ast"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/types/typeutil"

	"github.com/durablegen/durable/internal/graph"
	"github.com/durablegen/durable/internal/names"
)

// Helpers that make checkpoints (see the package documentation) are
// found the way durablegen finds them, so that the analyzer accepts the
// calls the generator compiles and reports, as DG016, the ones it
// refuses. A helper is checked as workflow code once, by checkBody, if a
// workflow of the package reaches it; in plain mode (computeFacts) it is
// still walked like any function, so that callers of other packages and
// plain callers inherit its findings through facts.

// findHelpers marks the functions of the package that durablegen
// compiles as helpers, and records the helpers each one calls.
func (c *checker) findHelpers() {
	if c.std {
		return
	}
	type cand struct {
		f       *funcInfo
		direct  bool          // makes a checkpoint of its own
		callees []*types.Func // other candidates it calls, in source order
	}
	var cands []*cand
	byFunc := make(map[*types.Func]bool)
	for _, f := range c.funcs {
		if f.decl == nil || f.kind != kindPlain {
			continue
		}
		if sig := f.obj.Type().(*types.Signature); sig.Params().Len() > 0 && isDurableContext(sig.Params().At(0).Type()) {
			cands = append(cands, &cand{f: f})
			byFunc[f.obj] = true
		}
	}
	if len(cands) == 0 {
		return
	}
	for _, k := range cands {
		seen := make(map[*types.Func]bool)
		ast.Inspect(k.f.body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.CallExpr:
				fn, _ := typeutil.Callee(c.pass.TypesInfo, n).(*types.Func)
				if fn == nil {
					return true
				}
				fn = fn.Origin()
				switch {
				case isDurable(fn):
					k.direct = k.direct || names.IsCheckpointFunc(fn.Name()) || fn.Name() == names.Compensate
				case c.isStep(fn) || c.isWorkflow(fn):
					k.direct = true
				case byFunc[fn] && !seen[fn]:
					seen[fn] = true
					k.callees = append(k.callees, fn)
				}
			}
			return true
		})
	}
	for changed := true; changed; {
		changed = false
		for _, k := range cands {
			if k.f.helper {
				continue
			}
			if k.direct || k.f.cpLits || slices.ContainsFunc(k.callees, c.isHelper) {
				k.f.helper, changed = true, true
			}
		}
	}
	for _, k := range cands {
		if !k.f.helper {
			continue
		}
		for _, fn := range k.callees {
			if c.isHelper(fn) {
				k.f.helpers = append(k.f.helpers, c.byObj[fn])
			}
		}
	}
}

// isForeignHelper reports whether fn is an exported helper of another
// package that durablegen compiled there: its package declares the
// constructor of its frame, which a workflow's call of it uses.
func (c *checker) isForeignHelper(fn *types.Func) bool {
	if fn == nil || fn.Pkg() == nil || fn.Pkg() == c.pass.Pkg || !fn.Exported() || !takesDurableContext(fn) {
		return false
	}
	if fn.Type().(*types.Signature).Recv() != nil {
		return false
	}
	_, ok := fn.Pkg().Scope().Lookup("NewDurableFrame" + fn.Name()).(*types.Func)
	return ok
}

// isHelper reports whether fn is a helper of the package that durablegen
// compiles (see findHelpers).
func (c *checker) isHelper(fn *types.Func) bool {
	if fn.Pkg() != c.pass.Pkg {
		return false
	}
	f := c.byObj[fn]
	return f != nil && f.helper
}

// reachedHelpers returns the helpers that the package's workflows call,
// directly or through other helpers, in source order: those durablegen
// compiles.
func (c *checker) reachedHelpers() []*funcInfo {
	reached := make(map[*funcInfo]bool)
	var visit func(body *ast.BlockStmt)
	visit = func(body *ast.BlockStmt) {
		ast.Inspect(body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if fn, _ := typeutil.Callee(c.pass.TypesInfo, call).(*types.Func); fn != nil && c.isHelper(fn.Origin()) {
				if g := c.byObj[fn.Origin()]; !reached[g] {
					reached[g] = true
					visit(g.body)
				}
			}
			return true
		})
	}
	if !slices.ContainsFunc(c.funcs, func(f *funcInfo) bool { return f.helper }) {
		return nil
	}
	for _, f := range c.funcs {
		if f.kind == kindWorkflow {
			visit(f.body)
		}
		if f.helper && f.decl != nil && f.decl.Recv == nil && f.obj.Exported() && c.pass.Pkg.Path() != names.DurablePkg && !reached[f] {
			// Compiled for the workflows of other packages (durablegen
			// exports it), so checked as workflow code here.
			reached[f] = true
			visit(f.body)
		}
	}
	var out []*funcInfo
	for _, f := range c.funcs {
		if reached[f] {
			out = append(out, f)
		}
	}
	return out
}

// helperDecl reports what durablegen refuses in the declaration of a
// helper: a generic receiver, recursion.
func (c *checker) helperDecl(f *funcInfo) {
	name := localName(f.obj, c.pass.Pkg)
	d := f.decl
	report := func(n ast.Node, msg string) {
		c.report(&finding{rule: ruleLimits, pos: n.Pos(), end: n.End(), msg: msg})
	}
	if recv := f.obj.Type().(*types.Signature).Recv(); recv != nil {
		if n := namedOf(recv.Type()); n != nil && n.TypeParams().Len() > 0 {
			report(d.Recv, fmt.Sprintf("helper %s makes checkpoints and is a method of a generic type: not supported; use a non-generic receiver", name))
			return
		}
	}
	if cyc := f.cycle(); cyc != nil {
		var path []string
		for _, g := range cyc {
			path = append(path, localName(g.obj, c.pass.Pkg))
		}
		report(d.Name, fmt.Sprintf("helper %s makes checkpoints and is recursive (%s): a recursive helper is not supported; use a loop", name, strings.Join(path, " calls ")))
	}
}

// cycle returns the call path from helper h back to itself, if it is
// recursive.
func (h *funcInfo) cycle() []*funcInfo {
	return graph.Cycle(h, func(g *funcInfo) []*funcInfo { return g.helpers })
}

// helperCall checks, in workflow code, a call of helper fn: a helper
// method runs on the caller's own receiver, which the worker supplies on
// every resume.
func (w *walker) helperCall(call *ast.CallExpr, fn *types.Func) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || w.info.Selections[sel] == nil {
		return
	}
	if id, ok := ast.Unparen(sel.X).(*ast.Ident); ok && w.wf.recv != nil && w.info.Uses[id] == w.wf.recv {
		return
	}
	w.add(&finding{
		rule: ruleLimits, pos: sel.X.Pos(), end: sel.X.End(),
		msg: fmt.Sprintf("helper method %s makes checkpoints and is called on %s: a helper method can only be called on the receiver of the workflow (or helper) calling it, which the worker supplies on every resume; make it a function that takes the value as a parameter",
			localName(fn, w.c.pass.Pkg), types.ExprString(sel.X)),
	})
}

// plainCtxFunc reports whether fn is a function of the package that takes
// a durable.Context first, makes no checkpoint (is not a helper, a step
// or a workflow), and uses its context only as an argument of functions
// of package durable or as the first argument of other such functions.
// durablegen calls it as ordinary code between checkpoints: the durable
// functions it reaches (durable.IdempotencyKey and the like) give the
// same values when a run resumes, and the analyzer checks its body as a
// function the workflow calls.
func (c *checker) plainCtxFunc(fn *types.Func) bool {
	if fn == nil || c.std {
		return false
	}
	fn = fn.Origin()
	f := c.byObj[fn]
	if f == nil || f.decl == nil || f.helper || f.kind != kindPlain || fn.Pkg() != c.pass.Pkg || !takesDurableContext(fn) {
		return false
	}
	if ok, seen := c.plain[fn]; seen {
		return ok
	}
	if c.plain == nil {
		c.plain = make(map[*types.Func]bool)
	}
	c.plain[fn] = true // a cycle of such functions is plain if the rest is
	info := c.pass.TypesInfo
	ctx := fn.Type().(*types.Signature).Params().At(0)
	allowed := make(map[*ast.Ident]bool)
	ok := true
	ast.Inspect(f.body, func(n ast.Node) bool {
		call, isCall := n.(*ast.CallExpr)
		if !isCall || !ok {
			return ok
		}
		callee, _ := typeutil.Callee(info, call).(*types.Func)
		for i, a := range call.Args {
			id, isID := ast.Unparen(a).(*ast.Ident)
			if !isID || info.Uses[id] != ctx {
				continue
			}
			switch {
			case callee != nil && isDurable(callee):
				allowed[id] = true
			case i == 0 && c.plainCtxFunc(callee):
				allowed[id] = true
			default:
				ok = false
			}
		}
		return ok
	})
	if ok {
		ast.Inspect(f.body, func(n ast.Node) bool {
			if id, isID := n.(*ast.Ident); isID && info.Uses[id] == ctx && !allowed[id] {
				ok = false // stored, returned, captured or passed elsewhere
			}
			return ok
		})
	}
	c.plain[fn] = ok
	return ok
}
