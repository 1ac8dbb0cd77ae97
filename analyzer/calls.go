package analyzer

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/durablegen/durable/internal/names"
)

// call checks one call expression.
func (w *walker) call(call *ast.CallExpr, stack []ast.Node) {
	if w.skip[call] {
		return
	}
	if tv, ok := w.info.Types[call.Fun]; ok && tv.IsType() {
		w.conversion(call)
		return
	}
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := w.info.Uses[id].(*types.Builtin); ok {
			w.builtin(call, b)
			return
		}
	}
	fn := w.callee(call)
	if fn == nil {
		if w.wf != nil {
			w.ctxArgs(call, nil)
		}
		if fn = w.c.funcVar(call); fn == nil {
			return
		}
	}
	switch {
	case isDurable(fn):
		if w.wf != nil {
			w.durableCall(call, fn)
		}
		return
	case w.c.isStep(fn) || w.c.isWorkflow(fn):
		return // a checkpoint: steps may do anything, child workflows are checked on their own
	case w.wf != nil && w.c.isHelper(fn):
		w.helperCall(call, fn)
		return // a checkpoint too: the helper is workflow code, checked on its own
	case w.wf != nil && w.c.isForeignHelper(fn):
		return // a checkpoint: a helper of another package, checked there
	case w.timeSeeded(call, fn):
		return
	}
	if s, ok := lookupSource(fn); ok {
		w.sourceCall(call, fn, s, stack)
		return
	}
	w.ioRead(call, fn)
	w.pointerIdentity(call, fn)
	if w.wf != nil {
		w.receiverCall(call, fn)
		w.syncCall(call, fn)
		w.mapIterCall(call, fn)
		w.ctxArgs(call, fn)
	}
	if isInterfaceMethod(fn) {
		return
	}
	if w.wf == nil {
		w.calls = append(w.calls, callSite{fn: fn, pos: call.Pos()})
		return
	}
	if r := w.c.reasonOf(fn); r != nil {
		w.inherited(call, fn, r, "calls %s")
	}
}

// inherited reports at n, in a workflow, the use of the non-step fn that
// is not deterministic because of r; verb is "calls %s" or another
// phrase naming fn.
func (w *walker) inherited(n ast.Node, fn *types.Func, r *nondetFact, verb string) {
	name := localName(fn, w.c.pass.Pkg)
	alt := "make " + name + " a step"
	if r.Std {
		alt = "call it from a step"
	}
	w.add(&finding{
		rule: r.Rule, pos: n.Pos(), end: n.End(),
		msg: fmt.Sprintf("%s "+verb+", which %s: %s; %s, or %s",
			w.wf.name, name, strings.Join(r.Chain, ", which "), r.Why, r.Fix, alt),
		related: w.c.relatedChain(fn),
	})
}

// relatedChain returns the positions of the call chain of a function of
// this package.
func (c *checker) relatedChain(fn *types.Func) []analysis.RelatedInformation {
	var rel []analysis.RelatedInformation
	for i := 0; i < maxChain && fn != nil && fn.Pkg() == c.pass.Pkg; i++ {
		f := c.byObj[fn]
		if f == nil || f.reason == nil || !f.via.IsValid() {
			break
		}
		rel = append(rel, analysis.RelatedInformation{
			Pos:     f.via,
			Message: qualifiedName(fn) + " " + f.reason.Chain[0],
		})
		fn = f.viaFn
	}
	return rel
}

// sourceCall reports a call of a library function listed as a source.
func (w *walker) sourceCall(call *ast.CallExpr, fn *types.Func, s source, stack []ast.Node) {
	name := qualifiedName(fn)
	f := &finding{
		rule: s.rule, pos: call.Pos(), end: call.End(),
		msg:  name + " in workflow code " + s.what + "; " + s.fix,
		desc: "calls " + name,
		why:  name + " " + s.what,
		fix:  s.fix,
	}
	if w.wf != nil {
		f.fixes = w.sourceFix(call, fn, stack)
	}
	w.add(f)
}

// durableCall checks calls of package durable from workflow code.
func (w *walker) durableCall(call *ast.CallExpr, fn *types.Func) {
	switch fn.Name() {
	case names.Background, names.NewContext:
		w.simple(ruleMisuse, call, fmt.Sprintf("durable.%s in workflow code runs without persistence", fn.Name()),
			"", "", "call the child workflow with the workflow's context to start it durably")
	}
}

// builtin checks make(chan) and close.
func (w *walker) builtin(call *ast.CallExpr, b *types.Builtin) {
	switch b.Name() {
	case "make":
		if len(call.Args) > 0 {
			if _, ok := w.info.TypeOf(call.Args[0]).Underlying().(*types.Chan); ok {
				w.chanOp(call, "make(chan)")
			}
		}
	case "close":
		w.chanOp(call, "close")
	}
}

// conversion reports uintptr(unsafe.Pointer(p)).
func (w *walker) conversion(call *ast.CallExpr) {
	t := w.info.TypeOf(call.Fun)
	if b, ok := t.(*types.Basic); !ok || b.Kind() != types.Uintptr || len(call.Args) != 1 {
		return
	}
	if at, ok := w.info.TypeOf(call.Args[0]).(*types.Basic); ok && at.Kind() == types.UnsafePointer {
		w.identity(call, "uintptr(unsafe.Pointer(...)) is a memory address")
	}
}

func (w *walker) identity(n ast.Node, what string) {
	w.simple(ruleIdentity, n, what+", which differs on every run and after a resume",
		"uses a pointer's address", what+", which differs on every run", "use a stable ID instead of the address")
}

// pointerIdentity reports %p verbs and reflect's address methods.
func (w *walker) pointerIdentity(call *ast.CallExpr, fn *types.Func) {
	pkg, key := funcKey(fn)
	switch key {
	case "reflect.Value.Pointer", "reflect.Value.UnsafePointer", "reflect.Value.UnsafeAddr":
		w.identity(call, qualifiedName(fn)+" returns a memory address")
		return
	}
	if pkg != "fmt" && pkg != "log" {
		return
	}
	sig := fn.Type().(*types.Signature)
	n := sig.Params().Len()
	if !sig.Variadic() || n < 2 || n > len(call.Args) {
		return
	}
	format := call.Args[n-2]
	tv := w.info.Types[format]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		return
	}
	if hasPointerVerb(constant.StringVal(tv.Value)) {
		w.identity(format, "the %p verb prints a memory address")
	}
}

// hasPointerVerb reports whether a printf format uses %p.
func hasPointerVerb(format string) bool {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0123456789.*[]", format[i]) >= 0 {
			i++
		}
		if i < len(format) && format[i] == 'p' {
			return true
		}
	}
	return false
}

// timeSeeded reports a random source seeded from the clock, such as
// rand.NewSource(time.Now().UnixNano()): the clock call is part of it.
func (w *walker) timeSeeded(call *ast.CallExpr, fn *types.Func) bool {
	_, key := funcKey(fn)
	switch key {
	case "math/rand.NewSource", "math/rand.Seed", "math/rand/v2.NewPCG", "math/rand/v2.NewChaCha8":
	default:
		return false
	}
	var clock []*ast.CallExpr
	for _, a := range call.Args {
		ast.Inspect(a, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				if f := w.callee(c); f != nil {
					if _, k := funcKey(f); k == "time.Now" {
						clock = append(clock, c)
					}
				}
			}
			return true
		})
	}
	if len(clock) == 0 {
		return false
	}
	for _, c := range clock {
		w.skip[c] = true
	}
	name := qualifiedName(fn)
	w.add(&finding{
		rule: ruleRandom, pos: call.Pos(), end: call.End(),
		msg:  name + " seeded from the clock in workflow code returns different values on resume; seed it with durable.Random(ctx)",
		desc: "seeds " + name + " from the clock",
		why:  name + " seeded from the clock returns different values on resume",
		fix:  "seed it with durable.Random(ctx)",
	})
	return true
}

// ioRead reports io.ReadAll and friends reading from a file, a network
// connection or an HTTP body.
func (w *walker) ioRead(call *ast.CallExpr, fn *types.Func) {
	_, key := funcKey(fn)
	switch key {
	case "io.ReadAll", "io.ReadFull", "io.Copy", "io.CopyN", "io.CopyBuffer", "io.ReadAtLeast",
		"bufio.NewReader", "bufio.NewScanner", "bufio.NewReaderSize", "io/ioutil.ReadAll":
	default:
		return
	}
	for _, a := range call.Args {
		if what := ioOrigin(w.info, a); what != "" {
			name := qualifiedName(fn)
			w.add(&finding{
				rule: ruleIO, pos: call.Pos(), end: call.End(),
				msg:  fmt.Sprintf("%s reads from %s in workflow code, which is I/O repeated on resume and not checkpointed; move it into a step", name, what),
				desc: "calls " + name + " on " + what,
				why:  name + " on " + what + " performs I/O",
				fix:  "move it into a step",
			})
			return
		}
	}
}

// ioOrigin describes e if it is a file, a connection or an HTTP body.
func ioOrigin(info *types.Info, e ast.Expr) string {
	e = ast.Unparen(e)
	if sel, ok := e.(*ast.SelectorExpr); ok && sel.Sel.Name == "Body" {
		if n := namedOf(info.TypeOf(sel.X)); n != nil && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "net/http" {
			return "an HTTP body"
		}
	}
	n := namedOf(info.TypeOf(e))
	if n == nil || n.Obj().Pkg() == nil {
		return ""
	}
	switch n.Obj().Pkg().Path() + "." + n.Obj().Name() {
	case "os.File":
		return "a file"
	}
	if n.Obj().Pkg().Path() == "net" {
		return "a network connection"
	}
	return ""
}

// namedOf returns the named type of t or of what t points to.
func namedOf(t types.Type) *types.Named {
	if t == nil {
		return nil
	}
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	n, _ := t.(*types.Named)
	return n
}

// syncPkgs are the packages whose types only make sense with goroutines.
var syncPkgs = map[string]bool{
	"sync": true, "sync/atomic": true,
	"golang.org/x/sync/errgroup": true, "golang.org/x/sync/semaphore": true, "golang.org/x/sync/singleflight": true,
}

func isSyncType(t types.Type) bool {
	n := namedOf(t)
	return n != nil && n.Obj().Pkg() != nil && syncPkgs[n.Obj().Pkg().Path()]
}

// syncCall reports package functions of sync and sync/atomic, and methods
// of their types on values not declared in the workflow (whose
// declaration is reported instead).
func (w *walker) syncCall(call *ast.CallExpr, fn *types.Func) {
	if fn.Pkg() == nil || !syncPkgs[fn.Pkg().Path()] {
		return
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() != nil {
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return
		}
		if id := w.rootIdent(sel.X); id != nil {
			if v, ok := w.info.Uses[id].(*types.Var); ok && w.declaredIn(v) {
				return
			}
		}
	}
	w.simple(ruleSync, call, qualifiedName(fn)+" in workflow code synchronizes goroutines, which workflow code must not have, and its state is not saved at a checkpoint",
		"", "", "remove it: steps started with durable.Go and awaited with durable.All need no locks")
}

// declaredIn reports whether v is declared inside the function walked.
func (w *walker) declaredIn(v *types.Var) bool {
	body := w.fi.body
	return v.Pos() >= body.Pos() && v.Pos() < body.End()
}

// localSync reports a local variable of a sync type.
func (w *walker) localSync(id *ast.Ident, v *types.Var) {
	if v.IsField() || !isSyncType(v.Type()) || !w.declaredIn(v) {
		return
	}
	w.simple(ruleSync, id, fmt.Sprintf("%s has type %s: workflow code has no goroutines to synchronize and its state is not saved at a checkpoint",
		id.Name, types.TypeString(v.Type(), w.c.qualifier)),
		"", "", "remove it: steps started with durable.Go and awaited with durable.All need no locks")
}

// ctxArgs reports the workflow context passed to a function that is not
// a step, a workflow, a helper that makes checkpoints or part of package
// durable (fn nil: a func value).
func (w *walker) ctxArgs(call *ast.CallExpr, fn *types.Func) {
	if fn == nil && w.c.cpLitVar(call) != nil {
		return // a literal compiled as a helper, with its own context
	}
	if w.ctxOnlyFirst(call) && w.c.plainCtxFunc(fn) {
		return // ordinary code that reads the context's deterministic helpers
	}
	for i, a := range call.Args {
		if !w.isCtxExpr(a) {
			continue
		}
		callee, why := "a function value", ""
		fix := "mark it //durable:step (taking a context.Context) or //durable:workflow (a child workflow), or do not pass the context"
		if fn != nil {
			callee = localName(fn, w.c.pass.Pkg)
			if i == 0 && !isInterfaceMethod(fn) && takesDurableContext(fn) {
				if fn.Pkg() == w.c.pass.Pkg {
					why = " and makes no checkpoint, so it is not compiled with the workflow"
				} else {
					why = ", and its package has no compiled form of it (NewDurableFrame" + fn.Name() + ")"
					fix = "if it makes checkpoints, run durablegen on its package too (its go:generate, or durablegen ./...); otherwise make it a step or a child workflow"
				}
			}
		}
		w.simple(ruleMisuse, a, fmt.Sprintf("the workflow context %s is passed to %s, which is neither a step nor a workflow%s", types.ExprString(a), callee, why),
			"", "", fix)
		return
	}
}

// ctxOnlyFirst reports whether call passes a durable.Context as its
// first argument and nowhere else.
func (w *walker) ctxOnlyFirst(call *ast.CallExpr) bool {
	if len(call.Args) == 0 || !w.isCtxExpr(call.Args[0]) {
		return false
	}
	for _, a := range call.Args[1:] {
		if w.isCtxExpr(a) {
			return false
		}
	}
	return true
}

// takesDurableContext reports whether fn's first parameter is a
// durable.Context.
func takesDurableContext(fn *types.Func) bool {
	sig, ok := fn.Type().(*types.Signature)
	return ok && sig.Params().Len() > 0 && isDurableContext(sig.Params().At(0).Type())
}

// isCtxExpr reports whether e is a variable of type durable.Context.
func (w *walker) isCtxExpr(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := w.info.Uses[id].(*types.Var)
	return ok && isDurableContext(v.Type())
}

// ctxUse reports a closure that captures the workflow context.
func (w *walker) ctxUse(id *ast.Ident, v *types.Var, stack []ast.Node) {
	if !isDurableContext(v.Type()) {
		return
	}
	lit := inClosure(stack)
	if lit == nil || (v.Pos() >= lit.Pos() && v.Pos() < lit.End()) || w.captured[lit] || w.c.isCPLit(lit) {
		return
	}
	w.captured[lit] = true
	w.simple(ruleMisuse, id, "a closure captures the workflow context "+id.Name,
		"", "", "call steps and durable functions from the workflow body itself")
}

// checkCapture reports a durable.Do or SideEffect function that uses the
// workflow context instead of its own.
func (w *walker) checkCapture(lit *ast.FuncLit) {
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok || w.captured[lit] {
			return !w.captured[lit]
		}
		if v, ok := w.info.Uses[id].(*types.Var); ok && isDurableContext(v.Type()) && (v.Pos() < lit.Pos() || v.Pos() >= lit.End()) {
			w.captured[lit] = true
			w.simple(ruleMisuse, id, "a step function captures the workflow context "+id.Name,
				"", "", "use the step's own context.Context parameter")
		}
		return true
	})
}

// compositeCtx reports the workflow context stored in a composite literal.
func (w *walker) compositeCtx(lit *ast.CompositeLit) {
	if w.wf == nil {
		return
	}
	for _, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			e = kv.Value
		}
		if w.isCtxExpr(e) {
			w.simple(ruleMisuse, e, fmt.Sprintf("the workflow context %s is stored in a composite literal", types.ExprString(e)),
				"", "", "pass it directly to each step, workflow or durable call")
		}
	}
}

// funcRef checks a function or method used as a value instead of called:
// a step or workflow (a call through a value is not a checkpoint), a
// source, or a non-deterministic helper. A function passed on is passed
// on to be called, so a helper is treated as called where it is named:
// reported in a workflow, followed from a helper.
func (w *walker) funcRef(id *ast.Ident, fn *types.Func, stack []ast.Node) {
	if isDurable(fn) || isInterfaceMethod(fn) || (w.wf == nil && w.c.std) {
		return
	}
	node, call := refContext(id, stack)
	if call != nil && ast.Unparen(call.Fun) == node {
		return // a call, checked by call
	}
	isStep, isWorkflow := w.c.isStep(fn), w.c.isWorkflow(fn)
	isHelper := w.wf != nil && w.c.isHelper(fn)
	if call != nil {
		if f := w.callee(call); f != nil && isDurable(f) {
			switch f.Name() {
			case names.Do, names.Go, names.Compensate:
				return // a step function given to a durable combinator
			case names.SideEffect:
				if !isStep && !isWorkflow {
					return // recorded once: what SideEffect is for
				}
			}
		}
	}
	src, isSource := lookupSource(fn)
	switch {
	case isSource:
		name := qualifiedName(fn)
		w.add(&finding{
			rule: src.rule, pos: node.Pos(), end: node.End(),
			msg:  name + " used as a function value in workflow code " + src.what + "; " + src.fix,
			desc: "uses " + name + " as a function value", why: name + " " + src.what, fix: src.fix,
		})
	case isStep || isWorkflow || isHelper:
		if w.wf == nil {
			return
		}
		kind := "step"
		switch {
		case isWorkflow:
			kind = "workflow"
		case isHelper:
			kind = "helper"
		}
		w.simple(ruleMisuse, node, fmt.Sprintf("%s %s is used as a value; a call through a function value is not a checkpoint", kind, localName(fn, w.c.pass.Pkg)),
			"", "", "call it directly")
	case w.wf == nil:
		w.calls = append(w.calls, callSite{fn: fn, pos: node.Pos()})
	default:
		if r := w.c.reasonOf(fn); r != nil {
			w.inherited(node, fn, r, "uses %s as a function value")
		}
	}
}

// refContext returns the expression that names a function through id
// (id, pkg.F, x.M, F[T]) and the call whose argument or function it is.
func refContext(id *ast.Ident, stack []ast.Node) (ast.Node, *ast.CallExpr) {
	var node ast.Node = id
	i := len(stack) - 1
	if sel, ok := stack[i].(*ast.SelectorExpr); ok && sel.Sel == id {
		node, i = sel, i-1
	}
	for ; i >= 0; i-- {
		switch x := stack[i].(type) {
		case *ast.ParenExpr:
			continue
		case *ast.IndexExpr:
			if x.X == node {
				node = x
				continue
			}
		case *ast.IndexListExpr:
			if x.X == node {
				node = x
				continue
			}
		case *ast.CallExpr:
			return node, x
		}
		break
	}
	return node, nil
}

// ignoredError reports a step or durable call whose error is dropped.
func (w *walker) ignoredError(stmt *ast.ExprStmt) {
	if w.wf == nil {
		return
	}
	call, ok := ast.Unparen(stmt.X).(*ast.CallExpr)
	if !ok {
		return
	}
	fn := w.callee(call)
	if fn == nil {
		return
	}
	name := ""
	switch {
	case isDurable(fn):
		switch fn.Name() {
		case names.Do, names.Sleep, names.SleepUntil, names.Await:
			name = "durable." + fn.Name()
		}
	case w.c.isStep(fn):
		name = "step " + localName(fn, w.c.pass.Pkg)
	case w.c.isWorkflow(fn):
		name = "child workflow " + localName(fn, w.c.pass.Pkg)
	case w.c.isHelper(fn):
		name = "helper " + localName(fn, w.c.pass.Pkg)
	}
	res := fn.Type().(*types.Signature).Results()
	if name == "" || res.Len() == 0 || !types.Identical(res.At(res.Len()-1).Type(), types.Universe.Lookup("error").Type()) {
		return
	}
	w.simple(ruleMisuse, call, "the error of "+name+" is ignored, so a failure goes unnoticed",
		"", "", "handle or return the error")
}

// receiverWrite reports an assignment through the receiver of a
// workflow method.
func (w *walker) receiverWrite(id *ast.Ident, v *types.Var) {
	if w.wf.recv == nil || v != w.wf.recv {
		return
	}
	e, ok := w.writes[id]
	if !ok || ast.Unparen(e) == id {
		return
	}
	w.simple(ruleGlobal, e, fmt.Sprintf("%s writes %s: the receiver is shared by every instance and is not saved at a checkpoint", w.wf.title(), types.ExprString(e)),
		"", "", "keep state in local variables")
}

// packageVar checks a use of a package-level variable.
func (w *walker) packageVar(id *ast.Ident, v *types.Var) {
	name := v.Pkg().Name() + "." + v.Name()
	if s, ok := lookupVarSource(v); ok {
		w.add(&finding{
			rule: s.rule, pos: id.Pos(), end: id.End(),
			msg:  name + " in workflow code " + s.what + "; " + s.fix,
			desc: "uses " + name, why: name + " " + s.what, fix: s.fix,
		})
		return
	}
	if e, ok := w.writes[id]; ok {
		w.simple(ruleGlobal, e, fmt.Sprintf("%s writes package variable %s, which is shared by every instance and not saved at a checkpoint", w.subject(), name),
			"writes package variable "+name, "package variable "+name+" is shared and not saved", "pass state through the input and results")
		return
	}
	if w.c.isWritten(v) {
		w.simple(ruleGlobal, id, fmt.Sprintf("%s reads package variable %s, which is assigned at run time, so its value can differ on resume", w.reader(), name),
			"reads package variable "+name, "package variable "+name+" is assigned at run time, so its value can differ on resume",
			"pass the value in the workflow input, or make it a constant")
	}
}

// reader names the code being checked in messages about reads.
func (w *walker) reader() string {
	if w.wf != nil {
		return "workflow code"
	}
	return qualifiedName(w.fi.obj)
}

// subject names the code being checked in messages.
func (w *walker) subject() string {
	if w.wf != nil {
		return w.wf.title()
	}
	return qualifiedName(w.fi.obj)
}

// collectWrites records the package-level variables assigned outside
// package initialization and exports a writtenFact for them.
func (c *checker) collectWrites() {
	if c.std {
		return
	}
	for _, f := range c.funcs {
		if f.isInit() {
			continue
		}
		w := newWalker(c, f, nil)
		ast.Inspect(f.body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if n.Tok != token.DEFINE {
					for _, l := range n.Lhs {
						c.noteWrite(w.rootIdent(l))
					}
				}
			case *ast.IncDecStmt:
				c.noteWrite(w.rootIdent(n.X))
			case *ast.UnaryExpr:
				if n.Op == token.AND {
					c.noteWrite(w.rootIdent(n.X))
				}
			case *ast.RangeStmt:
				if n.Tok == token.ASSIGN {
					for _, e := range []ast.Expr{n.Key, n.Value} {
						if e != nil {
							c.noteWrite(w.rootIdent(e))
						}
					}
				}
			}
			return true
		})
	}
	for v, pos := range c.written {
		if v.Pkg() == c.pass.Pkg {
			c.pass.ExportObjectFact(v, &writtenFact{Pos: c.pass.Fset.Position(pos).String()})
		}
	}
}

func (c *checker) noteWrite(id *ast.Ident) {
	if id == nil {
		return
	}
	v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok || !isPackageVar(v) {
		return
	}
	if _, seen := c.written[v]; !seen {
		c.written[v] = id.Pos()
	}
}
