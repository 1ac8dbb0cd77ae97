package codegen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

func (l *lowerer) exprStmt(s *ast.ExprStmt) {
	if call, ok := ast.Unparen(s.X).(*ast.CallExpr); ok {
		if cp := l.cls.classify(call); cp.kind != cpNone {
			dest := make([]string, len(l.resultTypes(call, cp)))
			for i := range dest {
				dest[i] = "_"
			}
			l.checkpoint(call, cp, dest)
			return
		}
	}
	l.emit(s.Pos(), l.print(l.expr(s.X)))
}

// lhsText prints assignment targets.
func (l *lowerer) lhsText(lhs []ast.Expr) []string {
	out := make([]string, len(lhs))
	for i, e := range lhs {
		if id, ok := e.(*ast.Ident); ok && id.Name == "_" {
			out[i] = "_"
			continue
		}
		out[i] = l.print(l.rwExpr(e))
	}
	return out
}

func (l *lowerer) assign(s *ast.AssignStmt) {
	if s.Tok == token.DEFINE {
		l.declareIdents(s.Lhs...)
	}
	lhsCP := false
	for _, e := range s.Lhs {
		lhsCP = lhsCP || l.hasCP(e)
	}
	if len(s.Rhs) == 1 && !lhsCP {
		if call, ok := ast.Unparen(s.Rhs[0]).(*ast.CallExpr); ok {
			cp := l.cls.classify(call)
			if cp.kind != cpNone && (s.Tok == token.DEFINE || s.Tok == token.ASSIGN) {
				if s.Tok == token.DEFINE {
					l.allocs = l.defAllocs(s.Lhs) // in the checkpoint's state
				}
				l.checkpoint(call, cp, l.lhsText(s.Lhs))
				return
			}
			if len(s.Lhs) > 1 {
				// a, b = f(step(ctx)) with f returning two values.
				v := l.expr(call)
				if s.Tok == token.DEFINE {
					l.allocDefs(s.Pos(), s.Lhs)
				}
				l.emit(s.Pos(), strings.Join(l.lhsText(s.Lhs), ", ")+" = "+l.print(v))
				return
			}
		}
	}
	lhs, rhs := l.assignOperands(s.Lhs, s.Rhs)
	tok := s.Tok
	if tok == token.DEFINE {
		tok = token.ASSIGN
		l.allocDefs(s.Pos(), s.Lhs)
	}
	l.emit(s.Pos(), strings.Join(lhs, ", ")+" "+tok.String()+" "+l.printList(rhs))
}

// assignOperands lowers both sides of an assignment in Go's order: the
// operands of index expressions and indirections on the left, then the
// right-hand side.
func (l *lowerer) assignOperands(lhs, rhs []ast.Expr) ([]string, []ast.Expr) {
	if !l.hasCP(&ast.AssignStmt{Lhs: lhs, Rhs: []ast.Expr{&ast.BasicLit{}}}) {
		return l.lhsText(lhs), l.operands(rhs)
	}
	// Each target contributes its operands: x[i] → x, i; *p → p; s.f → s.
	var ops []ast.Expr
	var shape []int // operands per target
	for _, e := range lhs {
		switch e := ast.Unparen(e).(type) {
		case *ast.IndexExpr:
			ops = append(ops, e.X, e.Index)
			shape = append(shape, 2)
		case *ast.StarExpr:
			ops = append(ops, e.X)
			shape = append(shape, 1)
		case *ast.SelectorExpr:
			ops = append(ops, e.X)
			shape = append(shape, 1)
		default:
			shape = append(shape, 0)
		}
	}
	vals := l.operands(append(ops, rhs...))
	out := make([]string, len(lhs))
	k := 0
	for i, e := range lhs {
		switch e := ast.Unparen(e).(type) {
		case *ast.IndexExpr:
			out[i] = l.print(&ast.IndexExpr{X: vals[k], Index: vals[k+1]})
		case *ast.StarExpr:
			out[i] = l.print(&ast.StarExpr{X: vals[k]})
		case *ast.SelectorExpr:
			out[i] = l.print(&ast.SelectorExpr{X: vals[k], Sel: ast.NewIdent(e.Sel.Name)})
		default:
			out[i] = l.lhsText([]ast.Expr{e})[0]
		}
		k += shape[i]
	}
	return out, vals[len(ops):]
}

func (l *lowerer) declStmt(s *ast.DeclStmt) {
	gd := s.Decl.(*ast.GenDecl)
	for _, spec := range gd.Specs {
		vs := spec.(*ast.ValueSpec)
		lhs := make([]ast.Expr, len(vs.Names))
		for i, id := range vs.Names {
			lhs[i] = id
		}
		if !l.hasCP(vs) {
			l.verbatim(&ast.DeclStmt{Decl: &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{vs}}})
			continue
		}
		l.assign(&ast.AssignStmt{Lhs: lhs, Tok: token.DEFINE, Rhs: vs.Values, TokPos: vs.Pos()})
	}
}

func (l *lowerer) returnLowered(s *ast.ReturnStmt) {
	if len(s.Results) == 1 {
		if call, ok := ast.Unparen(s.Results[0]).(*ast.CallExpr); ok {
			if _, tuple := l.info.TypeOf(call).(*types.Tuple); tuple {
				vals := l.multi(call)
				l.emit(s.Pos(), "return "+l.returnCall(vals))
				l.end()
				return
			}
		}
	}
	vals := l.operands(s.Results)
	l.emit(s.Pos(), l.print(l.returnStmt(vals, s)))
	l.end()
}

func (l *lowerer) ifStmt(s *ast.IfStmt) {
	if s.Init != nil {
		l.stmt(s.Init)
	}
	cond := l.expr(s.Cond)
	if !l.hasCP(s.Body) && (s.Else == nil || !l.hasCP(s.Else)) {
		out := &ast.IfStmt{Cond: cond, Body: l.rewrite(s.Body).(*ast.BlockStmt)}
		if s.Else != nil {
			out.Else = l.rewrite(s.Else).(ast.Stmt)
		}
		l.emit(s.Pos(), l.print(out))
		if !falls(out) {
			l.end()
		}
		return
	}
	then := l.newBlock()
	join := l.newBlock()
	els := join
	if s.Else != nil {
		els = l.newBlock()
	}
	l.branch(l.mark(s.Cond.Pos())+l.print(cond), then, els)
	l.cur = then
	l.stmt(s.Body)
	l.jump(join)
	if s.Else != nil {
		l.cur = els
		l.stmt(s.Else)
		l.jump(join)
	}
	l.cur = join
}

func (l *lowerer) forStmt(s *ast.ForStmt, label string) {
	if s.Init != nil {
		l.stmt(s.Init)
	}
	cond := l.newBlock()
	l.jump(cond)
	l.cur = cond
	body, post, exit := l.newBlock(), l.newBlock(), l.newBlock()
	if s.Cond != nil {
		c := l.expr(s.Cond)
		l.branch(l.mark(s.Cond.Pos())+l.print(c), body, exit)
	} else {
		l.jump(body)
	}
	l.loopBody(label, body, post, exit, "", s.Body)
	l.cur = post
	l.nextIteration(s.Init)
	if s.Post != nil {
		l.stmt(s.Post)
	}
	l.jump(cond)
	l.cur = exit
}

// loopBody lowers a loop body entered at body, continuing at post and
// breaking to exit; prelude starts each iteration.
func (l *lowerer) loopBody(label string, body, post, exit *block, prelude string, stmt *ast.BlockStmt) {
	l.targets = append(l.targets, &target{label: label, brk: exit.id, cont: post.id})
	l.cur = body
	if prelude != "" {
		l.emit(token.NoPos, prelude)
	}
	l.stmt(stmt)
	l.jump(post)
	l.targets = l.targets[:len(l.targets)-1]
}

func (l *lowerer) rangeStmt(s *ast.RangeStmt, label string) {
	xt := l.info.TypeOf(s.X)
	x := l.expr(s.X)
	if s.Tok == token.DEFINE {
		l.declareIdents(s.Key, s.Value)
	}
	var key, val string
	if s.Key != nil && !isBlank(s.Key) {
		key = l.lhsText([]ast.Expr{s.Key})[0]
	}
	if s.Value != nil && !isBlank(s.Value) {
		val = l.lhsText([]ast.Expr{s.Value})[0]
	}
	intT := types.Typ[types.Int]
	cond, body, post, exit := l.newBlock(), l.newBlock(), l.newBlock(), l.newBlock()
	var i string
	if _, isInt := xt.Underlying().(*types.Basic); !isInt || isString(xt) {
		i = l.temp(intT, s.Pos())
	}
	var prelude []string
	for _, e := range []ast.Expr{s.Key, s.Value} {
		if id, ok := e.(*ast.Ident); ok && s.Tok == token.DEFINE {
			if v, ok := l.info.Defs[id].(*types.Var); ok {
				if a := l.allocText(l.frame[v]); a != "" {
					prelude = append(prelude, a)
				}
			}
		}
	}
	assign := func(dst, src string) {
		if dst != "" {
			prelude = append(prelude, dst+" = "+src)
		}
	}
	var step string
	switch u := xt.Underlying().(type) {
	case *types.Basic:
		if u.Info()&types.IsString != 0 {
			str := l.temp(types.Typ[types.String], s.Pos())
			src := l.print(x)
			if !types.Identical(xt, types.Typ[types.String]) && !types.Identical(xt, types.Typ[types.UntypedString]) {
				src = "string(" + src + ")" // a named string type
			}
			l.emit(s.Pos(), str+" = "+src+"\n"+i+" = 0")
			l.jump(cond)
			l.cur = cond
			l.branch(i+" < len("+str+")", body, exit)
			assign(key, i)
			if val != "" {
				prelude = append(prelude, val+", _ = "+l.rt("DecodeRune")+"("+str+", "+i+")")
			}
			w := l.names.fresh("width")
			step = "_, " + w + " := " + l.rt("DecodeRune") + "(" + str + ", " + i + ")\n" + i + " += " + w
			break
		}
		// range over an integer
		nt := xt
		if u.Info()&types.IsUntyped != 0 {
			nt = intT
		}
		i = l.temp(nt, s.Pos())
		n := l.temp(nt, s.Pos())
		l.emit(s.Pos(), n+" = "+l.print(x)+"\n"+i+" = 0")
		l.jump(cond)
		l.cur = cond
		l.branch(i+" < "+n, body, exit)
		assign(key, i)
		step = i + "++"
	case *types.Slice, *types.Array, *types.Pointer:
		xs := l.rangeSubject(s, x, xt)
		n := l.temp(intT, s.Pos())
		l.emit(s.Pos(), n+" = len("+xs+")\n"+i+" = 0")
		l.jump(cond)
		l.cur = cond
		l.branch(i+" < "+n, body, exit)
		assign(key, i)
		assign(val, xs+"["+i+"]")
		step = i + "++"
	case *types.Map:
		m := l.rangeSubject(s, x, xt)
		keys := l.temp(types.NewSlice(u.Key()), s.Pos())
		fn := "Keys"
		if ordered(u.Key()) {
			fn = "SortedKeys"
		}
		l.emit(s.Pos(), keys+" = "+l.rt(fn)+"("+m+")\n"+i+" = 0")
		l.jump(cond)
		l.cur = cond
		// Entries deleted during the loop are not produced, as in Go.
		l.emit(token.NoPos, "if "+i+" >= len("+keys+") {\n"+l.jumpText(exit.id)+"\n} else if _, ok := "+m+"["+keys+"["+i+"]]; !ok {\n"+i+"++\n"+l.jumpText(cond.id)+"\n} else {\n"+l.jumpText(body.id)+"\n}")
		l.end()
		assign(key, keys+"["+i+"]")
		assign(val, m+"["+keys+"["+i+"]]")
		step = i + "++"
	default:
		l.diags.add(l.fset, s.Pos(), "cannot range over %s in a workflow", xt)
	}
	l.loopBody(label, body, post, exit, strings.Join(prelude, "\n"), s.Body)
	l.cur = post
	l.emit(token.NoPos, step)
	l.jump(cond)
	l.cur = exit
}

// rangeSubject returns where the loop reads the ranged value: the frame
// variable itself when the body does not reassign it (so element writes
// stay visible, as in Go), else a copy taken once.
func (l *lowerer) rangeSubject(s *ast.RangeStmt, x ast.Expr, xt types.Type) string {
	// range &arr reads the elements of arr itself.
	if u, ok := ast.Unparen(s.X).(*ast.UnaryExpr); ok && u.Op == token.AND {
		if id, ok := ast.Unparen(u.X).(*ast.Ident); ok {
			if v, ok := l.info.Uses[id].(*types.Var); ok && l.frame[v] != nil {
				l.frame[v].ser = true
				return l.ref(l.frame[v])
			}
		}
	}
	if _, isArray := xt.Underlying().(*types.Array); !isArray {
		if v := l.fieldPathRoot(s.X); v != nil && !assignsPath(l.info, s.Body, v, s.X) {
			// Read at every iteration: it must survive the checkpoints.
			l.frame[v].ser = true
			return l.print(x)
		}
		if v := l.fieldPathRoot(s.X); v != nil && holdsRefs(xt) {
			// The copy shares the elements with where it came from.
			l.rangeCopies = append(l.rangeCopies, shareEdge{dst: v, src: v, pos: s.X.Pos(), what: exprString(s.X) + " (the loop ranges over a copy of it, because its body assigns it)"})
		}
	}
	t := l.temp(xt, s.Pos())
	l.emit(s.Pos(), t+" = "+l.print(x))
	return t
}

// fieldPathRoot returns the frame variable v when e is v or a selection
// of fields of v without pointer indirection (v.a.b).
func (l *lowerer) fieldPathRoot(e ast.Expr) *types.Var {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		if v, ok := l.info.Uses[x].(*types.Var); ok && l.frame[v] != nil {
			return v
		}
	case *ast.SelectorExpr:
		if sel := l.info.Selections[x]; sel != nil && sel.Kind() == types.FieldVal && !sel.Indirect() {
			return l.fieldPathRoot(x.X)
		}
	}
	return nil
}

// assignsPath reports whether n may change what path (v or v.a.b) holds:
// it assigns v or a prefix of path, takes the address of one, or calls a
// method on v.
func assignsPath(info *types.Info, n ast.Node, v *types.Var, path ast.Expr) bool {
	if assigns(info, n, v) {
		return true
	}
	prefixes := map[string]bool{}
	for e := ast.Unparen(path); ; {
		prefixes[exprString(e)] = true
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			break
		}
		e = ast.Unparen(sel.X)
	}
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.AssignStmt:
			for _, lhs := range m.Lhs {
				found = found || prefixes[exprString(ast.Unparen(lhs))]
			}
		case *ast.UnaryExpr:
			found = found || m.Op == token.AND && prefixes[exprString(ast.Unparen(m.X))]
		case *ast.SelectorExpr:
			if sel := info.Selections[m]; sel != nil && sel.Kind() != types.FieldVal && prefixes[exprString(ast.Unparen(m.X))] {
				found = true
			}
		}
		return !found
	})
	return found
}

// assigns reports whether n assigns to v.
func assigns(info *types.Info, n ast.Node, v *types.Var) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok {
			for _, lhs := range as.Lhs {
				if id, ok := ast.Unparen(lhs).(*ast.Ident); ok && info.Uses[id] == v {
					found = true
				}
			}
		}
		if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.AND {
			if id, ok := ast.Unparen(u.X).(*ast.Ident); ok && info.Uses[id] == v {
				found = true
			}
		}
		return !found
	})
	return found
}

// nextIteration emits, before the post statement of a for loop, the
// copy of each boxed variable its init declares: every iteration has its
// own variable, which starts with the previous one's value (Go 1.22).
func (l *lowerer) nextIteration(init ast.Stmt) {
	as, ok := init.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE {
		return
	}
	for _, e := range as.Lhs {
		id, ok := e.(*ast.Ident)
		if !ok {
			continue
		}
		v, _ := l.info.Defs[id].(*types.Var)
		if f := l.frame[v]; v != nil && f != nil && f.boxed {
			next := l.names.fresh("next")
			l.emit(token.NoPos, fmt.Sprintf("%s := *%s.%s\n%s.%s = &%s", next, l.fv, f.name, l.fv, f.name, next))
		}
	}
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// ordered reports whether values of t can be sorted with cmp.Compare.
func ordered(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsOrdered != 0
}

func isString(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}
