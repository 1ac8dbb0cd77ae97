package codegen

import (
	"go/ast"
	"go/types"
	"strings"
)

// Generic helpers.
//
// A helper with type parameters is compiled once, to a generic frame type
// (pickFrame[T any]) whose methods are those of any other helper's frame;
// a call names the instance of the frame its type arguments give
// (&pickFrame[int]{...}), and each instance of a helper a unit calls has a
// field of its own. Fields of a type parameter are stored by the codec like
// any value of their type argument, which each call checks can be stored.
// What would need the frame's instance outside it is refused: compensations
// (run when the helper's frame is gone), literals compiled as helpers and
// function values kept across a checkpoint, and exporting the helper to
// other packages.

// genericHelper sets the type parameters of the frame of generic helper
// unit l, before it is emitted.
func (l *lowerer) genericHelper() {
	tps := l.wf.helper.sig.TypeParams()
	if tps == nil || tps.Len() == 0 {
		return
	}
	var decl, args []string
	for i := range tps.Len() {
		tp := tps.At(i)
		decl = append(decl, tp.Obj().Name()+" "+l.tp.text(tp.Constraint()))
		args = append(args, tp.Obj().Name())
	}
	l.typeParams = "[" + strings.Join(decl, ", ") + "]"
	l.typeArgs = "[" + strings.Join(args, ", ") + "]"
	l.frameType += l.typeArgs
}

// checkGeneric reports what a generic helper may not do.
func (l *lowerer) checkGeneric() {
	h := l.wf.helper
	if h == nil || h.sig.TypeParams() == nil || h.sig.TypeParams().Len() == 0 {
		return
	}
	pos := h.decl.Type.TypeParams.Pos()
	switch {
	case l.saga != nil && len(l.saga.comps) > 0:
		l.diags.add(l.fset, pos, "helper %s is generic and registers compensations: not supported; register them in a non-generic helper or the workflow", h.name())
	case len(l.nested) > 0:
		l.diags.add(l.fset, pos, "helper %s is generic and defines a function literal that makes checkpoints: not supported; make the literal a helper of its own", h.name())
	case l.closures != nil && len(l.closures.entries) > 0:
		l.diags.add(l.fset, pos, "helper %s is generic and keeps a function value across a checkpoint: not supported; define it after the checkpoint", h.name())
	}
}

// instText returns the type arguments of a call of a generic helper as
// generated code writes them ("[int, string]"), or "".
func (l *lowerer) instText(call *ast.CallExpr) string {
	id := calleeIdent(call.Fun)
	if id == nil {
		return ""
	}
	inst, ok := l.info.Instances[id]
	if !ok || inst.TypeArgs.Len() == 0 {
		return ""
	}
	var args []string
	for i := range inst.TypeArgs.Len() {
		t := inst.TypeArgs.At(i)
		if why := unserializable(t, l.wf.module()); why != "" && !isTypeParam(t) {
			l.diags.add(l.fset, call.Pos(), "type argument %s of helper %s cannot be stored with its frame: %s; use a type that can be stored", typeString(t, l.pkg), id.Name, why)
		}
		args = append(args, l.tp.text(t))
	}
	return "[" + strings.Join(args, ", ") + "]"
}

func isTypeParam(t types.Type) bool {
	_, ok := t.(*types.TypeParam)
	return ok
}
