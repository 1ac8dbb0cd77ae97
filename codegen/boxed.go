package codegen

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Per-iteration variables.
//
// A variable declared inside a lowered loop (a loop variable, with Go
// 1.22's one variable per iteration, or a variable declared in the body)
// is one frame field, reused by every iteration. That is the same as Go
// as long as nothing can refer to the variable of one iteration after the
// next one began: a closure that captures it, or a pointer to it, can. So
// such a variable, when a function literal captures it or its address is
// taken, is boxed: its frame field is a pointer to a variable allocated
// each time its declaration runs (before the post statement of a for
// loop, a copy of the previous iteration's), its uses go through the
// pointer, and a function literal binds the pointers it captures when it
// is created.

// boxedVars returns the locals of body that must be boxed, and reports
// those it cannot box.
func (l *lowerer) boxedVars(body *ast.BlockStmt) varSet {
	referenced := l.referencedVars(body)
	out := varSet{}
	var inLoop func(n ast.Node)
	inLoop = func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.Ident:
				if v, ok := l.info.Defs[n].(*types.Var); ok && referenced[v] {
					out[v] = true
				}
			case *ast.TypeSwitchStmt:
				for _, c := range n.Body.List {
					if v, ok := l.info.Implicits[c].(*types.Var); ok && referenced[v] {
						out[v] = true
					}
				}
			}
			return true
		})
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ForStmt, *ast.RangeStmt:
			if l.hasCP(n) {
				inLoop(n)
				return false
			}
		}
		return true
	})
	for v := range out {
		if types.IsInterface(v.Type()) {
			l.diags.add(l.fset, v.Pos(), "%s (of interface type %s) is captured by a function literal or its address is taken, in a loop that makes checkpoints: not supported; copy it into a variable of a concrete type first", v.Name(), typeString(v.Type(), l.pkg))
		}
	}
	return out
}

// referencedVars returns the locals of body that a function literal
// captures or whose address is taken (&x, &x.f, &x[i] of an array, x[:]
// of an array, a method with a pointer receiver called on x).
func (l *lowerer) referencedVars(body *ast.BlockStmt) varSet {
	out := varSet{}
	mark := func(e ast.Expr) {
		if v := addressedVar(l.info, e); v != nil {
			out[v] = true
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			ast.Inspect(n.Body, func(m ast.Node) bool {
				if id, ok := m.(*ast.Ident); ok {
					if v, ok := l.info.Uses[id].(*types.Var); ok && !v.IsField() && v.Parent() != nil && !within(v.Pos(), n) && v.Parent() != l.pkg.Scope() {
						out[v] = true
					}
				}
				return true
			})
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				mark(n.X)
			}
		case *ast.SliceExpr:
			if _, ok := l.info.TypeOf(n.X).Underlying().(*types.Array); ok {
				mark(n.X)
			}
		case *ast.SelectorExpr:
			if sel := l.info.Selections[n]; sel != nil && sel.Kind() != types.FieldVal {
				if fn, ok := sel.Obj().(*types.Func); ok {
					recv := fn.Type().(*types.Signature).Recv()
					if _, ptr := recv.Type().(*types.Pointer); ptr && !isPointer(l.info.TypeOf(n.X)) {
						mark(n.X)
					}
				}
			}
		}
		return true
	})
	return out
}

// addressedVar returns the variable whose storage &e points into: x for
// x, x.f (not through a pointer) and x[i] of an array.
func addressedVar(info *types.Info, e ast.Expr) *types.Var {
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

func within(pos token.Pos, n ast.Node) bool { return n.Pos() <= pos && pos < n.End() }

// ref returns how the machine reads frame field f: through its pointer
// when boxed.
func (l *lowerer) ref(f *field) string {
	if f.boxed {
		return "(*" + l.fv + "." + f.name + ")"
	}
	return l.fv + "." + f.name
}

// allocText returns the statement that gives boxed field f a new
// variable, or "".
func (l *lowerer) allocText(f *field) string {
	if f == nil || !f.boxed {
		return ""
	}
	return l.fv + "." + f.name + " = new(" + l.tp.text(f.typ) + ")"
}

// allocDefs emits the allocation of the boxed variables that idents
// define, in the state that assigns them (a boxed variable that is not
// live across a checkpoint is not stored, so it must be allocated where
// a resumed run assigns it).
func (l *lowerer) allocDefs(pos token.Pos, idents []ast.Expr) {
	for _, a := range l.defAllocs(idents) {
		l.emit(pos, a)
	}
}

func (l *lowerer) defAllocs(idents []ast.Expr) []string {
	var out []string
	for _, e := range idents {
		if id, ok := e.(*ast.Ident); ok {
			if v, ok := l.info.Defs[id].(*types.Var); ok {
				if a := l.allocText(l.frame[v]); a != "" {
					out = append(out, a)
				}
			}
		}
	}
	return out
}
