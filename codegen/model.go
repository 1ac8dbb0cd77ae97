package codegen

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/durablegen/durable/internal/names"
)

// workflow is one //durable:workflow function being compiled.
type workflow struct {
	pkg  *packages.Package
	file *ast.File
	decl *ast.FuncDecl
	obj  *types.Func
	sig  *types.Signature
	// liveAt are the variables live across each node of the body that
	// holds a checkpoint (see liveness.atCP).
	liveAt map[ast.Node]varSet
	recv   *types.Var // the receiver of a method workflow, or nil
	ctx    *types.Var // the durable.Context parameter (may be unnamed)
	in     *types.Var // the input parameter
	out    types.Type // the first result type
	opts   workflowOptions
	// helper is set when the unit is a helper function that makes
	// checkpoints (see helpers.go), not a workflow: it has no input.
	helper *helperFn
	// closures are the function variables rebuilt on resume (see
	// closures.go), found before lowering.
	closures *closures
}

// cpKind classifies a checkpoint call.
type cpKind int

const (
	cpNone cpKind = iota
	cpStep
	cpDo
	cpSleep
	cpSleepUntil
	cpNow
	cpSideEffect
	cpAwait
	cpAwaitTimeout
	cpWorkflow // another workflow called as a child
	cpAll      // durable.All: the steps of futures started with durable.Go
	cpSelect   // durable.Select: the first of them
	cpHelper   // a helper function of the package that makes checkpoints
)

var cpKindNames = map[cpKind]string{
	cpStep: "step", cpDo: "do", cpSleep: "sleep", cpSleepUntil: "sleep",
	cpNow: "now", cpSideEffect: "effect", cpAwait: "await", cpAwaitTimeout: "await", cpWorkflow: "child", cpAll: "all", cpSelect: "select", cpHelper: "call",
}

// checkpoint describes a call that is a checkpoint.
type checkpoint struct {
	kind cpKind
	fn   *types.Func
	step *stepDecl
	// helper is the callee of a cpHelper call.
	helper *helperFn
}

// classifier decides which calls are checkpoints.
type classifier struct {
	pkg       *types.Package // the package being compiled
	info      *types.Info
	dirs      *directives
	workflows map[*types.Func]bool
	// helpers are the package's functions that take a durable.Context
	// and make checkpoints (see findHelpers).
	helpers map[*types.Func]*helperFn
	// ctxFuncs are the package's functions that take a durable.Context
	// first and make no checkpoints, and plain memoizes plainCtxFunc.
	ctxFuncs map[*types.Func]*helperFn
	plain    map[*types.Func]bool
	// closureHelpers are the function literals compiled as helpers, by
	// the variable that holds each and by literal; closureRefusals say
	// why the other literals that make checkpoints are not (see
	// closure_helpers.go).
	closureHelpers  map[*types.Var]*helperFn
	closureLits     map[*ast.FuncLit]*helperFn
	closureRefusals map[*ast.FuncLit]string
	fset            *token.FileSet
	// foreign memoizes foreignHelperOf; exports are the exported helpers
	// compiled earlier in the run, by package path and name, which take
	// precedence over what the packages' generated files on disk say.
	foreign map[*types.Func]*helperFn
	exports map[string]*foreignHelper
}

func (c *classifier) classify(call *ast.CallExpr) checkpoint {
	if lit, ok := ast.Unparen(call.Fun).(*ast.FuncLit); ok {
		if h := c.closureLits[lit]; h != nil {
			return checkpoint{kind: cpHelper, fn: h.obj, helper: h}
		}
		return checkpoint{}
	}
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok && len(c.closureHelpers) > 0 {
		if v, ok := c.info.Uses[id].(*types.Var); ok {
			if h := c.closureHelpers[v]; h != nil {
				return checkpoint{kind: cpHelper, fn: h.obj, helper: h}
			}
		}
	}
	fn, _ := typeutil.Callee(c.info, call).(*types.Func)
	if fn == nil {
		return checkpoint{}
	}
	if fn.Pkg() != nil && fn.Pkg().Path() == names.DurablePkg {
		switch fn.Name() {
		case names.Do:
			return checkpoint{kind: cpDo, fn: fn}
		case names.Sleep:
			return checkpoint{kind: cpSleep, fn: fn}
		case names.SleepUntil:
			return checkpoint{kind: cpSleepUntil, fn: fn}
		case names.Now:
			return checkpoint{kind: cpNow, fn: fn}
		case names.SideEffect:
			return checkpoint{kind: cpSideEffect, fn: fn}
		case names.Await:
			return checkpoint{kind: cpAwait, fn: fn}
		case names.AwaitTimeout:
			return checkpoint{kind: cpAwaitTimeout, fn: fn}
		case names.All:
			return checkpoint{kind: cpAll, fn: fn}
		case names.Select:
			return checkpoint{kind: cpSelect, fn: fn}
		}
		return checkpoint{}
	}
	if s := c.dirs.step(fn); s != nil {
		return checkpoint{kind: cpStep, fn: fn, step: s}
	}
	if c.workflows[fn.Origin()] || fn.Pkg() != nil && fn.Pkg() != c.pkg && c.dirs.isWorkflow(fn) {
		return checkpoint{kind: cpWorkflow, fn: fn}
	}
	if h := c.helpers[fn.Origin()]; h != nil {
		return checkpoint{kind: cpHelper, fn: fn, helper: h}
	}
	if h := c.foreignHelperOf(fn); h != nil {
		return checkpoint{kind: cpHelper, fn: fn, helper: h}
	}
	return checkpoint{}
}

// stringConst returns the value of a constant string expression.
func stringConst(info *types.Info, e ast.Expr) (string, bool) {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}

// isDurableContext reports whether t is durable.Context.
func isDurableContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == names.DurablePkg && n.Obj().Name() == names.ContextType
}

func isErrorType(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}
