package codegen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/durablegen/durable/internal/graph"
	"github.com/durablegen/durable/internal/names"
)

// Helper functions that make checkpoints.
//
// A function of the workflow's package that takes the durable.Context as
// its first parameter and makes checkpoints (steps, sleeps, waits, child
// workflows, other such helpers) is compiled into a machine of its own,
// whose frame nests in its caller's: a call stores the callee's frame in
// a field of the caller's frame, runs it, and takes its results when it
// returns. Each checkpoint inside the helper commits the whole instance,
// so a crash inside the helper resumes inside it, at its checkpoint, with
// its locals, and the caller is resumed at the call.
//
// The caller's frame field points to the callee's frame while the call is
// in progress and is nil otherwise; it is stored as a nested object
// (runtime.Encoder.Frame). The arguments are evaluated once, when the call
// starts, into the callee's parameters; the callee returns through its
// ret method, which records the results in the callee's frame for the
// caller to read.

// helperCallSite is a call of helper h, run by state.
type helperCallSite struct {
	state int
	h     *helperFn
}

// helperFn is a helper function of the package being compiled.
type helperFn struct {
	decl *ast.FuncDecl
	file *ast.File
	obj  *types.Func
	sig  *types.Signature
	// calls are the helpers this one calls (outside function literals).
	calls []*helperFn

	// Filled when the helper is compiled.
	compiled  bool
	failed    bool
	l         *lowerer
	frameType string
	// paramFields are the frame fields of the parameters after the
	// context, in order; "" for a parameter that is not a field.
	paramFields []string
	recvField   string // the receiver's field, "" for a function
	resFields   []string
	text        [2]string // declarations and machine
	layout      Layout
	// writes holds the parameters (after the context, by index) whose
	// memory the helper may write through, with the first such write.
	writes map[int]shareWrite
	errs   errorUses
	// reassigned holds the parameters (after the context, by index) that
	// the helper assigns to, or whose address it takes: those a caller
	// cannot re-link (see relink).
	reassigned map[int]bool
	// closure is set for a function literal compiled as a helper, foreign
	// for an exported helper of another package, compiled there (see
	// foreign_helpers.go).
	closure *closureHelperInfo
	foreign *foreignHelper
}

// name is how messages and layouts name the helper.
func (h *helperFn) name() string {
	if h.foreign != nil {
		return h.foreign.pkg.Name() + "." + h.obj.Name()
	}
	if recv := h.sig.Recv(); recv != nil {
		return recvTypeName(recv) + "." + h.obj.Name()
	}
	return h.obj.Name()
}

// what names the helper in messages: "helper f", or "function literal f"
// for a literal compiled as a helper.
func (h *helperFn) what() string {
	if h.closure != nil {
		return "function literal " + h.name()
	}
	return "helper " + h.name()
}

// findHelpers returns the functions of pkg that take a durable.Context
// first and make checkpoints, directly or through one another.
func findHelpers(cls *classifier, syntax []*ast.File, fset *token.FileSet) map[*types.Func]*helperFn {
	cands := map[*types.Func]*helperFn{}
	for _, f := range syntax {
		if strings.HasSuffix(fset.PositionFor(f.Pos(), false).Filename, "_durable.go") {
			continue
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fn, _ := cls.info.Defs[fd.Name].(*types.Func)
			if fn == nil || cls.workflows[fn] || cls.dirs.step(fn) != nil {
				continue
			}
			sig := fn.Type().(*types.Signature)
			if sig.Params().Len() == 0 || !isDurableContext(sig.Params().At(0).Type()) {
				continue
			}
			cands[fn] = &helperFn{decl: fd, file: f, obj: fn, sig: sig}
		}
	}
	for _, h := range cands {
		h.reassigned = reassignedParams(cls.info, h)
	}
	cls.helpers = map[*types.Func]*helperFn{}
	for changed := true; changed; {
		changed = false
		for fn, h := range cands {
			if cls.helpers[fn] != nil {
				continue
			}
			if containsCheckpoint(h.decl.Body, func(c *ast.CallExpr) bool { return cls.classify(c).kind != cpNone || isCompensate(cls.info, c) }) {
				cls.helpers[fn] = h
				changed = true
			}
		}
	}
	cls.ctxFuncs, cls.plain = map[*types.Func]*helperFn{}, map[*types.Func]bool{}
	for fn, h := range cands {
		if cls.helpers[fn] == nil {
			cls.ctxFuncs[fn] = h
		}
	}
	for _, h := range cls.helpers {
		h.calls = directHelperCalls(cls, h.decl.Body)
	}
	return cls.helpers
}

// directHelperCalls returns the helpers body calls outside function
// literals, in order of their first call.
func directHelperCalls(cls *classifier, body *ast.BlockStmt) []*helperFn {
	var out []*helperFn
	seen := map[*helperFn]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if cp := cls.classify(n); cp.kind == cpHelper && !seen[cp.helper] {
				seen[cp.helper] = true
				out = append(out, cp.helper)
			}
		}
		return true
	})
	return out
}

// ctxFuncDecls returns the functions of files that take a durable.Context
// first (workflows and helpers among them), and the file of each.
func ctxFuncDecls(syntax []*ast.File, fset *token.FileSet) ([]*ast.FuncDecl, map[*ast.FuncDecl]*ast.File) {
	var fns []*ast.FuncDecl
	files := map[*ast.FuncDecl]*ast.File{}
	for _, f := range syntax {
		if strings.HasSuffix(fset.PositionFor(f.Pos(), false).Filename, "_durable.go") {
			continue
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				fns = append(fns, fd)
				files[fd] = f
			}
		}
	}
	return fns, files
}

// reachableHelpers returns the helpers that bodies call, directly or
// through other helpers: those that must be compiled.
func reachableHelpers(cls *classifier, bodies []*ast.BlockStmt) map[*types.Func]*helperFn {
	out := map[*types.Func]*helperFn{}
	var visit func(n ast.Node)
	visit = func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if cp := cls.classify(call); cp.kind == cpHelper && cp.helper.foreign == nil && out[cp.helper.obj] == nil {
					out[cp.helper.obj] = cp.helper
					visit(cp.helper.decl.Body)
				}
			}
			return true
		})
	}
	for _, b := range bodies {
		visit(b)
	}
	return out
}

// helperOrder returns the helpers in source order.
func helperOrder(fset *token.FileSet, helpers map[*types.Func]*helperFn) []*helperFn {
	out := make([]*helperFn, 0, len(helpers))
	for _, h := range helpers {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := fset.Position(out[i].decl.Pos()), fset.Position(out[j].decl.Pos())
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	return out
}

// cycle returns the call path from h back to itself, if h is recursive.
func (h *helperFn) cycle() []*helperFn {
	return graph.Cycle(h, func(g *helperFn) []*helperFn { return g.calls })
}

// helperUnit returns the compilation unit of a helper: a workflow value
// whose ctx is the helper's context parameter and which has no input.
func helperUnit(pkg *packages.Package, h *helperFn) *workflow {
	wf := &workflow{pkg: pkg, file: h.file, decl: h.decl, obj: h.obj, sig: h.sig, helper: h}
	wf.ctx = h.sig.Params().At(0)
	if recv := h.sig.Recv(); recv != nil {
		wf.recv = recv
	}
	return wf
}

// helperSignature checks what a helper's declaration may be.
func (c *checker) helperSignature(wf *workflow) bool {
	h, d := wf.helper, wf.decl

	if recv := h.sig.Recv(); recv != nil {
		if n, ok := types.Unalias(deref(recv.Type())).(*types.Named); ok && n.TypeParams().Len() > 0 {
			c.errorf(d.Recv.Pos(), "helper %s makes checkpoints and is a method of a generic type: not supported; use a non-generic receiver", h.name())
			return false
		}
	}
	if cyc := h.cycle(); cyc != nil {
		var names []string
		for _, g := range cyc {
			names = append(names, g.name())
		}
		c.errorf(d.Name.Pos(), "helper %s makes checkpoints and is recursive (%s): a recursive helper is not supported; use a loop", h.name(), strings.Join(names, " calls "))
		return false
	}
	return true
}

// helperField returns the caller's frame field that holds the frame of a
// call to h in progress.
func (l *lowerer) helperField(h *helperFn, inst string) *field {
	for _, f := range l.fields {
		if f.helper == h && f.inst == inst {
			return f
		}
	}
	pos := h.obj.Pos()
	if h.decl != nil {
		pos = h.decl.Pos()
	}
	f := l.addField(lowerFirst(h.obj.Name()), nil, nil, true, pos)
	f.helper, f.inst = h, inst
	return f
}

// helperCall lowers a call of helper h: it starts the callee's frame with
// the arguments, then, in a state of its own that a resume re-enters,
// runs it until it returns and takes its results.
func (l *lowerer) helperCall(call *ast.CallExpr, cp checkpoint, dest []string) []string {
	h := cp.helper
	if h.closure != nil && h.closure.call == call {
		l.closureDef(h) // a literal called where it is written
	}
	results := l.resultTypes(call, cp)
	if dest == nil {
		for _, t := range results {
			dest = append(dest, l.temp(t, call.Pos()))
		}
	}
	if h.l == nil && h.foreign == nil {
		return dest // the helper did not compile: reported there
	}
	k := h.ctxParams()
	ops := call.Args[min(k, len(call.Args)):]
	sel, isMethod := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	isMethod = isMethod && l.info.Selections[sel] != nil
	recvExpr := ""
	if isMethod {
		recvExpr = l.helperReceiver(sel.X, h)
	}
	var args []ast.Expr
	if len(ops) > 0 {
		args = l.operands(ops)
	}
	inst := l.instText(call)
	fld := l.helperField(h, inst)
	ref := l.fv + "." + fld.name
	params := h.sig.Params()
	var inits []string
	n := params.Len() - k // parameters after the context
	for i := 0; i < n; i++ {
		var val string
		switch {
		case h.sig.Variadic() && i == n-1 && !call.Ellipsis.IsValid():
			var rest []string
			for _, a := range args[i:] {
				rest = append(rest, l.print(a))
			}
			if len(rest) == 0 {
				val = "nil"
			} else {
				val = fmt.Sprintf("%s{%s}", l.tp.text(params.At(i+k).Type()), strings.Join(rest, ", "))
			}
		default:
			val = l.print(args[i])
		}
		if h.foreign != nil {
			inits = append(inits, val) // the constructor's arguments
			continue
		}
		if h.paramFields[i] == "" {
			if i < len(ops) && !l.stable(ops[i]) {
				l.emit(ops[i].Pos(), "_ = "+val)
			}
			continue
		}
		inits = append(inits, h.paramFields[i]+": "+val)
	}
	if h.foreign != nil {
		l.emit(call.Pos(), fmt.Sprintf("%s = %s(%s)", ref, l.q.marker(h.foreign.pkg.Path(), exportNewName(h.obj.Name())), strings.Join(inits, ", ")))
	} else {
		l.emit(call.Pos(), fmt.Sprintf("%s = &%s%s{%s}", ref, h.frameType, inst, strings.Join(inits, ", ")))
	}
	st := l.newBlock()
	l.jump(st)
	l.cur = st
	if h.recvField != "" && recvExpr != "" {
		l.emit(call.Pos(), fmt.Sprintf("%s.%s = %s", ref, h.recvField, recvExpr))
	}
	if h.closure != nil {
		// The literal reaches the variables it captures in this frame.
		l.emit(call.Pos(), fmt.Sprintf("%s.%s = %s", ref, h.closure.upField, l.fv))
	}
	for i := range n {
		if h.foreign == nil && i < len(ops) && h.paramFields[i] != "" {
			if e, ok := l.relink(h, i, ops[i]); ok {
				l.emit(ops[i].Pos(), fmt.Sprintf("%s.%s = %s", ref, h.paramFields[i], e))
			}
		}
	}
	l.calls = append(l.calls, helperCallSite{st.id, h})
	l.emit(call.Pos(), fmt.Sprintf("if err := %s.Run(%s); err != nil {\nreturn err\n}", ref, l.xv))
	for _, a := range l.allocs {
		l.emit(call.Pos(), a)
	}
	l.allocs = nil
	var lhs, rhs []string
	for i, d := range dest {
		if d != "_" {
			lhs = append(lhs, d)
			if h.foreign == nil {
				rhs = append(rhs, ref+"."+h.resFields[i])
			}
		}
	}
	switch {
	case h.foreign != nil && len(dest) > 0:
		all := make([]string, len(dest))
		copy(all, dest)
		l.emit(call.Pos(), strings.Join(all, ", ")+" = "+ref+".Results()")
	case len(lhs) > 0:
		l.emit(call.Pos(), strings.Join(lhs, ", ")+" = "+strings.Join(rhs, ", "))
	}
	l.emit(token.NoPos, ref+" = nil")
	return dest
}

// helperReceiver returns the expression that gives a helper method its
// receiver each time its frame runs: the caller's own receiver, which is
// supplied by the worker and never stored.
func (l *lowerer) helperReceiver(x ast.Expr, h *helperFn) string {
	if id, ok := ast.Unparen(x).(*ast.Ident); ok && l.wf.recv != nil && l.info.Uses[id] == l.wf.recv {
		if f := l.frame[l.wf.recv]; f != nil {
			_, have := l.wf.recv.Type().(*types.Pointer)
			_, want := h.sig.Recv().Type().(*types.Pointer)
			switch {
			case have && !want:
				return "*" + l.ref(f)
			case want && !have:
				return "&" + l.ref(f)
			}
			return l.ref(f)
		}
	}
	l.diags.add(l.fset, x.Pos(), "helper method %s makes checkpoints and is called on %s: a helper method can only be called on the receiver of the workflow (or helper) calling it, which the worker supplies on every resume; make it a function that takes the value as a parameter", h.name(), exprString(x))
	return ""
}

// helperResults makes the frame fields a helper's ret method fills.
func (l *lowerer) helperResults() {
	h := l.wf.helper
	res := h.sig.Results()
	h.resFields = nil
	for i := range res.Len() {
		f := l.addField("res", res.At(i).Type(), nil, false, h.decl.Pos())
		h.resFields = append(h.resFields, f.name)
	}
}

// helperReturn returns the call that ends the helper with args: its ret
// method, which returns nil.
func (l *lowerer) helperReturn(args []string) string {
	return fmt.Sprintf("%s.ret(%s)", l.fv, strings.Join(args, ", "))
}

// emitHelper returns the generated declarations of a helper: its frame
// type, sites, frame codec, ret method, and machine.
func (l *lowerer) emitHelper() (decls, machine string) {
	h := l.wf.helper
	fv, xv := l.fv, l.xv
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	for _, d := range l.decls {
		w("%s\n\n", d)
	}
	w("// %s is the frame of %s, nested in the frame of its caller\n// while a call is in progress: its machine state and the variables that\n// live across its checkpoints.\n", l.frameType, h.what())
	l.emitFrameType(w)
	l.emitSites(w)
	l.emitCodec(w)
	l.emitClosures(w)
	w("%s", l.emitSaga(l.frameType))
	res := h.sig.Results()
	var params, assigns []string
	for i := range res.Len() {
		p := fmt.Sprintf("r%d", i)
		params = append(params, p+" "+l.tp.text(res.At(i).Type()))
		assigns = append(assigns, fmt.Sprintf("%s.%s = %s", fv, h.resFields[i], p))
	}
	w("// ret ends the call with its results, for the caller to take.\nfunc (%s *%s) ret(%s) error {\n", fv, l.frameType, strings.Join(params, ", "))
	for _, a := range assigns {
		w("%s\n", a)
	}
	w("return nil\n}\n\n")
	decls = b.String()
	b.Reset()
	w("// Run executes the helper from its current state until it returns\n// (nil) or a checkpoint suspends the instance.\nfunc (%s *%s) Run(%s *%s) error {\n", fv, l.frameType, xv, l.q.marker(names.RuntimePkg, "Exec"))
	l.thread()
	w("%s", l.machineBody())
	return decls, b.String()
}

// helperLayout adds the layouts of the helpers the unit calls to lay: the
// call's field, and the callee's checkpoints and fields under it.
func (l *lowerer) helperLayout(lay *Layout) {
	for _, c := range l.calls {
		lay.Sites = append(lay.Sites, LayoutSite{ID: c.state, Kind: "call", Name: c.h.name()})
	}
	for _, f := range l.fields {
		h := f.helper
		if h == nil {
			continue
		}
		if h.foreign != nil {
			// Compiled in its package, which gives its layout's hash.
			lay.Fields = append(lay.Fields, LayoutField{Name: f.name, Type: "frame " + h.foreign.pkg.Path() + "." + h.obj.Name() + " " + h.foreign.layout})
			continue
		}
		sub := h.layout
		if f.inst != "" {
			lay.Fields = append(lay.Fields, LayoutField{Name: f.name, Type: "frame " + h.name() + f.inst})
		}
		for _, s := range sub.Sites {
			s.Name = h.name() + "." + s.Name
			lay.Sites = append(lay.Sites, s)
		}
		lay.Fields = append(lay.Fields, LayoutField{Name: f.name, Type: "frame " + h.name()})
		for _, sf := range sub.Fields {
			sf.Name = f.name + "." + sf.Name
			lay.Fields = append(lay.Fields, sf)
		}
		lay.Types = mergeTypes(lay.Types, sub.Types)
	}
}

// mergeTypes returns the union of two sorted type lists.
func mergeTypes(a, b []LayoutType) []LayoutType {
	seen := map[string]bool{}
	var out []LayoutType
	for _, t := range append(append([]LayoutType(nil), a...), b...) {
		if !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// mergeHelperErrors adds the known errors of the helpers the unit calls
// to its own: the workflow's descriptor registers them all.
func (l *lowerer) mergeHelperErrors() {
	for _, f := range l.fields {
		if f.helper == nil {
			continue
		}
		for _, g := range append(f.helper.errs.foreign, f.helper) {
			if g.foreign != nil && !slices.Contains(l.errs.foreign, g) {
				l.errs.foreign = append(l.errs.foreign, g)
			}
		}
		for _, s := range f.helper.errs.sentinels {
			if !slices.Contains(l.errs.sentinels, s) {
				l.errs.sentinels = append(l.errs.sentinels, s)
			}
		}
		for _, t := range f.helper.errs.types {
			if !slices.ContainsFunc(l.errs.types, func(u types.Type) bool { return types.Identical(t, u) }) {
				l.errs.types = append(l.errs.types, t)
			}
		}
	}
	sort.Slice(l.errs.sentinels, func(i, j int) bool {
		a, b := l.errs.sentinels[i], l.errs.sentinels[j]
		if a.Pkg().Path() != b.Pkg().Path() {
			return a.Pkg().Path() < b.Pkg().Path()
		}
		return a.Name() < b.Name()
	})
}

// reassignedParams returns the parameters of h (after the context) that
// its body assigns, increments, ranges into or takes the address of, as
// a whole or in part (a field of a struct, an element of an array: the
// parameter's own memory, which a re-link would overwrite).
func reassignedParams(info *types.Info, h *helperFn) map[int]bool {
	index := map[*types.Var]int{}
	k := h.ctxParams()
	for i := k; i < h.sig.Params().Len(); i++ {
		index[h.sig.Params().At(i)] = i - k
	}
	out := map[int]bool{}
	mark := func(e ast.Expr) {
		if v := addressedVar(info, e); v != nil {
			if i, ok := index[v]; ok {
				out[i] = true
			}
		}
	}
	ast.Inspect(h.decl.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, lhs := range n.Lhs {
				mark(lhs)
			}
		case *ast.IncDecStmt:
			mark(n.X)
		case *ast.RangeStmt:
			if n.Key != nil {
				mark(n.Key)
			}
			if n.Value != nil {
				mark(n.Value)
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				mark(n.X)
			}
		}
		return true
	})
	return out
}

// relink returns the expression that gives parameter i of a call of h
// the caller's own memory again each time the call's state is entered
// (after a resume too), so that writes through it show in the caller as
// in Go: for an argument that names a stored variable of the caller, or
// a field of one, or its address, when the helper never reassigns the
// parameter. The two were restored from the same commit, so they hold
// the same values; re-linking makes them share again. The argument is
// evaluated again on each entry, so an element of an array qualifies
// only at a constant index: another index could have changed since the
// call started, or make a checkpoint of its own.
func (l *lowerer) relink(h *helperFn, i int, arg ast.Expr) (string, bool) {
	if h.foreign != nil || h.reassigned[i] || h.sig.Variadic() && i == h.sig.Params().Len()-1-h.ctxParams() {
		return "", false
	}
	e := ast.Unparen(arg)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	if !constIndices(l.info, e) {
		return "", false
	}
	v := addressedVar(l.info, e)
	if v == nil {
		return "", false
	}
	f := l.frame[v]
	if f == nil || !f.ser || f.helper != nil {
		return "", false
	}
	if !isAddr(arg) && !holdsRefs(l.info.TypeOf(arg)) {
		return "", false // a value: nothing to share
	}
	return l.print(l.rwExpr(arg)), true
}

// constIndices reports whether every index on the path of e (fields
// and array elements, as addressedVar walks it) is a constant.
func constIndices(info *types.Info, e ast.Expr) bool {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			if tv, ok := info.Types[x.Index]; !ok || tv.Value == nil {
				return false
			}
			e = x.X
		default:
			return true
		}
	}
}

func isAddr(e ast.Expr) bool {
	u, ok := ast.Unparen(e).(*ast.UnaryExpr)
	return ok && u.Op == token.AND
}

// plainCtxFunc reports whether fn is a function of the package that takes
// the durable.Context first, makes no checkpoints, and uses its context
// only as the argument of functions of package durable or of other such
// functions: calling it with the workflow's context is ordinary code
// between checkpoints (durable.IdempotencyKey, durable.UUID and the like
// give the same values when a run resumes).
func (c *classifier) plainCtxFunc(fn *types.Func) bool {
	if fn == nil {
		return false
	}
	fn = fn.Origin()
	h := c.ctxFuncs[fn]
	if h == nil {
		return false
	}
	if ok, seen := c.plain[fn]; seen {
		return ok
	}
	c.plain[fn] = true // a cycle of such functions is plain if the rest is
	ctx := h.sig.Params().At(0)
	allowed := map[*ast.Ident]bool{}
	ok := true
	ast.Inspect(h.decl.Body, func(n ast.Node) bool {
		call, isCall := n.(*ast.CallExpr)
		if !isCall || !ok {
			return ok
		}
		callee, _ := c.info.Uses[calleeIdent(call.Fun)].(*types.Func)
		for i, a := range call.Args {
			id, isID := ast.Unparen(a).(*ast.Ident)
			if !isID || c.info.Uses[id] != ctx {
				continue
			}
			switch {
			case callee != nil && callee.Pkg() != nil && callee.Pkg().Path() == names.DurablePkg:
				allowed[id] = true
			case i == 0 && c.plainCtxFunc(callee):
				allowed[id] = true
			default:
				ok = false
			}
		}
		return ok
	})
	if ok {
		ast.Inspect(h.decl.Body, func(n ast.Node) bool {
			if id, isID := n.(*ast.Ident); isID && c.info.Uses[id] == ctx && !allowed[id] {
				ok = false // stored, returned, captured or passed elsewhere
			}
			return ok
		})
	}
	c.plain[fn] = ok
	return ok
}
