package codegen

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// readsVar reports whether a local const or type declaration mentions a
// variable (len(arr) of a local array is a constant): it cannot be hoisted
// to package level as written.
func (l *lowerer) readsVar(gd *ast.GenDecl) bool {
	found := false
	ast.Inspect(gd, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if _, ok := l.info.Uses[id].(*types.Var); ok {
				found = true
			}
		}
		return !found
	})
	return found
}

// foldDecl prints a hoisted const or type declaration from its type
// information: constants as their values, types as their definitions.
func (l *lowerer) foldDecl(gd *ast.GenDecl) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (\n", gd.Tok)
	for _, spec := range gd.Specs {
		switch spec := spec.(type) {
		case *ast.TypeSpec:
			obj := l.info.Defs[spec.Name].(*types.TypeName)
			if spec.Assign.IsValid() {
				fmt.Fprintf(&b, "%s = %s\n", l.tp.local[obj], l.tp.text(types.Unalias(obj.Type())))
				continue
			}
			fmt.Fprintf(&b, "%s %s\n", l.tp.local[obj], l.tp.text(obj.Type().Underlying()))
		case *ast.ValueSpec:
			for _, id := range spec.Names {
				obj, ok := l.info.Defs[id].(*types.Const)
				if !ok {
					continue // _
				}
				typ := ""
				if b, ok := obj.Type().(*types.Basic); !ok || b.Info()&types.IsUntyped == 0 {
					typ = " " + l.tp.text(obj.Type())
				}
				fmt.Fprintf(&b, "%s%s = %s\n", l.consts[obj], typ, constLit(obj.Val()))
			}
		}
	}
	b.WriteString(")")
	return b.String()
}

// constLit prints an exact constant value as an untyped Go constant
// expression of the same kind.
func constLit(v constant.Value) string {
	switch v.Kind() {
	case constant.Bool:
		return strconv.FormatBool(constant.BoolVal(v))
	case constant.String:
		return strconv.Quote(constant.StringVal(v))
	case constant.Int:
		return v.ExactString()
	case constant.Float:
		num, den := constant.Num(v), constant.Denom(v)
		if constant.Compare(den, token.EQL, constant.MakeInt64(1)) {
			return "(" + num.ExactString() + ".0)"
		}
		return "(" + num.ExactString() + ".0 / " + den.ExactString() + ")"
	case constant.Complex:
		return "complex(" + constLit(constant.Real(v)) + ", " + constLit(constant.Imag(v)) + ")"
	}
	return v.ExactString()
}
