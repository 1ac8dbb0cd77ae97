package codegen

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"

	"github.com/durablegen/durable/internal/cplit"
)

// Method values across a checkpoint.
//
// A method value (charge := acct.Charge) kept in a function variable
// across a checkpoint is rebuilt like a function literal of the body,
// func(args) { return acct.Charge(args) }, which reads its receiver in
// the frame when called. Go binds the receiver when the method value is
// made: the variable itself for a method with a pointer receiver on an
// addressable variable (the same as the literal reads), a copy of it
// otherwise. So the second kind is kept only when nothing writes the
// receiver's own memory (assigns it or a field of it, takes its address,
// calls a pointer method on it) anywhere in the body: then the copy and
// the variable never differ.

// methodValueSource says why method value x cannot be rebuilt after a
// resume, or "" if it can (see cplit.MethodValue).
func methodValueSource(wf *workflow, info *types.Info, x *ast.SelectorExpr) string {
	return cplit.MethodValue(wf.pkg.Fset, info, wf.decl, wf.recv, x)
}

// methodLit returns the function literal that rebuilds method value sel,
// whose receiver expression is recv in generated code.
func (l *lowerer) methodLit(orig *ast.SelectorExpr, recv string) string {
	sig := l.info.TypeOf(orig).(*types.Signature)
	var params, args []string
	for i := range sig.Params().Len() {
		p := fmt.Sprintf("p%d", i)
		t := sig.Params().At(i).Type()
		if sig.Variadic() && i == sig.Params().Len()-1 {
			params = append(params, p+" ..."+l.tp.text(t.(*types.Slice).Elem()))
			args = append(args, p+"...")
			continue
		}
		params = append(params, p+" "+l.tp.text(t))
		args = append(args, p)
	}
	var res []string
	for i := range sig.Results().Len() {
		res = append(res, l.tp.text(sig.Results().At(i).Type()))
	}
	rt := strings.Join(res, ", ")
	if len(res) > 1 {
		rt = "(" + rt + ")"
	}
	call := fmt.Sprintf("%s.%s(%s)", recv, orig.Sel.Name, strings.Join(args, ", "))
	if len(res) > 0 {
		call = "return " + call
	}
	return fmt.Sprintf("func(%s) %s {\n%s\n}", strings.Join(params, ", "), rt, call)
}

// closureMethod is called by the rewriter for a method value: if it is
// an entry of the closure table, it returns the call of the frame method
// that makes its rebuilt value.
func (l *lowerer) closureMethod(orig, rewritten *ast.SelectorExpr) ast.Expr {
	if l.closures == nil {
		return nil
	}
	en := l.closures.byMeth[orig]
	if en == nil {
		return nil
	}
	en.text = l.methodLit(orig, l.print(rewritten.X))
	return raw(l.fv + "." + en.method + "()")
}
