package codegen

import (
	"go/ast"
	"go/token"
	"go/types"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/durablegen/durable/internal/names"
)

// checker reports what the compiler cannot lower, with what to use instead.
type checker struct {
	fset  *token.FileSet
	info  *types.Info
	cls   *classifier
	diags *diagnostics
}

func (c *checker) errorf(pos token.Pos, format string, args ...any) {
	c.diags.add(c.fset, pos, format, args...)
}

// signature checks a workflow's declaration and fills wf's parameters.
func (c *checker) signature(wf *workflow) bool {
	d := wf.decl
	ok := true
	if recv := wf.sig.Recv(); recv != nil {
		if n, isNamed := types.Unalias(deref(recv.Type())).(*types.Named); isNamed && n.TypeParams().Len() > 0 {
			c.errorf(d.Recv.Pos(), "workflow %s is a method of a generic type: not supported; use a non-generic receiver", d.Name.Name)
			return false
		}
		wf.recv = recv
	}
	if d.Type.TypeParams != nil {
		c.errorf(d.Type.TypeParams.Pos(), "workflow %s is generic: generic workflows are not supported; declare one workflow per concrete type", d.Name.Name)
		return false
	}
	sig := wf.sig
	if sig.Params().Len() != 2 || !isDurableContext(sig.Params().At(0).Type()) {
		c.errorf(d.Type.Params.Pos(), "workflow %s must have the signature func(ctx durable.Context, in In) (Out, error)", d.Name.Name)
		return false
	}
	if sig.Variadic() {
		c.errorf(d.Type.Params.Pos(), "workflow %s: the input parameter cannot be variadic; take a slice", d.Name.Name)
		ok = false
	}
	if sig.Results().Len() != 2 || !isErrorType(sig.Results().At(1).Type()) {
		pos := d.Type.Pos()
		if d.Type.Results != nil {
			pos = d.Type.Results.Pos()
		}
		c.errorf(pos, "workflow %s must return (Out, error); use struct{} for no result", d.Name.Name)
		return false
	}
	wf.ctx, wf.in, wf.out = sig.Params().At(0), sig.Params().At(1), sig.Results().At(0).Type()
	if why := unserializable(wf.in.Type(), wf.module()); why != "" {
		c.errorf(d.Type.Params.List[len(d.Type.Params.List)-1].Type.Pos(), "workflow %s: input type %s cannot be stored: %s", d.Name.Name, typeString(wf.in.Type(), wf.pkg.Types), why)
		ok = false
	}
	if why := unserializable(wf.out, wf.module()); why != "" {
		c.errorf(d.Type.Results.List[0].Type.Pos(), "workflow %s: result type %s cannot be stored: %s", d.Name.Name, typeString(wf.out, wf.pkg.Types), why)
		ok = false
	}
	return ok
}

// body reports every construct of a workflow body that v1 does not lower.
func (c *checker) body(wf *workflow) {
	ast.Inspect(wf.decl.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.DeferStmt:
			c.errorf(n.Pos(), "defer is not supported in a workflow: it would run at every suspension, not once at the end; call the cleanup explicitly, or register a compensation step")
		case *ast.GoStmt:
			c.errorf(n.Pos(), "go statement in a workflow: goroutines do not survive a resume; start the concurrent steps with durable.Go and wait for them with durable.All")
		case *ast.SelectStmt:
			c.errorf(n.Pos(), "select in a workflow: channel operations do not survive a resume; wait with durable.Await or durable.Sleep")
			return false
		case *ast.SendStmt:
			c.errorf(n.Pos(), "channel send in a workflow: channels do not survive a resume; use signals (durable.Await) or steps")
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				c.errorf(n.Pos(), "channel receive in a workflow: channels do not survive a resume; use durable.Await")
			}
		case *ast.BranchStmt:
			if n.Tok == token.GOTO {
				c.errorf(n.Pos(), "goto is not supported in a workflow; use a loop with labeled break or continue")
			}
		case *ast.RangeStmt:
			c.rangeStmt(n)
		case *ast.FuncLit:
			c.funcLit(wf, n)
			return false
		case *ast.CallExpr:
			c.ctxStored(wf, n)
			c.call(wf, n)
		case *ast.CompositeLit, *ast.AssignStmt:
			c.ctxStored(wf, n)
		}
		return true
	})
	c.goBeforeAll(wf)
}

func (c *checker) rangeStmt(n *ast.RangeStmt) {
	t := c.info.TypeOf(n.X)
	if t == nil {
		return
	}
	switch u := t.Underlying().(type) {
	case *types.Chan:
		c.errorf(n.Pos(), "range over a channel in a workflow: channels do not survive a resume; use durable.Await")
	case *types.Signature:
		c.rangeFunc(n)
	case *types.Pointer:
		if _, ok := u.Elem().Underlying().(*types.Array); !ok {
			c.errorf(n.Pos(), "cannot range over %s", t)
		}
	}
}

// funcLit rejects checkpoints inside closures: durable calls anywhere in
// one, and steps called with the workflow's context (a step called inside a
// durable.Do body with that body's own context is part of that step).
func (c *checker) funcLit(wf *workflow, lit *ast.FuncLit) {
	if h := c.cls.closureLits[lit]; h != nil {
		// Compiled as a helper when its definition is lowered: checked as
		// one here, with the rest of the body.
		cw := closureUnit(wf, h)
		c.body(cw)
		return
	}
	refusal, known := c.cls.closureRefusals[lit]
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if isCompensate(c.info, call) {
			c.errorf(call.Pos(), "Compensate inside a closure: register compensations in the workflow body")
			return true
		}
		cp := c.cls.classify(call)
		if cp.kind == cpNone || (cp.kind == cpStep && !c.usesWorkflowContext(wf, call)) {
			return true
		}
		if known {
			c.errorf(call.Pos(), "%s inside a function literal that cannot be compiled: %s; a function literal that makes checkpoints is compiled when it is defined once (name := func(...) {...}) and then only called, name(...), in the function that defines it, outside other function literals", cp.fn.Name(), refusal)
			return true
		}
		c.errorf(call.Pos(), "%s inside a function literal within another function literal: checkpoints cannot be made there; make them in the outer literal, or in the workflow body", cp.fn.Name())
		return true
	})
}

// usesWorkflowContext reports whether the workflow's context is an
// argument of call.
func (c *checker) usesWorkflowContext(wf *workflow, call *ast.CallExpr) bool {
	for _, a := range call.Args {
		if id, ok := ast.Unparen(a).(*ast.Ident); ok && c.info.Uses[id] == wf.ctx {
			return true
		}
	}
	return false
}

func (c *checker) call(wf *workflow, call *ast.CallExpr) {
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := c.info.Uses[id].(*types.Builtin); ok && b.Name() == "recover" {
			c.errorf(call.Pos(), "recover in a workflow is not supported: a panic in workflow code fails the instance; return an error instead")
		}
	}
	if isCompensate(c.info, call) {
		c.compensateCall(wf, call)
		return
	}
	if isDurableFunc(c.info, call, names.ContinueAsNew) {
		c.continueCall(wf, call)
	}
	cp := c.cls.classify(call)
	badStep := false
	switch cp.kind {
	case cpAwait, cpAwaitTimeout:
		if len(call.Args) >= 2 {
			if _, ok := stringConst(c.info, call.Args[1]); !ok {
				c.errorf(call.Args[1].Pos(), "durable.%s: the signal name must be a constant string", cp.fn.Name())
			}
		}
	case cpStep:
		badStep = !c.stepCall(cp, call)
	}
	if cp.kind != cpNone && !badStep && len(call.Args) > 0 && (cp.helper == nil || cp.helper.ctxParams() == 1) {
		// The first argument must be the workflow's own context.
		if id, ok := ast.Unparen(call.Args[0]).(*ast.Ident); !ok || c.info.Uses[id] != wf.ctx {
			c.errorf(call.Args[0].Pos(), "the first argument of %s must be the workflow's context parameter", cp.fn.Name())
		}
	}
	if cp.kind == cpNone {
		c.ctxEscape(wf, call)
	}
}

// continueCall checks that durable.ContinueAsNew in a workflow's body
// gives the next run an input of the workflow's input type: the runtime
// would fail the instance at the continuation. (A helper does not know
// which workflow calls it; the runtime checks its calls.)
func (c *checker) continueCall(wf *workflow, call *ast.CallExpr) {
	if wf.helper != nil || wf.in == nil || len(call.Args) != 2 {
		return
	}
	t := c.info.TypeOf(call.Args[1])
	if t == nil || types.Identical(t, wf.in.Type()) {
		return
	}
	in := typeString(wf.in.Type(), wf.pkg.Types)
	c.errorf(call.Args[1].Pos(), "durable.ContinueAsNew: the next run's input has type %s, and workflow %s takes %s; pass a value of type %s",
		typeString(t, wf.pkg.Types), wf.decl.Name.Name, in, in)
}

// stepCall checks the shape of a step; false if it has no context. A
// step may return any results, the last one optionally an error.
func (c *checker) stepCall(cp checkpoint, call *ast.CallExpr) bool {
	sig := cp.fn.Type().(*types.Signature)
	if sig.Params().Len() == 0 || !isContext(sig.Params().At(0).Type()) {
		c.errorf(call.Pos(), "step %s must take a context.Context as its first parameter", cp.fn.Name())
		return false
	}
	return true
}

// ctxEscape reports the workflow context passed to a function that is not
// a checkpoint, other than the durable helpers.
func (c *checker) ctxEscape(wf *workflow, call *ast.CallExpr) {
	fn, _ := c.info.Uses[calleeIdent(call.Fun)].(*types.Func)
	if fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == names.DurablePkg {
		return
	}
	if tv, ok := c.info.Types[call.Fun]; ok && tv.IsType() {
		return
	}
	if len(call.Args) > 0 && c.cls.plainCtxFunc(fn) {
		if id, ok := ast.Unparen(call.Args[0]).(*ast.Ident); ok && c.info.Uses[id] == wf.ctx {
			ctxOnlyFirst := true
			for _, a := range call.Args[1:] {
				if id, ok := ast.Unparen(a).(*ast.Ident); ok && c.info.Uses[id] == wf.ctx {
					ctxOnlyFirst = false
				}
			}
			if ctxOnlyFirst {
				return // ordinary code that reads the context's deterministic helpers
			}
		}
	}
	if _, builtin := c.info.Uses[calleeIdent(call.Fun)].(*types.Builtin); builtin {
		return // append(list, ctx) is reported by ctxStored
	}
	_, isVar := c.info.Uses[calleeIdent(call.Fun)].(*types.Var)
	_, isLit := ast.Unparen(call.Fun).(*ast.FuncLit)
	for _, a := range call.Args {
		id, ok := ast.Unparen(a).(*ast.Ident)
		if !ok || c.info.Uses[id] != wf.ctx {
			continue
		}
		switch {
		case isVar || isLit:
			c.errorf(a.Pos(), "%s is called through a function value, which is not a checkpoint: call the step by name, or wrap the call in durable.Do(ctx, \"name\", func(ctx context.Context) (T, error) { ... })", exprString(call.Fun))
		default:
			if fn, _ := typeutil.Callee(c.info, call).(*types.Func); fn != nil && fn.Pkg() != nil && fn.Pkg() != c.cls.pkg && fn.Exported() && fn.Type().(*types.Signature).Recv() == nil && id == call.Args[0] {
				c.errorf(a.Pos(), "the workflow context is passed to %s, which is not a step, and package %s has no compiled form of it (%s): if it makes checkpoints, run durablegen on package %s too (its go:generate, or durablegen ./...); otherwise mark it //durable:step, or pass it only what it needs", exprString(call.Fun), fn.Pkg().Path(), exportNewName(fn.Name()), fn.Pkg().Name())
				continue
			}
			c.errorf(a.Pos(), "the workflow context is passed to %s, which is not a step: mark it //durable:step, or pass it only what it needs (a function of this package may take the durable.Context first when it makes checkpoints, or uses the context only as an argument of package durable's functions)", exprString(call.Fun))
		}
	}
}

func calleeIdent(e ast.Expr) *ast.Ident {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return e
	case *ast.SelectorExpr:
		return e.Sel
	case *ast.IndexExpr:
		return calleeIdent(e.X)
	case *ast.IndexListExpr:
		return calleeIdent(e.X)
	}
	return nil
}

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

func deref(t types.Type) types.Type {
	if p, ok := t.(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}
