package codegen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

func (l *lowerer) switchStmt(s *ast.SwitchStmt, label string) {
	if s.Init != nil {
		l.stmt(s.Init)
	}
	casesCP := false
	for _, c := range s.Body.List {
		for _, e := range c.(*ast.CaseClause).List {
			casesCP = casesCP || l.hasCP(e)
		}
	}
	tag := ""
	if s.Tag != nil {
		v := l.expr(s.Tag)
		t := l.info.TypeOf(s.Tag)
		if b, ok := t.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
			t = types.Default(t)
		}
		switch {
		case !hasCase(s.Body.List):
			// Only a default clause: the tag is evaluated for its effects.
			l.emit(s.Tag.Pos(), "_ = "+l.print(v))
		case casesCP:
			tag = l.temp(t, s.Tag.Pos())
			l.emit(s.Tag.Pos(), tag+" = "+l.print(v))
		default:
			tag = l.names.fresh("tag")
			l.emit(s.Tag.Pos(), tag+" := "+l.print(v))
		}
	}
	clauses := s.Body.List
	bodies := make([]*block, len(clauses))
	for i := range clauses {
		bodies[i] = l.newBlock()
	}
	exit := l.newBlock()
	fallback := exit
	cond := func(e ast.Expr, pos token.Pos) string {
		if tag == "" {
			return l.mark(pos) + "(" + l.print(e) + ")"
		}
		return l.mark(pos) + tag + " == (" + l.print(e) + ")"
	}
	if casesCP {
		for i, c := range clauses {
			cc := c.(*ast.CaseClause)
			if cc.List == nil {
				fallback = bodies[i]
				continue
			}
			for _, e := range cc.List {
				v := l.expr(e)
				next := l.newBlock()
				l.branch(cond(v, e.Pos()), bodies[i], next)
				l.cur = next
			}
		}
		l.jump(fallback)
	} else {
		var b strings.Builder
		for i, c := range clauses {
			cc := c.(*ast.CaseClause)
			if cc.List == nil {
				fallback = bodies[i]
				continue
			}
			var conds []string
			for _, e := range cc.List {
				conds = append(conds, cond(l.rwExpr(e), e.Pos()))
			}
			fmt.Fprintf(&b, "if %s {\n%s\n} else ", strings.Join(conds, " || "), l.jumpText(bodies[i].id))
		}
		fmt.Fprintf(&b, "{\n%s\n}", l.jumpText(fallback.id))
		l.emit(token.NoPos, b.String())
		l.end()
	}
	l.clauseBodies(label, clauses, bodies, exit)
}

// clauseBodies lowers the bodies of switch clauses; fallthrough jumps to
// the next clause's body.
func (l *lowerer) clauseBodies(label string, clauses []ast.Stmt, bodies []*block, exit *block) {
	l.targets = append(l.targets, &target{label: label, brk: exit.id, cont: -1})
	for i, c := range clauses {
		cc := c.(*ast.CaseClause)
		l.cur = bodies[i]
		list := cc.Body
		fall := false
		if n := len(list); n > 0 {
			if b, ok := list[n-1].(*ast.BranchStmt); ok && b.Tok == token.FALLTHROUGH {
				list, fall = list[:n-1], true
			}
		}
		l.stmts(list)
		if fall && i+1 < len(bodies) {
			l.jump(bodies[i+1])
		} else {
			l.jump(exit)
		}
	}
	l.targets = l.targets[:len(l.targets)-1]
	l.cur = exit
}

func (l *lowerer) typeSwitchStmt(s *ast.TypeSwitchStmt, label string) {
	if s.Init != nil {
		l.stmt(s.Init)
	}
	var subject ast.Expr
	switch a := s.Assign.(type) {
	case *ast.AssignStmt:
		subject = a.Rhs[0].(*ast.TypeAssertExpr).X
	case *ast.ExprStmt:
		subject = a.X.(*ast.TypeAssertExpr).X
	}
	x := l.expr(subject)
	ts := "_"
	if hasCase(s.Body.List) || bindsDefault(l.info, s.Body.List) {
		ts = l.names.fresh("subject")
		l.emit(subject.Pos(), ts+" := "+l.print(x))
	} else {
		// Only a default clause that does not bind the value.
		l.emit(subject.Pos(), "_ = "+l.print(x))
	}
	clauses := s.Body.List
	bodies := make([]*block, len(clauses))
	for i := range clauses {
		bodies[i] = l.newBlock()
	}
	exit := l.newBlock()
	fallback := "{\n" + l.jumpText(exit.id) + "\n}"
	var b strings.Builder
	tvName := l.names.fresh("tv")
	for i, c := range clauses {
		cc := c.(*ast.CaseClause)
		set := ""
		if v, ok := l.info.Implicits[cc].(*types.Var); ok {
			f := l.declare(v)
			set = l.ref(f) + " = "
			if a := l.allocText(f); a != "" {
				set = a + "\n" + set
			}
		}
		if cc.List == nil {
			fallback = fmt.Sprintf("{\n%s%s\n%s\n}", set, orEmpty(set, ts), l.jumpText(bodies[i].id))
			if set == "" {
				fallback = "{\n" + l.jumpText(bodies[i].id) + "\n}"
			}
			continue
		}
		for _, te := range cc.List {
			if tv, ok := l.info.Types[te]; ok && tv.IsNil() {
				fmt.Fprintf(&b, "if %s == nil {\n%s%s\n%s\n} else ", ts, set, orEmpty(set, ts), l.jumpText(bodies[i].id))
				continue
			}
			typ := l.print(l.rwExpr(te))
			if len(cc.List) == 1 && set != "" {
				fmt.Fprintf(&b, "if %s, ok := %s.(%s); ok {\n%s%s\n%s\n} else ", tvName, ts, typ, set, tvName, l.jumpText(bodies[i].id))
				continue
			}
			fmt.Fprintf(&b, "if _, ok := %s.(%s); ok {\n%s%s\n%s\n} else ", ts, typ, set, orEmpty(set, ts), l.jumpText(bodies[i].id))
		}
	}
	b.WriteString(fallback)
	l.emit(token.NoPos, b.String())
	l.end()
	l.clauseBodies(label, clauses, bodies, exit)
}

// orEmpty returns v if set is not empty.
func orEmpty(set, v string) string {
	if set == "" {
		return ""
	}
	return v
}

// hasCase reports whether a switch has a clause other than default.
func hasCase(clauses []ast.Stmt) bool {
	for _, c := range clauses {
		if c.(*ast.CaseClause).List != nil {
			return true
		}
	}
	return false
}

// bindsDefault reports whether the default clause of a type switch
// declares the switch variable.
func bindsDefault(info *types.Info, clauses []ast.Stmt) bool {
	for _, c := range clauses {
		if cc := c.(*ast.CaseClause); cc.List == nil && info.Implicits[cc] != nil {
			return true
		}
	}
	return false
}
