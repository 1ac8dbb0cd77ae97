package cplit

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

// MethodValue says why method value x, kept in a function variable of fn
// across a checkpoint, cannot be rebuilt after a resume as a literal that
// calls the method on its receiver in the frame, or "" if it can. recv is
// fn's receiver, supplied again on every resume.
//
// Go binds the receiver when the method value is made: the variable itself
// for a method with a pointer receiver on an addressable variable (what
// the rebuilt literal reads), a copy of it otherwise. A copy is kept only
// when nothing in fn writes the receiver's own memory (assigns it or a
// field of it, takes its address, calls a pointer method on it): then the
// copy and the variable never differ.
func MethodValue(fset *token.FileSet, info *types.Info, fn *ast.FuncDecl, recv *types.Var, x *ast.SelectorExpr) string {
	sel := info.Selections[x]
	if sel == nil || sel.Kind() != types.MethodVal {
		return fmt.Sprintf("it is assigned %s, which is not a method value", types.ExprString(x))
	}
	id, ok := ast.Unparen(x.X).(*ast.Ident)
	if !ok {
		return fmt.Sprintf("it is assigned %s, a method value of an expression other than a variable; assign the receiver to a variable first", types.ExprString(x))
	}
	v, _ := info.Uses[id].(*types.Var)
	if v == nil || v.IsField() || v.Parent() == nil || v.Parent() == v.Pkg().Scope() || !(v == recv || fn.Pos() <= v.Pos() && v.Pos() < fn.End()) {
		return fmt.Sprintf("it is assigned %s, whose receiver is not a variable of the function", types.ExprString(x))
	}
	m := sel.Obj().(*types.Func)
	_, ptrRecv := m.Type().(*types.Signature).Recv().Type().(*types.Pointer)
	if ptrRecv && !isPointer(v.Type()) {
		return "" // binds &v: the variable the rebuilt value reads
	}
	if pos, what := writes(info, fn.Body, v); pos.IsValid() {
		return fmt.Sprintf("it is assigned %s, which binds a copy of %s, and %s is %s (line %d): after a resume the rebuilt value would read %s as it is then; keep the method value only while %s does not change, or call %s.%s directly",
			types.ExprString(x), v.Name(), v.Name(), what, fset.Position(pos).Line, v.Name(), v.Name(), v.Name(), x.Sel.Name)
	}
	return ""
}

// writes returns the first place body writes v's own memory, and how, or
// an invalid position.
func writes(info *types.Info, body *ast.BlockStmt, v *types.Var) (token.Pos, string) {
	var pos token.Pos
	what := ""
	mark := func(e ast.Expr, how string, at token.Pos) {
		if !pos.IsValid() && ownVar(info, e) == v {
			pos, what = at, how
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, lhs := range n.Lhs {
				if id, ok := lhs.(*ast.Ident); ok && info.Defs[id] == v {
					continue // its definition
				}
				mark(lhs, "assigned", n.Pos())
			}
		case *ast.IncDecStmt:
			mark(n.X, "incremented", n.Pos())
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if e != nil && n.Tok == token.ASSIGN {
					mark(e, "assigned by a range loop", n.Pos())
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				mark(n.X, "addressed", n.Pos())
			}
		case *ast.SelectorExpr:
			if sel := info.Selections[n]; sel != nil && sel.Kind() != types.FieldVal {
				if fn, ok := sel.Obj().(*types.Func); ok {
					if _, ptr := fn.Type().(*types.Signature).Recv().Type().(*types.Pointer); ptr && !isPointer(info.TypeOf(n.X)) {
						mark(n.X, "given to its pointer method "+fn.Name(), n.Pos())
					}
				}
			}
		}
		return true
	})
	return pos, what
}

// ownVar returns the variable whose own memory e is (the variable, a
// field of it, an element of it as an array), or nil.
func ownVar(info *types.Info, e ast.Expr) *types.Var {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			v, _ := info.Uses[x].(*types.Var)
			return v
		case *ast.SelectorExpr:
			sel := info.Selections[x]
			if sel == nil || sel.Kind() != types.FieldVal || sel.Indirect() || isPointer(info.TypeOf(x.X)) {
				return nil
			}
			e = x.X
		case *ast.IndexExpr:
			if _, ok := info.TypeOf(x.X).Underlying().(*types.Array); !ok {
				return nil
			}
			e = x.X
		default:
			return nil
		}
	}
}

func isPointer(t types.Type) bool {
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Pointer)
	return ok
}
