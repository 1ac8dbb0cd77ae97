package codegen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"
)

// Function values across a checkpoint.
//
// A variable of function type that is live across a checkpoint cannot be
// encoded, but it can be rebuilt: when every value it may hold is a
// function literal of the body, a package-level function, or nil, the
// frame stores which of them it holds, and a resume makes it again. The
// literals read and write the variables they capture through the frame
// (as all code of the machine does), so a rebuilt closure sees the same
// variables as the one it replaces, as Go's capture by reference does;
// those variables are stored at every checkpoint where the closure is.
//
// Each such literal becomes a method of the frame that returns it
// (litN), and the frame's closure table (a runtime.Closures) lists them
// with the package-level functions: MarshalFrame stores the table index
// of the value each variable holds, found by its code pointer, and
// UnmarshalFrame calls the entry again.

// closureEntry is a value a stored function variable may hold.
type closureEntry struct {
	index int // 1-based position in the frame's closure table
	lit   *ast.FuncLit
	// meth is a method value rebuilt as a literal calling the method on
	// recv (see method_values.go).
	meth   *ast.SelectorExpr
	recv   *types.Var
	fn     types.Object // a package-level function
	method string       // the frame method that makes lit
	text   string       // the rewritten literal, filled when lowered
	typ    types.Type
}

// closures are the function variables of a unit that are rebuilt on
// resume, with the values they may hold.
type closures struct {
	vars    map[*types.Var]bool
	entries []*closureEntry
	byLit   map[*ast.FuncLit]*closureEntry
	byMeth  map[*ast.SelectorExpr]*closureEntry
	// captured are the variables the entries' literals refer to: they are
	// stored at every checkpoint.
	captured varSet
	// problems says, for a live function variable that cannot be rebuilt,
	// why, and where.
	problems map[*types.Var]closureProblem
	table    string // the package-level name of the closure table
}

type closureProblem struct {
	pos token.Pos
	why string
}

// findClosures decides which live function variables of wf's body are
// rebuilt on resume. It adds the variables their literals capture to live.
func findClosures(wf *workflow, info *types.Info, live varSet, compiled map[*types.Var]*helperFn) *closures {
	cs := &closures{vars: map[*types.Var]bool{}, byLit: map[*ast.FuncLit]*closureEntry{}, byMeth: map[*ast.SelectorExpr]*closureEntry{}, captured: varSet{}, problems: map[*types.Var]closureProblem{}}
	isFuncVar := func(v *types.Var) bool {
		if v == nil || v.IsField() || v.Parent() == nil || v.Parent() == v.Pkg().Scope() || compiled[v] != nil {
			return false
		}
		_, ok := v.Type().Underlying().(*types.Signature)
		return ok && v.Pos() > wf.decl.Body.Pos() && v.Pos() < wf.decl.Body.End()
	}
	// The values assigned to each function variable of the body.
	sources := map[*types.Var][]ast.Expr{}
	var bad []struct {
		v   *types.Var
		pos token.Pos
		why string
	}
	varOf := func(e ast.Expr) *types.Var {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok {
			return nil
		}
		v, _ := info.ObjectOf(id).(*types.Var)
		if !isFuncVar(v) {
			return nil
		}
		return v
	}
	var lits []ast.Node // the function literals around the node
	ast.Inspect(wf.decl.Body, func(n ast.Node) bool {
		if n == nil {
			return true
		}
		for len(lits) > 0 && n.Pos() >= lits[len(lits)-1].End() {
			lits = lits[:len(lits)-1]
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			lits = append(lits, n)
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				v := varOf(lhs)
				if v == nil {
					continue
				}
				if len(lits) > 0 {
					bad = append(bad, struct {
						v   *types.Var
						pos token.Pos
						why string
					}{v, n.Pos(), "a function literal assigns it"})
					continue
				}
				if len(n.Rhs) != len(n.Lhs) {
					bad = append(bad, struct {
						v   *types.Var
						pos token.Pos
						why string
					}{v, n.Pos(), "it is assigned a result of " + exprString(n.Rhs[0])})
					continue
				}
				sources[v] = append(sources[v], n.Rhs[i])
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				v := varOf(id)
				if v == nil || len(n.Values) == 0 {
					continue
				}
				if len(n.Values) != len(n.Names) {
					bad = append(bad, struct {
						v   *types.Var
						pos token.Pos
						why string
					}{v, n.Pos(), "it is assigned a result of " + exprString(n.Values[0])})
					continue
				}
				sources[v] = append(sources[v], n.Values[i])
			}
		case *ast.UnaryExpr:
			if v := varOf(n.X); v != nil && n.Op == token.AND {
				bad = append(bad, struct {
					v   *types.Var
					pos token.Pos
					why string
				}{v, n.Pos(), "its address is taken"})
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if v := varOf(e); v != nil {
					bad = append(bad, struct {
						v   *types.Var
						pos token.Pos
						why string
					}{v, e.Pos(), "a range loop assigns it"})
				}
			}
		}
		return true
	})
	// A variable is rebuildable when all it is given is a literal that
	// does not use the workflow context, a package-level function, nil,
	// or another rebuildable variable.
	ok := map[*types.Var]bool{}
	for v := range sources {
		ok[v] = true
	}
	for _, b := range bad {
		ok[b.v] = false
		if _, seen := cs.problems[b.v]; !seen {
			cs.problems[b.v] = closureProblem{b.pos, b.why}
		}
	}
	for changed := true; changed; {
		changed = false
		for v, srcs := range sources {
			if !ok[v] {
				continue
			}
			for _, e := range srcs {
				why := closureSource(wf, info, e, func(w *types.Var) bool { return ok[w] })
				if why != "" {
					ok[v] = false
					cs.problems[v] = closureProblem{e.Pos(), why}
					changed = true
					break
				}
			}
		}
	}
	// The variables to rebuild, and every value that flows into them.
	var visit func(v *types.Var)
	seenVar := map[*types.Var]bool{}
	visit = func(v *types.Var) {
		if seenVar[v] {
			return
		}
		seenVar[v] = true
		for _, e := range sources[v] {
			e = ast.Unparen(e)
			switch x := e.(type) {
			case *ast.FuncLit:
				if cs.byLit[x] == nil {
					en := &closureEntry{lit: x, typ: info.TypeOf(x)}
					cs.byLit[x] = en
					cs.entries = append(cs.entries, en)
				}
			case *ast.SelectorExpr:
				if info.Selections[x] != nil {
					if cs.byMeth[x] == nil {
						id := ast.Unparen(x.X).(*ast.Ident) // checked by methodValueSource
						en := &closureEntry{meth: x, recv: info.Uses[id].(*types.Var), typ: info.TypeOf(x)}
						cs.byMeth[x] = en
						cs.entries = append(cs.entries, en)
					}
					continue
				}
				if fn := funcObject(info, x); fn != nil {
					found := false
					for _, en := range cs.entries {
						found = found || en.fn == fn
					}
					if !found {
						cs.entries = append(cs.entries, &closureEntry{fn: fn, typ: fn.Type()})
					}
				}
			default:
				if w := varOf(x); w != nil {
					visit(w)
					continue
				}
				if fn := funcObject(info, x); fn != nil {
					found := false
					for _, en := range cs.entries {
						found = found || en.fn == fn
					}
					if !found {
						cs.entries = append(cs.entries, &closureEntry{fn: fn, typ: fn.Type()})
					}
				}
			}
		}
	}
	var vars []*types.Var
	for v := range live {
		if isFuncVar(v) {
			vars = append(vars, v)
		}
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].Pos() < vars[j].Pos() })
	for _, v := range vars {
		if _, bad := cs.problems[v]; bad {
			continue
		}
		cs.vars[v] = true
		visit(v)
	}
	sort.SliceStable(cs.entries, func(i, j int) bool { return entryPos(cs.entries[i]) < entryPos(cs.entries[j]) })
	for i, en := range cs.entries {
		en.index = i + 1
		if en.lit != nil {
			for v := range capturedVars(info, en.lit) {
				cs.captured[v] = true
				live[v] = true
			}
		}
		if en.recv != nil && en.recv != wf.recv {
			cs.captured[en.recv] = true
			live[en.recv] = true
		}
	}
	return cs
}

func entryPos(en *closureEntry) token.Pos {
	if en.lit != nil {
		return en.lit.Pos()
	}
	if en.meth != nil {
		return en.meth.Pos()
	}
	return token.Pos(1<<31 - 1) // package functions after the literals, in the order found
}

// closureSource says why e cannot be rebuilt after a resume, or "".
func closureSource(wf *workflow, info *types.Info, e ast.Expr, rebuildable func(*types.Var) bool) string {
	e = ast.Unparen(e)
	switch x := e.(type) {
	case *ast.FuncLit:
		usesCtx := false
		ast.Inspect(x.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && info.Uses[id] == wf.ctx && wf.ctx != nil {
				usesCtx = true
			}
			return !usesCtx
		})
		if usesCtx {
			return "the function literal uses the workflow context"
		}
		return ""
	case *ast.Ident:
		if x.Name == "nil" {
			if _, isNil := info.Uses[x].(*types.Nil); isNil {
				return ""
			}
		}
		if v, ok := info.Uses[x].(*types.Var); ok {
			if rebuildable(v) {
				return ""
			}
			return fmt.Sprintf("it is assigned %s, which cannot be rebuilt", x.Name)
		}
	}
	if funcObject(info, e) != nil {
		return ""
	}
	if x, ok := e.(*ast.SelectorExpr); ok && info.Selections[x] != nil && info.Selections[x].Kind() == types.MethodVal {
		return methodValueSource(wf, info, x)
	}
	return fmt.Sprintf("it is assigned %s, which is not a function literal of the workflow or a package-level function", exprString(e))
}

// funcObject returns the package-level function e names, or nil.
func funcObject(info *types.Info, e ast.Expr) types.Object {
	var id *ast.Ident
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		if info.Selections[x] != nil {
			return nil // a method value
		}
		id = x.Sel
	default:
		return nil
	}
	fn, ok := info.Uses[id].(*types.Func)
	if !ok || fn.Type().(*types.Signature).Recv() != nil || fn.Type().(*types.Signature).TypeParams().Len() > 0 {
		return nil
	}
	return fn
}

// capturedVars returns the local variables a function literal refers to
// that are declared outside it.
func capturedVars(info *types.Info, lit *ast.FuncLit) varSet {
	out := varSet{}
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := info.Uses[id].(*types.Var); ok && !v.IsField() && v.Parent() != nil && v.Parent() != v.Pkg().Scope() && (v.Pos() < lit.Pos() || v.Pos() >= lit.End()) {
				out[v] = true
			}
		}
		return true
	})
	return out
}

// prepareClosures names the frame methods of the literals and the table.
func (l *lowerer) prepareClosures() {
	cs := l.closures
	if cs == nil || len(cs.entries) == 0 {
		return
	}
	for _, en := range cs.entries {
		if en.lit != nil || en.meth != nil {
			en.method = l.reserveMethod(fmt.Sprintf("lit%d", en.index))
		}
	}
	cs.table = l.pkgNames.fresh(lowerFirst(l.wf.id()) + "Closures")
}

// reserveMethod returns a name of the frame's methods that no field takes.
func (l *lowerer) reserveMethod(base string) string {
	name := base
	for i := 1; l.fnames[name] || reservedField[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	l.fnames[name] = true
	return name
}

// closureLit is called by the rewriter for an outermost function literal:
// if it is an entry of the closure table, it returns the call of the
// frame method that makes it, and keeps the rewritten literal for that
// method.
func (l *lowerer) closureLit(orig *ast.FuncLit, rewritten *ast.FuncLit) ast.Expr {
	if l.closures == nil {
		return nil
	}
	en := l.closures.byLit[orig]
	if en == nil {
		return nil
	}
	en.text = l.print(rewritten)
	return raw(l.fv + "." + en.method + "()")
}

// checkClosures reports the literals of the table that capture what a
// frame method cannot reach: a per-iteration (boxed) variable, or a
// variable kept as a Go local of one state.
func (l *lowerer) checkClosures() {
	if l.closures == nil {
		return
	}
	for _, en := range l.closures.entries {
		if en.meth != nil && en.recv != l.wf.recv {
			switch f := l.frame[en.recv]; {
			case f == nil:
				l.diags.add(l.fset, en.meth.Pos(), "the method value %s is kept across a checkpoint but %s is not in the frame; define it after the checkpoint", exprString(en.meth), en.recv.Name())
			case f.boxed:
				l.diags.add(l.fset, en.meth.Pos(), "the method value %s is kept across a checkpoint but %s is a variable of one iteration of a loop with checkpoints; rebuilding it after a resume would see another iteration's variable: define it after the loop's last checkpoint", exprString(en.meth), en.recv.Name())
			}
		}
		if en.lit == nil {
			continue
		}
		for v := range capturedVars(l.info, en.lit) {
			f := l.frame[v]
			switch {
			case f == nil:
				l.diags.add(l.fset, en.lit.Pos(), "this function literal is kept across a checkpoint but captures %s, which is not in the frame; compute %s inside the literal, or define the literal after the checkpoint", v.Name(), v.Name())
			case f.boxed:
				l.diags.add(l.fset, en.lit.Pos(), "this function literal is kept across a checkpoint but captures %s, a variable of one iteration of a loop with checkpoints; rebuilding it after a resume would see another iteration's variable: define the literal after the loop's last checkpoint, or pass %s as an argument", v.Name(), v.Name())
			}
		}
	}
}

// closureField reports whether frame field f holds a rebuilt function.
func (l *lowerer) closureField(f *field) bool {
	return l.closures != nil && f.v != nil && l.closures.vars[f.v]
}

// emitClosures writes the literals' methods and the closure table.
func (l *lowerer) emitClosures(w func(string, ...any)) {
	cs := l.closures
	if cs == nil || len(cs.entries) == 0 {
		return
	}
	var items []string
	for _, en := range cs.entries {
		if en.lit == nil && en.meth == nil {
			items = append(items, l.funcText(en.fn))
			continue
		}
		what, pos := "function literal", token.NoPos
		if en.lit != nil {
			pos = en.lit.Pos()
		} else {
			what, pos = "method value", en.meth.Pos()
		}
		w("// %s makes the %s at %s: the machine calls it where\n// the %s is, and a resume calls it again to rebuild the value.\n//\n//go:noinline\nfunc (%s *%s) %s() %s {\nreturn %s\n}\n\n",
			en.method, what, l.posString(pos), what, l.fv, l.frameType, en.method, l.tp.text(en.typ), en.text)
		items = append(items, fmt.Sprintf("%s.%s()", l.fv, en.method))
	}
	w("// %s lists the function values the frame's function variables may\n// hold, by their index in the frame.\nvar %s = %s(func() []any {\nvar %s %s\nreturn []any{%s}\n})\n\n",
		cs.table, cs.table, l.rt("NewClosures"), l.fv, l.frameType, strings.Join(items, ", "))
}

// funcText names a package-level function in generated code.
func (l *lowerer) funcText(fn types.Object) string {
	if fn.Pkg() == l.pkg {
		return fn.Name()
	}
	return l.q.marker(fn.Pkg().Path(), fn.Name())
}

// closureDecode returns the statements that rebuild field f from the
// stored index.
func (l *lowerer) closureDecode(f *field) string {
	var b strings.Builder
	fmt.Fprintf(&b, "switch d.Int() {\ncase 0:\n%s.%s = nil\n", l.fv, f.name)
	for _, en := range l.closures.entries {
		if !types.AssignableTo(en.typ, f.typ) {
			continue
		}
		val := ""
		if en.lit != nil || en.meth != nil {
			val = fmt.Sprintf("%s.%s()", l.fv, en.method)
		} else {
			val = l.funcText(en.fn)
		}
		fmt.Fprintf(&b, "case %d:\n%s.%s = %s\n", en.index, l.fv, f.name, val)
	}
	b.WriteString("default:\nd.Corrupt()\n}")
	return b.String()
}

// closureProblem returns why the function variable of field f cannot be
// rebuilt, if it was found not to be.
func (l *lowerer) closureProblem(f *field) (closureProblem, bool) {
	if l.closures == nil || f.v == nil {
		return closureProblem{}, false
	}
	p, ok := l.closures.problems[f.v]
	return p, ok
}

// closureLayout adds the closure table to lay: a stored index names an
// entry, so the table is part of what an instance resumes with.
func (l *lowerer) closureLayout(lay *Layout) {
	if l.closures == nil {
		return
	}
	for _, en := range l.closures.entries {
		name := "literal " + typeString(en.typ, l.pkg)
		if en.meth != nil {
			name = "method " + typeString(en.recv.Type(), l.pkg) + "." + en.meth.Sel.Name
		}
		if en.fn != nil {
			name = en.fn.Pkg().Path() + "." + en.fn.Name()
		}
		lay.Sites = append(lay.Sites, LayoutSite{ID: en.index, Kind: "closure", Name: name})
	}
}
