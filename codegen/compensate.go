package codegen

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"github.com/durablegen/durable/internal/names"
)

// Compensations (durable.Compensate) are not checkpoints: a call records
// the step and its arguments in the frame's saga, which the next commit
// stores. When the workflow fails, the runtime runs them, last first, each
// as a checkpointed step, from a dedicated machine state; the frame's
// generated compensate method decodes each one's arguments and calls its
// step.

// saga is what a workflow that calls durable.Compensate adds to its frame.
type saga struct {
	list, err string // frame fields: the pending compensations, the workflow's error
	state     *block // the machine state that runs compensations
	comps     []*comp
}

// comp is one durable.Compensate call site.
type comp struct {
	site    int          // index in the sites array
	step    *types.Func  // the step
	recv    ast.Expr     // a method step's receiver, re-evaluated (rooted at the workflow's receiver)
	recvArg bool         // a method step's receiver is stored as argument 0
	params  []types.Type // stored argument types, in order
	call    *types.Signature
}

// isCompensate reports whether call is durable.Compensate.
func isCompensate(info *types.Info, call *ast.CallExpr) bool {
	return isDurableFunc(info, call, names.Compensate)
}

// compensateStep returns the step a durable.Compensate call registers and,
// for a method value, its selector.
func (c *classifier) compensateStep(call *ast.CallExpr) (*stepDecl, *ast.SelectorExpr) {
	if len(call.Args) < 2 {
		return nil, nil
	}
	e := ast.Unparen(call.Args[1])
	var fn *types.Func
	var sel *ast.SelectorExpr
	switch e := e.(type) {
	case *ast.Ident:
		fn, _ = c.info.Uses[e].(*types.Func)
	case *ast.SelectorExpr:
		if s := c.info.Selections[e]; s != nil {
			if s.Kind() != types.MethodVal {
				return nil, nil
			}
			fn, _ = s.Obj().(*types.Func)
			sel = e
		} else {
			fn, _ = c.info.Uses[e.Sel].(*types.Func) // pkg.Func
		}
	}
	return c.dirs.step(fn), sel
}

// compensateCall checks a durable.Compensate call.
func (c *checker) compensateCall(wf *workflow, call *ast.CallExpr) {
	if len(call.Args) > 0 {
		if id, ok := ast.Unparen(call.Args[0]).(*ast.Ident); !ok || c.info.Uses[id] != wf.ctx {
			c.errorf(call.Args[0].Pos(), "the first argument of Compensate must be the workflow's context parameter")
		}
	}
	if len(call.Args) < 2 {
		return // the type checker reports it
	}
	if call.Ellipsis.IsValid() {
		c.errorf(call.Ellipsis, "durable.Compensate: pass the step's arguments one by one, not as a spread slice")
		return
	}
	step, sel := c.cls.compensateStep(call)
	if step == nil {
		c.errorf(call.Args[1].Pos(), "durable.Compensate: %s is not a //durable:step function or method; compensations are steps (mark it //durable:step)", exprString(call.Args[1]))
		return
	}
	sig := step.obj.Type().(*types.Signature)
	if sig.Params().Len() == 0 || !isContext(sig.Params().At(0).Type()) {
		c.errorf(call.Args[1].Pos(), "step %s must take a context.Context as its first parameter", step.obj.Name())
		return
	}
	if sig.Variadic() {
		c.errorf(call.Args[1].Pos(), "durable.Compensate: step %s is variadic; compensate with a step that takes a slice", step.obj.Name())
		return
	}
	args := call.Args[2:]
	if want := sig.Params().Len() - 1; len(args) != want {
		c.errorf(call.Rparen, "durable.Compensate: step %s takes %d arguments after its context, got %d", step.obj.Name(), want, len(args))
		return
	}
	for i, a := range args {
		p := sig.Params().At(i + 1).Type()
		tv := c.info.Types[a]
		if tv.Type == nil || !assignableArg(tv, p) {
			c.errorf(a.Pos(), "durable.Compensate: argument %d of step %s is %s, which is not assignable to %s", i+1, step.obj.Name(), typeString(tv.Type, nil), typeString(p, nil))
			continue
		}
		if why := unserializable(p, wf.module()); why != "" {
			c.errorf(a.Pos(), "durable.Compensate: argument %d of step %s has type %s, which cannot be stored: %s", i+1, step.obj.Name(), typeString(p, nil), why)
		}
	}
	if sel != nil && (wf.helper != nil || !rootedAtReceiver(c.info, wf, sel.X)) {
		t := c.info.TypeOf(sel.X)
		if why := unserializable(t, wf.module()); why != "" {
			fix := "use a receiver reached from the workflow's receiver, or a step function"
			if wf.helper != nil {
				fix = "in a helper the receiver is always stored: register the compensation in the workflow (on the workflow's receiver), or use a step function"
			}
			c.errorf(sel.X.Pos(), "durable.Compensate: the receiver of step %s is stored with the compensation, but its type %s cannot be stored: %s; %s", step.obj.Name(), typeString(t, nil), why, fix)
		}
	}
}

// assignableArg reports whether a value tv can be passed as a parameter
// of type p (an untyped constant must be representable).
//
// Arguments pass through Compensate's ...any, so a constant argument has
// its default type there (10 is an int); like a direct call, it may be
// given to any parameter that can represent it.
func assignableArg(tv types.TypeAndValue, p types.Type) bool {
	if types.AssignableTo(tv.Type, p) {
		return true
	}
	b, ok := p.Underlying().(*types.Basic)
	if tv.Value == nil || !ok {
		return false
	}
	switch v := tv.Value; {
	case b.Info()&types.IsInteger != 0:
		return constant.ToInt(v).Kind() == constant.Int
	case b.Info()&(types.IsFloat|types.IsComplex) != 0:
		return v.Kind() == constant.Int || v.Kind() == constant.Float || v.Kind() == constant.Complex && b.Info()&types.IsComplex != 0
	case b.Info()&types.IsString != 0:
		return v.Kind() == constant.String
	case b.Info()&types.IsBoolean != 0:
		return v.Kind() == constant.Bool
	}
	return false
}

// rootedAtReceiver reports whether e uses no variable of the workflow but
// its receiver (dependencies supplied by Bind, the same at every run).
func rootedAtReceiver(info *types.Info, wf *workflow, e ast.Expr) bool {
	if wf.recv == nil {
		return false
	}
	found, other := false, false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			other = true
			return false
		case *ast.CallExpr:
			other = true // calls are evaluated again: not stable
		case *ast.Ident:
			v, ok := info.Uses[n].(*types.Var)
			if !ok || v.IsField() {
				return true
			}
			if v == wf.recv {
				found = true
			} else if v.Parent() != nil && v.Parent() != v.Pkg().Scope() {
				other = true
			}
		}
		return true
	})
	return found && !other
}

// compensate lowers a durable.Compensate call: its arguments are
// evaluated now, in order, and stored with the frame's saga.
func (l *lowerer) compensate(call *ast.CallExpr) {
	step, sel := l.cls.compensateStep(call)
	sig := step.obj.Type().(*types.Signature)
	l.ensureSaga(call.Pos())
	cm := &comp{step: step.obj, call: sig}
	ops := call.Args[2:]
	if sel != nil {
		if l.wf.helper == nil && rootedAtReceiver(l.info, l.wf, sel.X) {
			cm.recv = l.rwExpr(sel.X)
		} else {
			cm.recvArg = true
			cm.params = append(cm.params, l.info.TypeOf(sel.X))
			ops = append([]ast.Expr{sel.X}, ops...)
		}
	}
	for i := 1; i < sig.Params().Len(); i++ {
		cm.params = append(cm.params, sig.Params().At(i).Type())
	}
	var args []ast.Expr
	if len(ops) > 0 {
		args = l.operands(ops)
	}
	cm.site = len(l.sites)
	s := &site{kind: "compensate", name: step.obj.Name(), pos: l.posString(call.Pos()), opos: call.Pos(), policy: step.policy}
	l.sites = append(l.sites, s)
	l.saga.comps = append(l.saga.comps, cm)
	parts := []string{l.xv, "&" + l.fv + "." + l.saga.list, fmt.Sprint(cm.site), fmt.Sprintf("%q", step.obj.Name())}
	fn := "Compensate"
	if l.wf.helper != nil {
		// The instance's saga is kept by the workflow's frame; the entry
		// names the helper whose compensate method runs it.
		fn = "CompensateIn"
		parts = []string{l.xv, fmt.Sprintf("%q", l.wf.helper.sagaKey()), fmt.Sprint(cm.site), fmt.Sprintf("%q", step.obj.Name())}
	}
	for _, a := range args {
		parts = append(parts, l.print(a))
	}
	l.emit(call.Pos(), fmt.Sprintf("%s(%s)", l.rt(fn), strings.Join(parts, ", ")))
}

// ensureSaga gives the unit its saga: for a workflow, the frame fields
// that keep the instance's compensations and its error while they run;
// a helper (or a literal compiled as one) registers its compensations in
// its workflow's saga and keeps none of its own.
func (l *lowerer) ensureSaga(pos token.Pos) {
	if l.saga != nil {
		return
	}
	l.saga = &saga{}
	if l.wf.helper == nil {
		l.saga.list = l.addField("saga", l.sagaType(), nil, true, pos).name
		l.saga.err = l.addField("sagaErr", types.Universe.Lookup("error").Type(), nil, true, pos).name
	}
}

// compensatingHelpers returns the helpers the unit's calls reach,
// directly or through other helpers, that register compensations, in
// the order of their frame types.
func (l *lowerer) compensatingHelpers() []*helperFn {
	seen := map[*helperFn]bool{}
	var out []*helperFn
	var visit func(fields []*field)
	visit = func(fields []*field) {
		for _, f := range fields {
			h := f.helper
			if h == nil || h.l == nil || seen[h] {
				continue
			}
			seen[h] = true
			if h.l.saga != nil && len(h.l.saga.comps) > 0 {
				out = append(out, h)
			}
			visit(h.l.fields)
		}
	}
	visit(l.fields)
	sort.Slice(out, func(i, j int) bool { return out[i].sagaKey() < out[j].sagaKey() })
	return out
}

// sagaKey names the helper in the compensations it registers, which are
// stored with the instance: the helper's name, or for a function literal
// compiled as a helper the function that defines it and its variable
// (with its place among the function's literals of that name). It does
// not depend on the names generated code takes.
func (h *helperFn) sagaKey() string {
	ci := h.closure
	if ci == nil {
		return h.name()
	}
	if ci.key == "" {
		ci.key = literalKey(h)
	}
	return ci.key
}

// literalKey computes the sagaKey of a literal compiled as a helper.
func literalKey(h *helperFn) string {
	ci := h.closure
	key := ci.encl.Name.Name
	if ci.encl.Recv != nil && len(ci.encl.Recv.List) > 0 {
		key = types.ExprString(ci.encl.Recv.List[0].Type) + "." + key
	}
	key += "." + h.obj.Name()
	own := litVarName(ci.encl, ci.lit) // "" for a literal called where it is written
	n := 0
	ast.Inspect(ci.encl.Body, func(x ast.Node) bool {
		if lit, ok := x.(*ast.FuncLit); ok && lit.Pos() < ci.lit.Pos() && litVarName(ci.encl, lit) == own {
			n++
		}
		return true
	})
	if n > 0 {
		key += fmt.Sprintf("#%d", n)
	}
	return key
}

// sagaType is a stand-in for runtime.Saga: only its package path and name
// are used, to print the frame field's type (the generator never imports
// the runtime).
func (l *lowerer) sagaType() types.Type {
	return types.NewNamed(types.NewTypeName(token.NoPos, l.runtimePkg(), "Saga", nil), types.NewStruct(nil, nil), nil)
}

// runtimePkg returns a package object for the runtime package (only its
// path and name are used: to print qualified names).
func (l *lowerer) runtimePkg() *types.Package {
	return types.NewPackage(names.RuntimePkg, "runtime")
}

// finishSaga adds the state that runs compensations, once the body is
// lowered.
func (l *lowerer) finishSaga() {
	if l.wf.helper == nil && len(l.compensatingHelpers()) > 0 {
		l.ensureSaga(l.wf.decl.Pos())
	}
	if l.saga == nil {
		return
	}
	if l.wf.helper != nil {
		// A helper's compensations run in its workflow's compensating
		// state; their sites name no state of the helper's.
		return
	}
	b := l.newBlock()
	b.stmts = append(b.stmts, fmt.Sprintf("return %s(%s)", l.rt("Compensating"), l.xv))
	b.done = true
	l.saga.state = b
	for _, cm := range l.saga.comps {
		l.sites[cm.site].id = b.id
	}
}

// emitSaga returns the frame's UseSaga and compensate methods, or "" for
// a workflow without compensations.
func (l *lowerer) emitSaga(frameType string) string {
	if l.saga == nil {
		return ""
	}
	fv, xv := l.fv, l.xv
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	helper := l.wf.helper != nil
	if !helper {
		w("// UseSaga gives x the frame's compensations (see durable.Compensate):\n// the worker calls it before Run.\n")
		w("func (%s *%s) UseSaga(%s *%s) {\n%s(%s, &%s.pc, %d, &%s.%s, &%s.%s, %s.compensate)\n}\n\n",
			fv, frameType, xv, l.q.marker(names.RuntimePkg, "Exec"),
			l.rt("UseSaga"), xv, fv, l.saga.state.id, fv, l.saga.list, fv, l.saga.err, fv)
	}
	comp := l.q.marker(names.RuntimePkg, "Compensation")
	cv, errv := l.names.fresh("c"), l.names.fresh("err")
	if helper {
		w("// compensate runs compensation c, registered by the helper (see\n// durable.Compensate): it decodes the stored arguments and calls the\n// step under its policy. It reads no field of the frame, which is gone\n// when the workflow's compensations run.\n")
	} else {
		w("// compensate runs compensation c (see durable.Compensate): it decodes the\n// stored arguments and calls the step under its policy.\n")
	}
	w("func (%s *%s) compensate(%s *%s, %s *%s) error {\n", fv, frameType, xv, l.q.marker(names.RuntimePkg, "Exec"), cv, comp)
	if hs := l.compensatingHelpers(); !helper && len(hs) > 0 {
		w("switch %s.Helper {\ncase \"\":\n", cv)
		for _, h := range hs {
			w("case %q:\nreturn (*%s)(nil).compensate(%s, %s)\n", h.sagaKey(), h.frameType, xv, cv)
		}
		w("default:\nreturn %s(%s)\n}\n", l.rt("UnknownCompensation"), cv)
	}
	w("switch %s.Site {\n", cv)
	ctxType := l.q.marker("context", "Context")
	for _, cm := range l.saga.comps {
		ctx := l.names.fresh("stepCtx")
		w("case %d:\nreturn %s(%s, &%s[%d], func(%s %s) error {\n", cm.site, l.rt("CallErr"), xv, l.sitesVar, cm.site, ctx, ctxType)
		var vals []string
		for i, t := range cm.params {
			v := l.names.fresh(fmt.Sprintf("arg%d", i))
			w("%s, %s := %s(%s, %s, %d)\nif %s != nil {\nreturn %s\n}\n", v, errv, l.rt("Arg", l.tp.text(t)), xv, cv, i, errv, errv)
			vals = append(vals, v)
		}
		fun := ""
		switch {
		case cm.recvArg:
			fun = vals[0] + "." + cm.step.Name()
			vals = vals[1:]
		case cm.recv != nil:
			fun = l.print(cm.recv) + "." + cm.step.Name()
		default:
			fun = l.q.marker(cm.step.Pkg().Path(), cm.step.Name())
			if cm.step.Pkg() == l.pkg {
				fun = cm.step.Name()
			}
		}
		invoke := fmt.Sprintf("%s(%s, %s)(%s)", l.rt("Stub"), ctx, fun, strings.Join(append([]string{ctx}, vals...), ", "))
		res := cm.call.Results()
		assign := " :="
		if len(cm.params) > 0 {
			assign = " ="
		}
		switch n := res.Len(); {
		case n == 1 && isErrorType(res.At(0).Type()):
			w("return %s\n})\n", invoke)
		case n > 1 && isErrorType(res.At(n-1).Type()):
			w("%s%s%s %s\nreturn %s\n})\n", strings.Repeat("_, ", n-1), errv, assign, invoke, errv)
		default:
			w("%s\nreturn nil\n})\n", invoke)
		}
	}
	w("}\nreturn %s(%s.Site)\n}\n\n", l.rt("BadState"), cv)
	return b.String()
}
