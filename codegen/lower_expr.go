package codegen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/names"
)

// expr lowers e: it emits the checkpoints e holds, in Go's evaluation
// order, and returns an expression for e's value to evaluate after them.
func (l *lowerer) expr(e ast.Expr) ast.Expr {
	if e == nil {
		return nil
	}
	if !l.hasCP(e) {
		return l.rwExpr(e)
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return &ast.ParenExpr{X: l.expr(e.X)}
	case *ast.CallExpr:
		return l.callExpr(e)
	case *ast.BinaryExpr:
		if e.Op == token.LAND || e.Op == token.LOR {
			return l.shortCircuit(e)
		}
		p := l.operands([]ast.Expr{e.X, e.Y})
		return &ast.BinaryExpr{X: p[0], Op: e.Op, Y: p[1]}
	case *ast.UnaryExpr:
		return &ast.UnaryExpr{Op: e.Op, X: l.expr(e.X)}
	case *ast.StarExpr:
		return &ast.StarExpr{X: l.expr(e.X)}
	case *ast.SelectorExpr:
		return &ast.SelectorExpr{X: l.expr(e.X), Sel: ast.NewIdent(e.Sel.Name)}
	case *ast.IndexExpr:
		p := l.operands([]ast.Expr{e.X, e.Index})
		return &ast.IndexExpr{X: p[0], Index: p[1]}
	case *ast.SliceExpr:
		p := l.operands([]ast.Expr{e.X, e.Low, e.High, e.Max})
		return &ast.SliceExpr{X: p[0], Low: p[1], High: p[2], Max: p[3], Slice3: e.Slice3}
	case *ast.TypeAssertExpr:
		return &ast.TypeAssertExpr{X: l.expr(e.X), Type: l.rwExpr(e.Type)}
	case *ast.CompositeLit:
		return l.compositeLit(e)
	}
	l.diags.add(l.fset, e.Pos(), "a checkpoint cannot appear in this expression; assign its result to a variable first")
	return l.rwExpr(e)
}

func (l *lowerer) compositeLit(e *ast.CompositeLit) ast.Expr {
	var ops []ast.Expr
	for _, el := range e.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if _, isField := l.info.Uses[identOf(kv.Key)].(*types.Var); isField {
				ops = append(ops, nil, kv.Value)
				continue
			}
			ops = append(ops, kv.Key, kv.Value)
			continue
		}
		ops = append(ops, nil, el)
	}
	vals := l.operands(ops)
	// An element of a literal may elide its type ({Qty: n}); it is
	// written out, since the lowered value may be stored in a temporary.
	typ, addr := e.Type, false
	if typ == nil {
		t := l.info.TypeOf(e)
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t, addr = p.Elem(), true
		}
		typ = raw(l.tp.text(t))
	} else {
		typ = l.rwExpr(typ)
	}
	out := &ast.CompositeLit{Type: typ}
	for i, el := range e.Elts {
		k, v := vals[2*i], vals[2*i+1]
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if k == nil {
				k = ast.NewIdent(kv.Key.(*ast.Ident).Name)
			}
			out.Elts = append(out.Elts, &ast.KeyValueExpr{Key: k, Value: v})
			continue
		}
		out.Elts = append(out.Elts, v)
	}
	if addr {
		return &ast.UnaryExpr{Op: token.AND, X: out}
	}
	return out
}

// typedLit returns v, the lowered e, with the type spelled out if e is a
// literal whose type is elided ({Qty: n} in []Item{...}), so that it can
// be assigned to a temporary.
func (l *lowerer) typedLit(e, v ast.Expr) ast.Expr {
	cl, ok := v.(*ast.CompositeLit)
	if !ok || cl.Type != nil {
		return v
	}
	t := l.info.TypeOf(e)
	if p, ok := t.Underlying().(*types.Pointer); ok {
		return &ast.UnaryExpr{Op: token.AND, X: &ast.CompositeLit{Type: raw(l.tp.text(p.Elem())), Elts: cl.Elts}}
	}
	return &ast.CompositeLit{Type: raw(l.tp.text(t)), Elts: cl.Elts}
}

func identOf(e ast.Expr) *ast.Ident {
	id, _ := e.(*ast.Ident)
	return id
}

func (l *lowerer) callExpr(e *ast.CallExpr) ast.Expr {
	if cp := l.cls.classify(e); cp.kind != cpNone {
		vals := l.checkpoint(e, cp, nil)
		if len(vals) != 1 {
			l.diags.add(l.fset, e.Pos(), "%s returns %d values: assign them to variables", exprString(e.Fun), len(vals))
			return raw("nil")
		}
		return raw(vals[0])
	}
	// f(g(ctx)) with g returning several values.
	if len(e.Args) == 1 {
		if call, ok := ast.Unparen(e.Args[0]).(*ast.CallExpr); ok {
			if _, tuple := l.info.TypeOf(call).(*types.Tuple); tuple {
				fun := l.expr(e.Fun)
				vals := l.multi(call)
				args := make([]ast.Expr, len(vals))
				for i, v := range vals {
					args[i] = raw(v)
				}
				return &ast.CallExpr{Fun: fun, Args: args}
			}
		}
	}
	ops := append([]ast.Expr{e.Fun}, e.Args...)
	if sel, ok := e.Fun.(*ast.SelectorExpr); ok && l.info.Selections[sel] != nil {
		// A method call: evaluate the receiver in order, not a method value.
		ops[0] = sel.X
		p := l.operands(ops)
		return &ast.CallExpr{Fun: &ast.SelectorExpr{X: p[0], Sel: ast.NewIdent(sel.Sel.Name)}, Args: p[1:], Ellipsis: e.Ellipsis}
	}
	p := l.operands(ops)
	return &ast.CallExpr{Fun: p[0], Args: p[1:], Ellipsis: e.Ellipsis}
}

// multi lowers a call returning several values into temporaries.
func (l *lowerer) multi(call *ast.CallExpr) []string {
	if cp := l.cls.classify(call); cp.kind != cpNone {
		return l.checkpoint(call, cp, nil)
	}
	v := l.expr(call)
	tuple := l.info.TypeOf(call).(*types.Tuple)
	temps := make([]string, tuple.Len())
	for i := range temps {
		temps[i] = l.temp(tuple.At(i).Type(), call.Pos())
	}
	l.emit(call.Pos(), strings.Join(temps, ", ")+" = "+l.print(v))
	return temps
}

// operands lowers expressions evaluated left to right. Whatever must be
// evaluated before the last checkpoint among them is stored in a
// temporary first, so that evaluation order is Go's.
func (l *lowerer) operands(list []ast.Expr) []ast.Expr {
	last := -1
	for i, e := range list {
		if e != nil && l.hasCP(e) {
			last = i
		}
	}
	out := make([]ast.Expr, len(list))
	for i, e := range list {
		switch {
		case e == nil:
		case i < last && !l.stable(e):
			v := l.typedLit(e, l.expr(e))
			t := l.temp(l.info.TypeOf(e), e.Pos())
			l.emit(e.Pos(), t+" = "+l.print(v))
			out[i] = raw(t)
		default:
			out[i] = l.expr(e)
		}
	}
	return out
}

// stable reports whether evaluating e later gives the same value and has
// no side effect: names, literals, field selections, arithmetic,
// conversions and len/cap of such.
func (l *lowerer) stable(e ast.Expr) bool { return stableExpr(l.info, e) }

func stableExpr(info *types.Info, e ast.Expr) bool {
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		if !ok {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if tv, found := info.Types[n.Fun]; found && tv.IsType() {
				return true
			}
			if id, isID := ast.Unparen(n.Fun).(*ast.Ident); isID {
				if b, isB := info.Uses[id].(*types.Builtin); isB && (b.Name() == "len" || b.Name() == "cap") {
					return true
				}
			}
			ok = false
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				ok = false
			}
		}
		return true
	})
	return ok
}

// shortCircuit lowers a && b or a || b with a checkpoint in b: b (and its
// checkpoints) only runs when Go would evaluate it.
func (l *lowerer) shortCircuit(e *ast.BinaryExpr) ast.Expr {
	t := l.temp(types.Typ[types.Bool], e.Pos())
	if named := l.info.TypeOf(e); named != nil {
		if _, basic := named.(*types.Basic); !basic {
			t = l.temp(named, e.Pos())
		}
	}
	x := l.expr(e.X)
	l.emit(e.X.Pos(), t+" = "+l.print(x))
	right, join := l.newBlock(), l.newBlock()
	cond := t
	if e.Op == token.LOR {
		cond = "!" + t
	}
	l.branch(cond, right, join)
	l.cur = right
	y := l.expr(e.Y)
	l.emit(e.Y.Pos(), t+" = "+l.print(y))
	l.jump(join)
	l.cur = join
	return raw(t)
}

// checkpoint emits the machine state of a checkpoint call and returns
// where its results are: dest if given, else fresh temporaries.
func (l *lowerer) checkpoint(call *ast.CallExpr, cp checkpoint, dest []string) []string {
	if cp.kind == cpHelper {
		return l.helperCall(call, cp, dest)
	}
	results := l.resultTypes(call, cp)
	if dest == nil {
		for _, t := range results {
			dest = append(dest, l.temp(t, call.Pos()))
		}
	}
	// The receiver of a method step, then the arguments after the
	// context, in order, with their own checkpoints.
	var recv ast.Expr
	var args []ast.Expr
	ops := call.Args[min(1, len(call.Args)):]
	sel, isMethod := call.Fun.(*ast.SelectorExpr)
	isMethod = isMethod && (cp.kind == cpStep || cp.kind == cpWorkflow) && l.info.Selections[sel] != nil
	if isMethod {
		ops = append([]ast.Expr{sel.X}, ops...)
	}
	if len(ops) > 0 {
		args = l.operands(ops)
	}
	if isMethod {
		recv, args = args[0], args[1:]
	}
	// Arguments are evaluated once, before the first attempt, as Go
	// does; a panic there is the workflow's, not a failed attempt.
	var inState []stateArg
	inMemory := false
	if cp.kind == cpStep || cp.kind == cpWorkflow {
		orig := call.Args[min(1, len(call.Args)):]
		for i := range args {
			args[i] = l.evalOnce(orig[i], args[i], &inState, &inMemory)
		}
		if recv != nil {
			recv = l.evalOnce(sel.X, recv, &inState, &inMemory)
		}
	}
	deadline := ""
	if cp.kind == cpAwaitTimeout {
		// The deadline is fixed before the first wait and kept in the frame.
		timeT := cp.fn.Pkg().Imports()
		deadline = l.temp(lookupType(timeT, "time", "Time"), call.Pos())
		l.emit(call.Pos(), fmt.Sprintf("%s = %s(%s, %s)", deadline, l.rt("Deadline"), l.xv, l.print(args[1])))
	}
	st := l.newBlock()
	l.jump(st)
	l.cur = st
	for _, a := range l.allocs {
		l.emit(call.Pos(), a)
	}
	l.allocs = nil
	for _, a := range inState {
		l.emit(a.pos, a.text)
	}
	s := &site{id: st.id, kind: cpKindNames[cp.kind], pos: l.posString(call.Pos()), opos: call.Pos(), inMemory: inMemory}
	l.sites = append(l.sites, s)
	ref := fmt.Sprintf("%s, &%s[%d]", l.xv, l.sitesVar, len(l.sites)-1)
	var rhs string
	switch cp.kind {
	case cpStep:
		s.name, s.policy = cp.fn.Name(), cp.step.policy
		if sig := l.calleeSig(call.Fun, cp.fn); severalResults(sig) {
			l.resultsCall(call, sig, recv, args, ref, dest)
			break
		}
		rhs = l.stepCall(call, cp, recv, args, ref)
	case cpDo:
		s.name = "Do"
		if name, ok := stringConst(l.info, call.Args[1]); ok {
			s.name = name
		}
		rest := l.printList(args[1:])
		if call.Ellipsis.IsValid() {
			rest += "..."
		}
		rhs = fmt.Sprintf("%s(%s, %s)", l.rt("Call"), ref, rest)
	case cpAll, cpSelect:
		s.name = cpKindNames[cp.kind]
		list := l.printList(args)
		if call.Ellipsis.IsValid() {
			list += "..."
		}
		rhs = fmt.Sprintf("%s(%s, %s)", l.rt(cp.fn.Name()), ref, list)
	case cpWorkflow:
		s.name = cp.fn.Name()
		rhs = fmt.Sprintf("%s(%s, %s, %s)", l.rt("Child"), ref, l.childDescriptor(cp.fn, recv), l.printList(args))
	case cpSleep, cpSleepUntil:
		s.name = "sleep"
		fn := "Sleep"
		if cp.kind == cpSleepUntil {
			fn = "SleepUntil"
		}
		rhs = fmt.Sprintf("%s(%s, %s)", l.rt(fn), ref, l.printList(args))
	case cpNow:
		s.name = "now"
		rhs = fmt.Sprintf("%s(%s)", l.rt("Now"), ref)
	case cpSideEffect:
		s.name = "effect"
		rhs = fmt.Sprintf("%s(%s, %s)", l.rt("SideEffect"), ref, l.printList(args))
	case cpAwait:
		s.name, _ = stringConst(l.info, call.Args[1])
		rhs = fmt.Sprintf("%s(%s)", l.rt("Await", l.tp.text(results[0])), ref)
	case cpAwaitTimeout:
		s.name, _ = stringConst(l.info, call.Args[1])
		rhs = fmt.Sprintf("%s(%s, %s)", l.rt("AwaitUntil", l.tp.text(results[0])), ref, deadline)
	}
	switch {
	case rhs == "": // emitted above
	case allBlank(dest):
		l.emit(call.Pos(), rhs)
	default:
		l.emit(call.Pos(), strings.Join(dest, ", ")+" = "+rhs)
	}
	cont := l.newBlock()
	l.emit(token.NoPos, fmt.Sprintf("if err := %s.Commit(&%s.pc, %d); err != nil {\nreturn err\n}", l.xv, l.fv, cont.id))
	l.cur.done = true
	l.cur = cont
	return dest
}

func allBlank(dest []string) bool {
	for _, d := range dest {
		if d != "_" {
			return false
		}
	}
	return true
}

// stepCall returns the runtime call that runs a //durable:step.
func (l *lowerer) stepCall(call *ast.CallExpr, cp checkpoint, recv ast.Expr, args []ast.Expr, ref string) string {
	sig := l.calleeSig(call.Fun, cp.fn)
	ctx, invoke, stubbed := l.stepInvoke(call, recv, args)
	body := func(ret string) string {
		return fmt.Sprintf("if %s() {\n%s\n}\n%s", l.rt("Stubbing"), fmt.Sprintf(ret, stubbed), fmt.Sprintf(ret, invoke))
	}
	ctxType := l.q.marker("context", "Context")
	res := sig.Results()
	switch {
	case res.Len() == 2:
		return fmt.Sprintf("%s(%s, func(%s %s) (%s, error) {\n%s\n})", l.rt("Call"), ref, ctx, ctxType, l.tp.text(res.At(0).Type()), body("return %s"))
	case res.Len() == 1 && isErrorType(res.At(0).Type()):
		return fmt.Sprintf("%s(%s, func(%s %s) error {\n%s\n})", l.rt("CallErr"), ref, ctx, ctxType, body("return %s"))
	case res.Len() == 1:
		return fmt.Sprintf("%s(%s, func(%s %s) %s {\n%s\n})", l.rt("CallValue"), ref, ctx, ctxType, l.tp.text(res.At(0).Type()), body("return %s"))
	}
	return fmt.Sprintf("%s(%s, func(%s %s) error {\n%s\n})", l.rt("CallErr"), ref, ctx, ctxType, body("%s\nreturn nil"))
}

// stepInvoke returns the name of a step attempt's context and the calls
// of the step with it: the plain call, and the call through runtime.Stub
// that the attempt makes when a test installed fakes (a method value
// passed to Stub would allocate on every step).
func (l *lowerer) stepInvoke(call *ast.CallExpr, recv ast.Expr, args []ast.Expr) (ctx, invoke, stubbed string) {
	ctx = l.names.fresh("stepCtx")
	argText := make([]string, len(args))
	for i, a := range args {
		argText[i] = l.print(a)
	}
	fun := ""
	if sel, ok := call.Fun.(*ast.SelectorExpr); ok && recv != nil {
		fun = l.print(recv) + "." + sel.Sel.Name
	} else {
		fun = l.funcValue(call.Fun)
	}
	if call.Ellipsis.IsValid() && len(argText) > 0 {
		argText[len(argText)-1] += "..."
	}
	callArgs := strings.Join(append([]string{ctx}, argText...), ", ")
	return ctx, fmt.Sprintf("%s(%s)", fun, callArgs), fmt.Sprintf("%s(%s, %s)(%s)", l.rt("Stub"), ctx, fun, callArgs)
}

// stateArg is an argument evaluated in its checkpoint's own state.
type stateArg struct {
	pos  token.Pos
	text string
}

// evalOnce returns where the lowered argument v of a step or child
// workflow (orig in the source) is read by every attempt. An argument
// that cannot panic and has no effect is read in place; one that may
// panic but has no effect is evaluated in the checkpoint's state, before
// the attempts (a suspended retry that resumes evaluates it again, to the
// same value); any other is evaluated before the checkpoint's state into
// a frame temporary, so that a resumed retry reuses its value. When its
// type cannot be stored, it is evaluated in the state and the step's
// retries stay in memory (inMemory).
func (l *lowerer) evalOnce(orig, v ast.Expr, inState *[]stateArg, inMemory *bool) ast.Expr {
	if _, done := v.(*ast.Ident); done || l.safeArg(orig) {
		return v
	}
	local := func() ast.Expr {
		name := l.names.fresh("arg")
		*inState = append(*inState, stateArg{orig.Pos(), name + " := " + l.print(v)})
		return raw(name)
	}
	if l.stable(orig) {
		return local()
	}
	t := l.info.TypeOf(orig)
	if b, ok := t.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		t = types.Default(t)
	}
	if unserializable(t, l.wf.module()) != "" {
		*inMemory = true
		return local()
	}
	tmp := l.temp(t, orig.Pos())
	l.emit(orig.Pos(), tmp+" = "+l.print(v))
	return raw(tmp)
}

// safeArg reports whether evaluating e cannot panic and has no effect,
// so a step's closure may read it at each attempt: constants, names,
// field selections without pointer indirection, and operators and basic
// conversions that cannot panic over such.
func (l *lowerer) safeArg(e ast.Expr) bool {
	if tv, ok := l.info.Types[e]; ok && tv.Value != nil {
		return true
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return l.safeArg(e.X)
	case *ast.Ident, *ast.BasicLit:
		return true
	case *ast.SelectorExpr:
		sel := l.info.Selections[e]
		if sel == nil {
			return true // a qualified name
		}
		return sel.Kind() == types.FieldVal && !sel.Indirect() && l.safeArg(e.X)
	case *ast.UnaryExpr:
		return (e.Op == token.ADD || e.Op == token.SUB || e.Op == token.NOT || e.Op == token.XOR) && l.safeArg(e.X)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.QUO, token.REM, token.SHL, token.SHR:
			return false
		}
		return l.safeArg(e.X) && l.safeArg(e.Y)
	case *ast.CallExpr:
		if len(e.Args) != 1 || !l.safeArg(e.Args[0]) {
			return false
		}
		if tv, ok := l.info.Types[e.Fun]; ok && tv.IsType() {
			_, basic := tv.Type.Underlying().(*types.Basic)
			return basic
		}
		if id, ok := ast.Unparen(e.Fun).(*ast.Ident); ok {
			b, isB := l.info.Uses[id].(*types.Builtin)
			return isB && (b.Name() == "len" || b.Name() == "cap")
		}
	}
	return false
}

// resultTypes returns the types of what a checkpoint call yields.
func (l *lowerer) resultTypes(call *ast.CallExpr, cp checkpoint) []types.Type {
	t := l.info.TypeOf(call)
	if tuple, ok := t.(*types.Tuple); ok {
		out := make([]types.Type, tuple.Len())
		for i := range out {
			out[i] = tuple.At(i).Type()
		}
		return out
	}
	if t == nil {
		return nil
	}
	return []types.Type{t}
}

func (l *lowerer) printList(list []ast.Expr) string {
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = l.print(e)
	}
	return strings.Join(parts, ", ")
}

func (l *lowerer) posString(pos token.Pos) string {
	p := l.fset.Position(pos)
	return fmt.Sprintf("%s:%d:%d", filepath.Base(p.Filename), p.Line, p.Column)
}

// policyText prints a policy as a durable.Policy literal.
func (l *lowerer) policyText(p durable.Policy) string {
	var parts []string
	if p.MaxAttempts != 0 {
		parts = append(parts, fmt.Sprintf("MaxAttempts: %d", p.MaxAttempts))
	}
	for _, d := range []struct {
		name string
		v    int64
	}{{"InitialInterval", int64(p.InitialInterval)}, {"MaxInterval", int64(p.MaxInterval)}, {"Timeout", int64(p.Timeout)}} {
		if d.v != 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", d.name, d.v))
		}
	}
	if p.Coefficient != 0 {
		parts = append(parts, fmt.Sprintf("Coefficient: %g", p.Coefficient))
	}
	if p.Jitter != 0 {
		parts = append(parts, fmt.Sprintf("Jitter: %g", p.Jitter))
	}
	return l.q.marker(names.DurablePkg, "Policy") + "{" + strings.Join(parts, ", ") + "}"
}

// lookupType finds type path.name among pkgs.
func lookupType(pkgs []*types.Package, path, name string) types.Type {
	for _, p := range pkgs {
		if p.Path() == path {
			if obj := p.Scope().Lookup(name); obj != nil {
				return obj.Type()
			}
		}
	}
	return types.Typ[types.Invalid]
}

// childDescriptor returns the generated descriptor of workflow fn, bound
// to recv for a workflow method.
func (l *lowerer) childDescriptor(fn *types.Func, recv ast.Expr) string {
	name := fn.Name() + "Workflow"
	sig := fn.Type().(*types.Signature)
	if sig.Recv() != nil {
		name = recvTypeName(sig.Recv()) + name
	}
	if fn.Pkg() != l.pkg {
		name = l.q.marker(fn.Pkg().Path(), name)
	}
	if recv != nil {
		return fmt.Sprintf("%s.Bind(%s)", name, l.print(recv))
	}
	return name
}
