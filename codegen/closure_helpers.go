package codegen

import (
	"go/ast"
	"go/types"
	"slices"
	"sort"
	"strings"

	"github.com/durablegen/durable/internal/cplit"
)

// Function literals that make checkpoints.
//
// A literal of a workflow (or helper) body that makes checkpoints is
// compiled like a helper when it is assigned once to a local variable and
// that variable is only called, by name, in the body that defines it:
//
//	notify := func(msg string) error {
//		_, err := Send(ctx, in.User, msg) // a step: a checkpoint
//		return err
//	}
//	if err := notify("welcome"); err != nil { ... }
//
// Each call runs the literal's machine in a frame nested in the caller's,
// as a helper's call does, so a crash inside it resumes inside it. Go
// captures variables by reference: the literal's machine reads and writes
// the captured variables in the caller's frame itself (its frame's up
// field, set each time the call's state runs, after a resume too), so
// writes on either side show on the other as in Go. The captured
// variables are stored with the caller's frame across the call.
//
// The literal uses the context of the body that defines it, or a
// durable.Context parameter of its own.

// closureHelperInfo is what a helper compiled from a function literal
// has beyond a helper function's.
type closureHelperInfo struct {
	lit *ast.FuncLit
	// v is the variable that holds the literal; def is its definition.
	// call is set instead for a literal called where it is written.
	v    *types.Var
	def  ast.Stmt
	call *ast.CallExpr
	// encl is the function that defines the literal, and ctx its
	// durable.Context parameter.
	encl *ast.FuncDecl
	ctx  *types.Var
	// captured are the enclosing function's variables the literal uses
	// (the context excluded), in source order.
	captured []*types.Var
	// Set when the caller compiles the literal: the caller's frame type
	// and its fields for the captured variables, and the literal's field
	// that points to the caller's frame.
	parentFrame string
	up          map[*types.Var]*field
	upField     string
	key         string // its sagaKey, once computed
}

// ctxParams returns the number of leading durable.Context parameters of
// the helper: 1, or 0 for a literal that uses its caller's context.
func (h *helperFn) ctxParams() int {
	if h.closure != nil && (h.sig.Params().Len() == 0 || !isDurableContext(h.sig.Params().At(0).Type())) {
		return 0
	}
	return 1
}

// litMakesCheckpoints reports whether lit, a literal of a function whose
// context is ctx, makes a checkpoint outside its own nested literals: a
// call of package durable's checkpoints, or a step or helper called with
// ctx or the literal's own durable.Context.
func litMakesCheckpoints(cls *classifier, lit *ast.FuncLit, ctx *types.Var) bool {
	ctxs := map[types.Object]bool{}
	if ctx != nil {
		ctxs[ctx] = true
	}
	if sig, ok := cls.info.TypeOf(lit).(*types.Signature); ok && sig.Params().Len() > 0 && isDurableContext(sig.Params().At(0).Type()) {
		ctxs[sig.Params().At(0)] = true
	}
	found := false
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if isCompensate(cls.info, n) {
				found = true
				return false
			}
			switch cp := cls.classify(n); cp.kind {
			case cpNone:
			case cpStep, cpHelper, cpWorkflow:
				for _, a := range n.Args {
					if id, ok := ast.Unparen(a).(*ast.Ident); ok && ctxs[cls.info.Uses[id]] {
						found = true
					}
				}
			default:
				found = true
			}
		}
		return true
	})
	return found
}

// findClosureHelpers registers the function literals of fns that make
// checkpoints and can be compiled (cls.closureHelpers), and says why of
// the others (cls.closureRefusals); it returns how many it registered.
// fns are the package's functions with bodies; those that take a
// durable.Context first (workflows and helpers among them) are searched.
func findClosureHelpers(cls *classifier, fns []*ast.FuncDecl, files map[*ast.FuncDecl]*ast.File) int {
	n := 0
	for _, fd := range fns {
		fn, _ := cls.info.Defs[fd.Name].(*types.Func)
		if fn == nil {
			continue
		}
		sig := fn.Type().(*types.Signature)
		if sig.Params().Len() == 0 || !isDurableContext(sig.Params().At(0).Type()) {
			continue
		}
		ctx := sig.Params().At(0)
		makes := func(lit *ast.FuncLit) bool { return litMakesCheckpoints(cls, lit, ctx) }
		for _, c := range cplit.Find(cls.fset, cls.info, fd.Body, makes) {
			if _, done := cls.closureRefusals[c.Lit]; done || cls.closureLits[c.Lit] != nil {
				continue
			}
			if !c.OK() {
				cls.closureRefusals[c.Lit] = c.Why
				continue
			}
			info := &closureHelperInfo{lit: c.Lit, v: c.V, def: c.Def, call: c.Call, encl: fd, ctx: ctx, captured: closureCaptures(cls.info, c.Lit, ctx)}
			lsig := cls.info.TypeOf(c.Lit).(*types.Signature)
			vname := "lit"
			if c.V != nil {
				vname = c.V.Name()
			}
			obj := types.NewFunc(c.Lit.Pos(), cls.pkg, vname, lsig)
			name := ast.NewIdent(encloseID(fn) + upperFirst(vname))
			name.NamePos = c.Lit.Pos()
			decl := &ast.FuncDecl{Name: name, Type: c.Lit.Type, Body: c.Lit.Body}
			h := &helperFn{decl: decl, file: files[fd], obj: obj, sig: lsig, closure: info}
			h.reassigned = reassignedParams(cls.info, h)
			if c.V != nil {
				cls.closureHelpers[c.V] = h
			}
			cls.closureLits[c.Lit] = h
			n++
		}
	}
	return n
}

// encloseID is the name of fn in generated identifiers.
func encloseID(fn *types.Func) string {
	if recv := fn.Type().(*types.Signature).Recv(); recv != nil {
		return recvTypeName(recv) + fn.Name()
	}
	return fn.Name()
}

// closureCaptures returns the variables of the enclosing function that
// lit uses, but ctx, in source order of their declarations.
func closureCaptures(info *types.Info, lit *ast.FuncLit, ctx *types.Var) []*types.Var {
	var out []*types.Var
	for v := range capturedVars(info, lit) {
		if v != ctx {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pos() < out[j].Pos() })
	return out
}

// closureUnit returns the compilation unit of a literal compiled as a
// helper.
func closureUnit(pkgWF *workflow, h *helperFn) *workflow {
	wf := &workflow{pkg: pkgWF.pkg, file: h.file, decl: h.decl, obj: h.obj, sig: h.sig, helper: h}
	if h.ctxParams() == 1 {
		wf.ctx = h.sig.Params().At(0)
	} else {
		wf.ctx = h.closure.ctx
	}
	return wf
}

// closureDef lowers the definition of a literal compiled as a helper: it
// compiles the literal against the caller's frame, and emits nothing.
func (l *lowerer) closureDef(h *helperFn) {
	ci := h.closure
	ci.parentFrame = l.frameType
	ci.up = map[*types.Var]*field{}
	ok := true
	for _, v := range ci.captured {
		f := l.frame[v]
		if f == nil {
			f = l.declare(v)
		}
		if l.goLocal[v] {
			ok = false // reported as a variable the frame cannot store
			continue
		}
		ci.up[v] = f
	}
	h.compiled = true
	if !ok {
		h.failed, h.l = true, nil
		return
	}
	cw := closureUnit(l.wf, h)
	sub := lowerUnit(cw, l.cls, l.q, l.pkgNames, l.diags)
	if sub == nil {
		h.failed, h.l = true, nil
		return
	}
	h.l, h.frameType = sub, sub.frameType
	h.text[0], h.text[1] = sub.emitHelper()
	h.layout = sub.layout()
	h.errs = sub.errs
	l.nested = append(l.nested, h)
}

// upFields gives a literal compiled as a helper its field pointing to
// its caller's frame, and makes the captured variables refer to the
// caller's fields through it.
func (l *lowerer) upFields() {
	ci := l.wf.helper.closure
	uf := l.addField("up", nil, nil, false, ci.lit.Pos())
	uf.raw = "*" + ci.parentFrame
	ci.upField = uf.name
	for _, v := range ci.captured {
		pf := ci.up[v]
		if pf == nil {
			continue
		}
		l.frame[v] = &field{name: uf.name + "." + pf.name, typ: pf.typ, v: v, pos: pf.pos, boxed: pf.boxed, up: true}
	}
}

// nestedText returns the generated declarations and machines of the
// literals compiled as helpers in the unit.
func (l *lowerer) nestedText() (decls, machines string) {
	var d, m []string
	for _, h := range l.nested {
		d = append(d, h.text[0])
		m = append(m, h.text[1])
	}
	return strings.Join(d, "\n\n"), strings.Join(m, "\n\n")
}

// closureDefOf returns the literal compiled as a helper that s defines,
// or nil.
func (l *lowerer) closureDefOf(s ast.Stmt) *helperFn {
	var lit *ast.FuncLit
	switch s := s.(type) {
	case *ast.AssignStmt:
		if len(s.Rhs) == 1 {
			lit, _ = s.Rhs[0].(*ast.FuncLit)
		}
	case *ast.DeclStmt:
		if gd, ok := s.Decl.(*ast.GenDecl); ok && len(gd.Specs) == 1 {
			if vs, ok := gd.Specs[0].(*ast.ValueSpec); ok && len(vs.Values) == 1 {
				lit, _ = vs.Values[0].(*ast.FuncLit)
			}
		}
	}
	if lit == nil {
		return nil
	}
	if h := l.cls.closureLits[lit]; h != nil && h.closure.def == s {
		return h
	}
	return nil
}

// closureLive adds to live the variables that the literals of decl
// compiled as helpers capture (a call reads and writes them across the
// literal's checkpoints), and removes the variables that hold the
// literals (never stored: a call runs the literal's machine).
func closureLive(cls *classifier, decl *ast.FuncDecl, live varSet) {
	for _, h := range cls.closureLits {
		if h.closure.encl != decl {
			continue
		}
		for _, v := range h.closure.captured {
			live[v] = true
		}
		if h.closure.v != nil {
			delete(live, h.closure.v)
		}
	}
}

// capturingLit returns a literal of the unit compiled as a helper that
// captures v, or nil.
func (l *lowerer) capturingLit(v *types.Var) *helperFn {
	if v == nil {
		return nil
	}
	for _, h := range l.cls.closureLits {
		if h.closure.encl == l.wf.decl && slices.Contains(h.closure.captured, v) {
			return h
		}
	}
	return nil
}

// litVarName returns the name of the variable a literal of fd is
// defined to, or "".
func litVarName(fd *ast.FuncDecl, lit *ast.FuncLit) string {
	name := ""
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Lhs) == 1 && len(n.Rhs) == 1 && n.Rhs[0] == lit {
				if id, ok := n.Lhs[0].(*ast.Ident); ok {
					name = id.Name
				}
			}
		case *ast.ValueSpec:
			if len(n.Names) == 1 && len(n.Values) == 1 && n.Values[0] == lit {
				name = n.Names[0].Name
			}
		}
		return name == ""
	})
	return name
}
