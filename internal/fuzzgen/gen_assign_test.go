package fuzzgen

import (
	"fmt"
	"strings"
)

// declTypes are the types a declaration may have.
var declTypes = []typ{tInt, tInt, tInt, tString, tString, tBool, tSlice, tPair, tArr, tMap}

// declStmt declares a variable.
func (g *gen) declStmt(sc *scope) []string {
	t := declTypes[g.r.IntN(len(declTypes))]
	pool := map[typ][]string{
		tInt: {"a", "b", "i", "n", "x"}, tString: {"s", "t"}, tBool: {"ok", "done"},
		tSlice: {"xs", "ys"}, tPair: {"p", "q"}, tArr: {"arr"}, tMap: {"m"},
	}[t]
	form := g.r.IntN(30)
	switch {
	case t == tMap && form < 10:
		name := g.fresh(sc, pool...)
		sc.declare(&variable{name: name, t: t})
		return []string{fmt.Sprintf("%s := map[string]int{}", name)}
	case t != tMap && form < 5:
		name := g.fresh(sc, pool...)
		sc.declare(&variable{name: name, t: t})
		return []string{fmt.Sprintf("var %s %s", name, goType(t, ""))}
	}
	e := g.expr(sc, t, 2)
	name := g.fresh(sc, pool...)
	v := sc.declare(&variable{name: name, t: t})
	if t == tSlice && strings.HasPrefix(e, "[]int{") && e != "[]int{}" {
		// A literal: its length is known and it is never appended to.
		v.fixed, v.length = true, strings.Count(topLevel(e), ",")+1
	}
	if form < 10 {
		return []string{fmt.Sprintf("var %s %s = %s", name, goType(t, ""), e)}
	}
	return []string{fmt.Sprintf("%s := %s", name, e)}
}

// topLevel returns the inside of a composite literal with nested
// brackets removed, to count its top-level elements.
func topLevel(lit string) string {
	i := strings.IndexByte(lit, '{')
	inner := lit[i+1 : len(lit)-1]
	var b strings.Builder
	depth := 0
	for _, c := range inner {
		switch c {
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			depth--
		default:
			if depth == 0 {
				b.WriteRune(c)
			}
		}
	}
	return b.String()
}

// assignStmt assigns to a visible variable.
func (g *gen) assignStmt(sc *scope) []string {
	targets := sc.assignable()
	if len(targets) == 0 {
		return g.declStmt(sc)
	}
	v := targets[g.r.IntN(len(targets))]
	switch v.t {
	case tInt:
		ops := []string{"=", "+=", "-=", "*="}
		if g.chance(5) {
			return []string{v.name + []string{"++", "--"}[g.r.IntN(2)]}
		}
		if g.chance(6) {
			return []string{fmt.Sprintf("%s %%= %d", v.name, 2+g.r.IntN(6))}
		}
		return []string{fmt.Sprintf("%s %s %s", v.name, ops[g.r.IntN(len(ops))], g.nonSelf(sc, v, tInt))}
	case tString:
		if g.chance(2) {
			return []string{fmt.Sprintf("%s += %s", v.name, g.shortString(sc))}
		}
		return []string{fmt.Sprintf("%s = %s", v.name, g.nonSelf(sc, v, tString))}
	case tBool:
		if g.chance(3) {
			v.used = true
			return []string{fmt.Sprintf("%s = !%s", v.name, v.name)}
		}
		return []string{fmt.Sprintf("%s = %s", v.name, g.nonSelf(sc, v, tBool))}
	case tRune:
		return []string{fmt.Sprintf("%s = %s", v.name, g.runeLit())}
	case tSlice:
		if v.fixed {
			v.used = true
			return []string{fmt.Sprintf("%s[Idx(%s, len(%s))] = %s", v.name, g.indexExpr(sc), v.name, g.expr(sc, tInt, 2))}
		}
		if g.chance(4) && g.on("appendspread") {
			w := g.pickVar(sc, tSlice, func(w *variable) bool { return w != v })
			if w != nil {
				return []string{fmt.Sprintf("%s = append(%s, %s...)", v.name, v.name, w.name)}
			}
		}
		return []string{fmt.Sprintf("%s = append(%s, %s)", v.name, v.name, g.expr(sc, tInt, 2))}
	case tArr:
		v.used = true
		return []string{fmt.Sprintf("%s[Idx(%s, 3)] = %s", v.name, g.indexExpr(sc), g.expr(sc, tInt, 2))}
	case tMap:
		return []string{fmt.Sprintf("%s[%q] = %s", v.name, mapKeys[g.r.IntN(len(mapKeys))], g.expr(sc, tInt, 2))}
	case tPair:
		switch g.r.IntN(3) {
		case 0:
			return []string{fmt.Sprintf("%s.A = %s", v.name, g.nonSelf(sc, v, tInt))}
		case 1:
			return []string{fmt.Sprintf("%s.B += %s", v.name, g.expr(sc, tInt, 2))}
		}
		return []string{fmt.Sprintf("%s = %s", v.name, g.nonSelf(sc, v, tPair))}
	case tLocal:
		if g.chance(2) {
			return []string{fmt.Sprintf("%s.A = %s", v.name, g.nonSelf(sc, v, tInt))}
		}
		return []string{fmt.Sprintf("%s.B = %s", v.name, g.nonSelf(sc, v, tString))}
	case tErr:
		return []string{fmt.Sprintf("%s = %s", v.name, g.nonSelf(sc, v, tErr))}
	case tPtr:
		v.used = true
		switch g.r.IntN(3) {
		case 0:
			return []string{"*" + v.name + []string{"++", "--"}[g.r.IntN(2)]}
		case 1:
			return []string{fmt.Sprintf("*%s += %s", v.name, g.expr(sc, tInt, 2))}
		}
		return []string{fmt.Sprintf("*%s = %s", v.name, g.nonSelf(sc, v, tInt))}
	}
	panic(fmt.Sprintf("assign %v", v.t))
}

// indexExpr returns the index of an element assigned to: with
// checkpoints only if feature lhscp is on.
func (g *gen) indexExpr(sc *scope) string {
	if g.on("lhscp") {
		return g.expr(sc, tInt, 1)
	}
	g.noCP++
	defer func() { g.noCP-- }()
	return g.expr(sc, tInt, 1)
}

// nonSelf returns an expression of type t that does not read v (vet
// reports self-assignments).
func (g *gen) nonSelf(sc *scope, v *variable, t typ) string {
	if v == nil {
		return g.expr(sc, t, 2)
	}
	hidden := v.hidden
	v.hidden = true
	defer func() { v.hidden = hidden }()
	return g.expr(sc, t, 2)
}

// mapKeys are the keys generated code writes into maps.
var mapKeys = []string{"k", "b", "a", "zz", "q"}

// tupleAssignStmt assigns two variables at once: Go evaluates every
// right-hand operand, checkpoints included, before it assigns.
func (g *gen) tupleAssignStmt(sc *scope) []string {
	var ints []*variable
	for _, v := range sc.assignable() {
		if v.t == tInt {
			ints = append(ints, v)
		}
	}
	if len(ints) < 2 {
		return g.assignStmt(sc)
	}
	perm := g.r.Perm(len(ints))
	a, b := ints[perm[0]], ints[perm[1]]
	if g.chance(3) {
		a.used, b.used = true, true
		return []string{fmt.Sprintf("%s, %s = %s, %s", a.name, b.name, b.name, a.name)}
	}
	e1, e2 := g.expr(sc, tInt, 2), g.expr(sc, tInt, 2)
	if e1 == a.name {
		e1 += " + 1"
	}
	if e2 == b.name {
		e2 += " - 1"
	}
	return []string{fmt.Sprintf("%s, %s = %s, %s", a.name, b.name, e1, e2)}
}

// opAssignStmt is an operation-assignment or increment of an element or
// field: its index is evaluated once, before the right-hand side.
func (g *gen) opAssignStmt(sc *scope) []string {
	op := []string{"+=", "-=", "*="}[g.r.IntN(3)]
	switch g.r.IntN(4) {
	case 0:
		if v := g.pickTarget(sc, tArr, nil); v != nil {
			v.used = true
			if g.chance(2) {
				return []string{fmt.Sprintf("%s[Idx(%s, 3)]%s", v.name, g.indexExpr(sc), []string{"++", "--"}[g.r.IntN(2)])}
			}
			return []string{fmt.Sprintf("%s[Idx(%s, 3)] %s %s", v.name, g.indexExpr(sc), op, g.expr(sc, tInt, 2))}
		}
	case 1:
		if v := g.pickTarget(sc, tSlice, func(v *variable) bool { return v.fixed }); v != nil {
			v.used = true
			return []string{fmt.Sprintf("%s[Idx(%s, len(%s))] %s %s", v.name, g.indexExpr(sc), v.name, op, g.expr(sc, tInt, 2))}
		}
	case 2:
		if v := g.pickTarget(sc, tMap, nil); v != nil {
			v.used = true
			return []string{fmt.Sprintf("%s[%q] %s %s", v.name, mapKeys[g.r.IntN(len(mapKeys))], op, g.expr(sc, tInt, 2))}
		}
	}
	if v := g.pickTarget(sc, tPair, nil); v != nil {
		return []string{fmt.Sprintf("%s.%s %s %s", v.name, []string{"A", "B"}[g.r.IntN(2)], op, g.expr(sc, tInt, 2))}
	}
	return g.assignStmt(sc)
}

// multiDeclStmt declares two variables from two expressions.
func (g *gen) multiDeclStmt(sc *scope) []string {
	e1, e2 := g.expr(sc, tInt, 2), g.expr(sc, tString, 2)
	a := g.fresh(sc, "a", "n", "x")
	s := g.fresh(sc, "s", "t")
	if s == a {
		s = a + "s"
	}
	sc.declare(&variable{name: a, t: tInt})
	sc.declare(&variable{name: s, t: tString})
	if g.chance(3) {
		return []string{fmt.Sprintf("var %s, %s = %s, %s", a, s, e1, e2)}
	}
	return []string{fmt.Sprintf("%s, %s := %s, %s", a, s, e1, e2)}
}
