package analyzer

import (
	"bytes"
	"go/ast"
	"go/printer"
	"go/token"
	"go/types"

	"github.com/durablegen/durable/internal/names"
)

// What values hold references, and what calls do with them, for the
// sharing check (see sharing.go).

// referencedVars returns the locals of body that a function literal
// captures or whose address is taken (&x, &x.f, &x[i] of an array, x[:]
// of an array, a method with a pointer receiver called on x).
func referencedVars(info *types.Info, body *ast.BlockStmt, pkg *types.Package) map[*types.Var]bool {
	out := make(map[*types.Var]bool)
	mark := func(e ast.Expr) {
		if v := addressedVar(info, e); v != nil {
			out[v] = true
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			ast.Inspect(n.Body, func(m ast.Node) bool {
				if id, ok := m.(*ast.Ident); ok {
					if v, ok := info.Uses[id].(*types.Var); ok && !v.IsField() && v.Parent() != nil && !(n.Pos() <= v.Pos() && v.Pos() < n.End()) && v.Parent() != pkg.Scope() {
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
			if _, ok := info.TypeOf(n.X).Underlying().(*types.Array); ok {
				mark(n.X)
			}
		case *ast.SelectorExpr:
			if sel := info.Selections[n]; sel != nil && sel.Kind() != types.FieldVal {
				if fn, ok := sel.Obj().(*types.Func); ok {
					recv := fn.Type().(*types.Signature).Recv()
					if _, ptr := recv.Type().(*types.Pointer); ptr && !isPointer(info.TypeOf(n.X)) {
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

func isString(t types.Type) bool {
	if t == nil {
		return false
	}
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

func isTimeType(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time"
}

// holdsRefs reports whether a value of type t holds a pointer, slice or
// map (or an interface or function) whose memory a copy shares.
func holdsRefs(t types.Type) bool { return holdsRefsSeen(t, make(map[types.Type]bool)) }

func holdsRefsSeen(t types.Type, seen map[types.Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	if isTimeType(t) {
		return false // time.Time, time.Duration, time.Location by value
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature, *types.Interface:
		return true
	case *types.Array:
		return holdsRefsSeen(u.Elem(), seen)
	case *types.Struct:
		for i := range u.NumFields() {
			if holdsRefsSeen(u.Field(i).Type(), seen) {
				return true
			}
		}
	}
	return false
}

// sharesRefTypes reports whether memory reachable from a value of type a
// could be reachable from a value of type b: they hold references to a
// common element type.
func sharesRefTypes(a, b types.Type) bool {
	for _, x := range refElems(a) {
		for _, y := range refElems(b) {
			if types.Identical(x, y) {
				return true
			}
		}
	}
	return false
}

// refElems returns the element types of the references a value of type t
// holds.
func refElems(t types.Type) []types.Type {
	var out []types.Type
	seen := make(map[types.Type]bool)
	var walk func(t types.Type)
	walk = func(t types.Type) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		switch u := t.Underlying().(type) {
		case *types.Pointer:
			out = append(out, u.Elem())
			walk(u.Elem())
		case *types.Slice:
			out = append(out, u.Elem())
			walk(u.Elem())
		case *types.Map:
			out = append(out, u.Elem(), u.Key())
			walk(u.Elem())
		case *types.Array:
			walk(u.Elem())
		case *types.Struct:
			for i := range u.NumFields() {
				walk(u.Field(i).Type())
			}
		case *types.Interface, *types.Signature:
			out = append(out, types.Typ[types.Invalid]) // anything
		}
	}
	walk(t)
	return out
}

func builtinOf(info *types.Info, c *ast.CallExpr) (string, bool) {
	id, ok := ast.Unparen(c.Fun).(*ast.Ident)
	if !ok {
		return "", false
	}
	b, ok := info.Uses[id].(*types.Builtin)
	if !ok {
		return "", false
	}
	return b.Name(), true
}

// calleeFunc returns the function c calls by name, or nil.
func calleeFunc(info *types.Info, c *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch x := ast.Unparen(c.Fun).(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		id = x.Sel
	case *ast.IndexExpr:
		return calleeFunc(info, &ast.CallExpr{Fun: x.X})
	case *ast.IndexListExpr:
		return calleeFunc(info, &ast.CallExpr{Fun: x.X})
	default:
		return nil
	}
	fn, _ := info.Uses[id].(*types.Func)
	return fn
}

// clonesArgs reports calls known to return a new slice or map.
func clonesArgs(info *types.Info, c *ast.CallExpr) bool {
	fn := calleeFunc(info, c)
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() + "." + fn.Name() {
	case "slices.Clone", "maps.Clone", "slices.Sorted", "slices.SortedFunc", "slices.Collect", "slices.Concat", "bytes.Clone", "strings.Split", "strings.Fields":
		return true
	}
	return false
}

// readOnlyCall reports calls known not to write through their arguments.
func readOnlyCall(info *types.Info, c *ast.CallExpr) bool {
	fn := calleeFunc(info, c)
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() {
	case "fmt", "strings", "strconv", "errors", "math", "unicode", "unicode/utf8", "bytes":
		return fn.Type().(*types.Signature).Recv() == nil
	case "slices", "maps":
		switch fn.Name() {
		case "Contains", "ContainsFunc", "Index", "IndexFunc", "Equal", "EqualFunc", "Compare", "Max", "Min", "MaxFunc", "MinFunc", "Clone", "BinarySearch", "Keys", "Values", "All", "Sorted", "Collect", "IsSorted":
			return true
		}
	case "encoding/json":
		return fn.Name() == "Marshal" || fn.Name() == "MarshalIndent"
	case names.DurablePkg:
		return true
	}
	return false
}

// exprString prints e as durablegen's messages do.
func exprString(e ast.Expr) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, token.NewFileSet(), e)
	return b.String()
}
