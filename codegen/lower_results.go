package codegen

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// A step with several results (q, r, err := DivMod(ctx, a, b)) runs
// through runtime.CallResults, or runtime.CallValues when it returns no
// error: each attempt stores the results in variables of the state, which
// the runtime records in the step's event as one array, and the state
// assigns them to their destinations once the step is done, as Go assigns
// the results of a call.

// severalResults reports whether a step of signature sig has results that
// runtime.Call, CallErr and CallValue do not carry: more than one value
// besides a final error.
func severalResults(sig *types.Signature) bool {
	n := sig.Results().Len()
	if n > 0 && isErrorType(sig.Results().At(n-1).Type()) {
		n--
	}
	return n > 1
}

// resultsCall emits the state code of a step with several results and
// assigns them to dest (one per result, "_" for a discarded one).
func (l *lowerer) resultsCall(call *ast.CallExpr, sig *types.Signature, recv ast.Expr, args []ast.Expr, ref string, dest []string) {
	res := sig.Results()
	n := res.Len()
	withErr := isErrorType(res.At(n - 1).Type())
	if withErr {
		n--
	}
	vals := make([]string, n)
	ptrs := make([]string, n)
	for i := range vals {
		vals[i] = l.names.fresh("res")
		ptrs[i] = "&" + vals[i]
		l.emit(call.Pos(), fmt.Sprintf("var %s %s", vals[i], l.tp.text(res.At(i).Type())))
	}
	ctx, invoke, stubbed := l.stepInvoke(call, recv, args)
	ctxType := l.q.marker("context", "Context")
	targets := strings.Join(vals, ", ")
	var text string
	if withErr {
		errv := l.names.fresh("stepErr")
		targets += ", " + errv
		text = fmt.Sprintf("%s(%s, func(%s %s) (%s error) {\nif %s() {\n%s = %s\nreturn %s\n}\n%s = %s\nreturn %s\n}, %s)",
			l.rt("CallResults"), ref, ctx, ctxType, errv, l.rt("Stubbing"), targets, stubbed, errv, targets, invoke, errv, strings.Join(ptrs, ", "))
		if e := dest[n]; e != "_" {
			text = e + " = " + text
		}
	} else {
		text = fmt.Sprintf("%s(%s, func(%s %s) {\nif %s() {\n%s = %s\nreturn\n}\n%s = %s\n}, %s)",
			l.rt("CallValues"), ref, ctx, ctxType, l.rt("Stubbing"), targets, stubbed, targets, invoke, strings.Join(ptrs, ", "))
	}
	l.emit(call.Pos(), text)
	var lhs, rhs []string
	for i, v := range vals {
		if dest[i] != "_" {
			lhs, rhs = append(lhs, dest[i]), append(rhs, v)
		}
	}
	if len(lhs) > 0 {
		l.emit(call.Pos(), strings.Join(lhs, ", ")+" = "+strings.Join(rhs, ", "))
	}
}
