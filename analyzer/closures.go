package analyzer

import (
	"fmt"
	"github.com/durablegen/durable/internal/cplit"
	"go/ast"
	"go/token"
	"go/types"
)

// Function variables across a checkpoint.
//
// durablegen rebuilds a function variable of the body that is live
// across a checkpoint when every value it may hold is a function literal
// of the body that does not use the workflow context, a package-level
// function, nil, or another such variable: the frame stores which one it
// holds. The variables its literals capture are then kept at every
// checkpoint where it is. This file finds the function variables it
// cannot rebuild, in its words, so that DG012 reports only those.

// funcVarProblem says why a function variable cannot be rebuilt, and
// where.
type funcVarProblem struct {
	pos token.Pos
	why string
}

// funcVars holds the function variables of the body walked: the values
// assigned to each, and why those that cannot be rebuilt cannot.
type funcVars struct {
	sources  map[*types.Var][]ast.Expr
	problems map[*types.Var]funcVarProblem
}

// isBodyFuncVar reports whether v is a variable of function type
// declared in the body walked (not a parameter, not in a literal's
// parameters either: those are never stored).
func (w *walker) isBodyFuncVar(v *types.Var) bool {
	if v == nil || v.IsField() || isPackageVar(v) {
		return false
	}
	_, ok := v.Type().Underlying().(*types.Signature)
	body := w.fi.decl.Body
	return ok && v.Pos() > body.Pos() && v.Pos() < body.End()
}

// findFuncVars collects the function variables of the body and decides
// which cannot be rebuilt, as durablegen does.
func (w *walker) findFuncVars() *funcVars {
	fv := &funcVars{sources: make(map[*types.Var][]ast.Expr), problems: make(map[*types.Var]funcVarProblem)}
	varOf := func(e ast.Expr) *types.Var {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok {
			return nil
		}
		v, _ := w.info.ObjectOf(id).(*types.Var)
		if !w.isBodyFuncVar(v) {
			return nil
		}
		return v
	}
	type bad struct {
		v   *types.Var
		pos token.Pos
		why string
	}
	var bads []bad
	ast.PreorderStack(w.fi.decl.Body, nil, func(n ast.Node, stack []ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				v := varOf(lhs)
				switch {
				case v == nil:
				case inClosure(stack) != nil:
					bads = append(bads, bad{v, n.Pos(), "a function literal assigns it"})
				case len(n.Rhs) != len(n.Lhs):
					bads = append(bads, bad{v, n.Pos(), "it is assigned a result of " + types.ExprString(n.Rhs[0])})
				default:
					fv.sources[v] = append(fv.sources[v], n.Rhs[i])
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				v := varOf(id)
				switch {
				case v == nil || len(n.Values) == 0:
				case len(n.Values) != len(n.Names):
					bads = append(bads, bad{v, n.Pos(), "it is assigned a result of " + types.ExprString(n.Values[0])})
				default:
					fv.sources[v] = append(fv.sources[v], n.Values[i])
				}
			}
		case *ast.UnaryExpr:
			if v := varOf(n.X); v != nil && n.Op == token.AND {
				bads = append(bads, bad{v, n.Pos(), "its address is taken"})
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if v := varOf(e); v != nil {
					bads = append(bads, bad{v, e.Pos(), "a range loop assigns it"})
				}
			}
		}
		return true
	})
	ok := make(map[*types.Var]bool)
	for v := range fv.sources {
		ok[v] = true
	}
	for _, b := range bads {
		ok[b.v] = false
		if _, seen := fv.problems[b.v]; !seen {
			fv.problems[b.v] = funcVarProblem{b.pos, b.why}
		}
	}
	for changed := true; changed; {
		changed = false
		for v, srcs := range fv.sources {
			if !ok[v] {
				continue
			}
			for _, e := range srcs {
				if why := w.funcSource(e, func(x *types.Var) bool { return ok[x] }); why != "" {
					ok[v] = false
					fv.problems[v] = funcVarProblem{e.Pos(), why}
					changed = true
					break
				}
			}
		}
	}
	return fv
}

// funcSource says why the function value e cannot be rebuilt after a
// resume, or returns "".
func (w *walker) funcSource(e ast.Expr, rebuildable func(*types.Var) bool) string {
	e = ast.Unparen(e)
	switch x := e.(type) {
	case *ast.FuncLit:
		usesCtx := false
		ast.Inspect(x.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && w.wf.ctx != nil && w.info.Uses[id] == w.wf.ctx {
				usesCtx = true
			}
			return !usesCtx
		})
		if usesCtx {
			return "the function literal uses the workflow context"
		}
		return ""
	case *ast.Ident:
		if _, isNil := w.info.Uses[x].(*types.Nil); isNil {
			return ""
		}
		if v, ok := w.info.Uses[x].(*types.Var); ok {
			if rebuildable(v) {
				return ""
			}
			return fmt.Sprintf("it is assigned %s, which cannot be rebuilt", x.Name)
		}
	}
	if w.packageFunc(e) != nil {
		return ""
	}
	if x, ok := e.(*ast.SelectorExpr); ok && w.info.Selections[x] != nil && w.info.Selections[x].Kind() == types.MethodVal && w.fi.decl != nil {
		var recv *types.Var
		if w.wf != nil {
			recv = w.wf.recv
		}
		return cplit.MethodValue(w.c.pass.Fset, w.info, w.fi.decl, recv, x)
	}
	return fmt.Sprintf("it is assigned %s, which is not a function literal of the workflow or a package-level function", types.ExprString(e))
}

// packageFunc returns the package-level function e names (not a method
// value, not a generic function), or nil.
func (w *walker) packageFunc(e ast.Expr) *types.Func {
	var id *ast.Ident
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		if w.info.Selections[x] != nil {
			return nil // a method value
		}
		id = x.Sel
	default:
		return nil
	}
	fn, ok := w.info.Uses[id].(*types.Func)
	if !ok {
		return nil
	}
	if sig := fn.Type().(*types.Signature); sig.Recv() != nil || sig.TypeParams().Len() > 0 {
		return nil
	}
	return fn
}

// captured returns the variables that the literals a rebuilt function
// variable v may hold capture, following the variables it is assigned.
func (fv *funcVars) captured(w *walker, v *types.Var) []*types.Var {
	var out []*types.Var
	seenVar := make(map[*types.Var]bool)
	seen := make(map[*types.Var]bool)
	var visit func(v *types.Var)
	visit = func(v *types.Var) {
		if seenVar[v] {
			return
		}
		seenVar[v] = true
		for _, e := range fv.sources[v] {
			switch x := ast.Unparen(e).(type) {
			case *ast.FuncLit:
				ast.Inspect(x.Body, func(n ast.Node) bool {
					id, ok := n.(*ast.Ident)
					if !ok {
						return true
					}
					c, ok := w.info.Uses[id].(*types.Var)
					if ok && !c.IsField() && !isPackageVar(c) && (c.Pos() < x.Pos() || c.Pos() >= x.End()) && !seen[c] {
						seen[c] = true
						out = append(out, c)
					}
					return true
				})
			case *ast.Ident:
				if u, ok := w.info.Uses[x].(*types.Var); ok && w.isBodyFuncVar(u) {
					visit(u)
				}
			}
		}
	}
	visit(v)
	return out
}

// rebuilt returns the function variables of the body that durablegen
// rebuilds after a resume.
func (fv *funcVars) rebuilt(w *walker) map[*types.Var]bool {
	out := make(map[*types.Var]bool)
	for v := range fv.sources {
		if _, bad := fv.problems[v]; !bad {
			out[v] = true
		}
	}
	return out
}
