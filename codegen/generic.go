package codegen

import (
	"go/ast"
	"go/types"
)

// calleeSig returns the signature of the function fun names, with the
// type arguments of a generic function substituted.
func (l *lowerer) calleeSig(fun ast.Expr, fn *types.Func) *types.Signature {
	if sig, ok := l.info.TypeOf(fun).(*types.Signature); ok && sig.TypeParams().Len() == 0 {
		return sig
	}
	return fn.Type().(*types.Signature)
}

// funcValue prints fun as a function value: a generic function with all
// its type arguments, explicit or inferred (Load(ctx, k) and Load[int]
// both print Load[int]).
func (l *lowerer) funcValue(fun ast.Expr) string {
	base, id := instantiated(fun)
	if id != nil {
		if inst, ok := l.info.Instances[id]; ok && inst.TypeArgs.Len() > 0 {
			return l.print(l.rwExpr(base)) + l.tp.typeArgs(inst.TypeArgs)
		}
	}
	return l.print(l.rwExpr(fun))
}

// instantiated returns the function fun names without its type arguments,
// and the identifier go/types records the instance under.
func instantiated(fun ast.Expr) (ast.Expr, *ast.Ident) {
	fun = ast.Unparen(fun)
	switch e := fun.(type) {
	case *ast.IndexExpr:
		fun = ast.Unparen(e.X)
	case *ast.IndexListExpr:
		fun = ast.Unparen(e.X)
	}
	switch e := fun.(type) {
	case *ast.Ident:
		return e, e
	case *ast.SelectorExpr:
		return e, e.Sel
	}
	return fun, nil
}
