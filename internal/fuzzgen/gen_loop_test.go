package fuzzgen

import (
	"fmt"
	"strings"
)

// loopForms are the loop statements of the grammar, by feature.
type loopForm struct {
	feature string
	gen     func(g *gen, sc *scope, label string) []string
}

func loopForms() []loopForm {
	return []loopForm{
		{"loop3", (*gen).forClassic},
		{"loopcond", (*gen).forCond},
		{"loopforever", (*gen).forForever},
		{"rangeint", (*gen).rangeInt},
		{"rangeslice", (*gen).rangeSlice},
		{"rangearray", (*gen).rangeArray},
		{"rangestring", (*gen).rangeString},
		{"rangemap", (*gen).rangeMap},
	}
}

// loopStmt is a loop of a random form, possibly labeled.
func (g *gen) loopStmt(sc *scope) []string {
	var forms []loopForm
	for _, f := range loopForms() {
		if g.feat.enabled(f.feature) {
			forms = append(forms, f)
		}
	}
	if len(forms) == 0 {
		return g.assignStmt(sc)
	}
	f := forms[g.r.IntN(len(forms))]
	g.used[f.feature] = true
	label := ""
	if g.feat.enabled("labels") && g.chance(3) {
		g.names++
		label = fmt.Sprintf("L%d", g.names)
	}
	out := f.gen(g, sc, label)
	if label != "" {
		last := len(out) - 1
		out[last] = label + ":\n" + out[last]
	}
	return out
}

// bound returns a small loop bound: its Go text and value.
func (g *gen) bound(sc *scope) (string, int) {
	if g.feat.enabled("localdecl") && g.chance(3) {
		if c := g.pickVar(sc, tInt, func(v *variable) bool { return v.konst > 0 }); c != nil {
			return c.name, c.konst
		}
	}
	if g.chance(4) {
		if v := g.pickVar(sc, tSlice, func(v *variable) bool { return v.fixed }); v != nil {
			return "len(" + v.name + ")", v.length
		}
	}
	k := 1 + g.r.IntN(3)
	return fmt.Sprint(k), k
}

// loop generates a loop body with k iterations (at most) around the
// statements of pre, in scope body, and returns it without braces.
func (g *gen) loop(body *scope, k int, label string, j jump, pre []string, extra func(*scope) []string) string {
	j.label = label
	j.loop = true
	g.jumps = append(g.jumps, j)
	saved := g.mult
	g.mult *= k
	g.loops++
	stmts := g.block(body, g.blockLen(), func(sc *scope) []string {
		var out []string
		if extra != nil {
			out = extra(sc)
		}
		if label != "" && !g.labelsUsed[label] {
			g.labelsUsed[label] = true
			out = append(out, fmt.Sprintf("if %s {\ncontinue %s\n}", g.expr(sc, tBool, 1), label))
		}
		return out
	})
	g.loops--
	g.mult = saved
	g.jumps = g.jumps[:len(g.jumps)-1]
	return strings.Join(append(pre, stmts...), "\n")
}

// condCP returns `&& <checkpoint>` for a loop condition evaluated k+1
// times, or "".
func (g *gen) condCP(sc *scope, k int, op string) string {
	if !g.feat.enabled("loopcp") || !g.chance(3) || g.noCP > 0 || g.budget < g.mult*(k+1) {
		return ""
	}
	g.used["loopcp"] = true
	g.budget -= g.mult * (k + 1)
	saved := g.mult
	g.mult = 0 // already paid for
	e := g.cpBool(sc)
	g.mult = saved
	return " " + op + " " + e
}

// forClassic is a three-clause loop.
func (g *gen) forClassic(sc *scope, label string) []string {
	k, n := g.bound(sc)
	head := newScope(sc)
	i := g.fresh(head, "i", "j")
	head.declare(&variable{name: i, t: tInt, ro: true, used: true})
	init, post := "0", i+"++"
	if g.feat.enabled("loopcp") && g.noCP == 0 && g.chance(4) && g.budget >= g.mult*(n+1) {
		// Checkpoints in the init and post statements: Inc(ctx, -1) is 0
		// and i = Inc(ctx, i) is i++.
		g.used["loopcp"] = true
		g.budget -= g.mult * (n + 1)
		if g.chance(2) {
			init = "Inc(ctx, -1)"
		} else {
			post = fmt.Sprintf("%s = Inc(ctx, %s)", i, i)
		}
	}
	var h string
	if g.chance(3) {
		h = fmt.Sprintf("for %s := %s; %s > 0%s; %s-- {", i, k, i, g.condCP(head, n, "&&"), i)
	} else {
		h = fmt.Sprintf("for %s := %s; %s < %s%s; %s {", i, init, i, k, g.condCP(head, n, "&&"), post)
	}
	return []string{h + "\n" + g.loop(newScope(head), n, label, jump{}, nil, nil) + "\n}"}
}

// forCond is a loop with only a condition; its counter is incremented
// first so that continue cannot skip it.
func (g *gen) forCond(sc *scope, label string) []string {
	k, n := g.bound(sc)
	j := g.fresh(sc, "j", "i")
	sc.declare(&variable{name: j, t: tInt, ro: true, used: true})
	var cond string
	if g.feat.enabled("loopcp") && g.chance(4) && g.noCP == 0 && g.budget >= g.mult*(n+1) {
		g.used["loopcp"] = true
		g.budget -= g.mult * (n + 1)
		cond = fmt.Sprintf("Inc(ctx, %s) <= %s", j, k)
	} else {
		cond = fmt.Sprintf("%s < %s%s", j, k, g.condCP(sc, n, "&&"))
	}
	body := g.loop(newScope(sc), n, label, jump{}, []string{j + "++"}, nil)
	return []string{fmt.Sprintf("%s := 0", j), fmt.Sprintf("for %s {\n%s\n}", cond, body)}
}

// forForever is `for {}` left by a break.
func (g *gen) forForever(sc *scope, label string) []string {
	k, n := g.bound(sc)
	c := g.fresh(sc, "k", "i")
	sc.declare(&variable{name: c, t: tInt, ro: true, used: true})
	guard := fmt.Sprintf("%s++\nif %s > %s%s {\nbreak\n}", c, c, k, g.condCP(sc, n, "||"))
	body := g.loop(newScope(sc), n, label, jump{}, []string{guard}, nil)
	return []string{fmt.Sprintf("%s := 0", c), fmt.Sprintf("for {\n%s\n}", body)}
}

// rangeInt ranges over an integer.
func (g *gen) rangeInt(sc *scope, label string) []string {
	k, n := g.bound(sc)
	if g.feat.enabled("loopcp") && g.canCP() && g.chance(4) {
		// The range expression is evaluated once: one checkpoint.
		g.used["loopcp"] = true
		g.spend()
		k = fmt.Sprintf("Inc(ctx, %d)", n-1)
	}
	body := newScope(sc)
	head := "for range " + k
	if !g.chance(4) {
		i := g.fresh(body, "i", "j")
		body.declare(&variable{name: i, t: tInt})
		head = fmt.Sprintf("for %s := range %s", i, k)
	}
	return []string{head + " {\n" + g.loop(body, n, label, jump{}, nil, nil) + "\n}"}
}

// rangeSlice ranges over the input's slice, a fixed slice or a literal.
func (g *gen) rangeSlice(sc *scope, label string) []string {
	var over string
	n := 4
	var v *variable
	if g.chance(2) {
		v = g.pickVar(sc, tSlice, func(v *variable) bool { return v.fixed })
	}
	if v != nil {
		over, n = v.name, v.length
	} else if g.chance(2) {
		over = "in.Xs"
	} else {
		n = 1 + g.r.IntN(3)
		var el []string
		for range n {
			el = append(el, g.expr(sc, tInt, 1))
		}
		over = "[]int{" + strings.Join(el, ", ") + "}"
	}
	return g.rangeIndexed(sc, label, over, n, tInt, "x", "v")
}

// rangeArray ranges over an array variable or literal: Go ranges over a
// copy.
func (g *gen) rangeArray(sc *scope, label string) []string {
	var v *variable
	if !g.chance(3) {
		v = g.pickVar(sc, tArr, nil)
	}
	over := ""
	if v != nil {
		over = v.name
	} else {
		over = fmt.Sprintf("[3]int{%s, %s, %s}", g.expr(sc, tInt, 1), g.expr(sc, tInt, 1), g.expr(sc, tInt, 1))
	}
	return g.rangeIndexed(sc, label, over, 3, tInt, "v", "x")
}

// rangeString ranges over the runes of the input string or a literal.
func (g *gen) rangeString(sc *scope, label string) []string {
	over, n := "in.S", 5
	if g.chance(2) {
		lits := []string{`"aé😀"`, `"日本"`, `"xy"`, `""`, `"ü"`}
		over = lits[g.r.IntN(len(lits))]
		n = 3
	}
	return g.rangeIndexed(sc, label, over, n, tRune, "r", "c")
}

// rangeIndexed ranges over an indexed collection (slice, array, string)
// of at most n elements of type el.
func (g *gen) rangeIndexed(sc *scope, label, over string, n int, el typ, pool ...string) []string {
	body := newScope(sc)
	var head string
	switch g.r.IntN(4) {
	case 0:
		i := g.fresh(body, "i", "j")
		v := g.fresh(body, pool...)
		if v == i {
			v = i + "v"
		}
		body.declare(&variable{name: i, t: tInt})
		body.declare(&variable{name: v, t: el})
		head = fmt.Sprintf("for %s, %s := range %s", i, v, over)
	case 1:
		v := g.fresh(body, pool...)
		body.declare(&variable{name: v, t: el})
		head = fmt.Sprintf("for _, %s := range %s", v, over)
	case 2:
		i := g.fresh(body, "i", "j")
		body.declare(&variable{name: i, t: tInt})
		head = fmt.Sprintf("for %s := range %s", i, over)
	default:
		head = "for range " + over
	}
	return []string{head + " {\n" + g.loop(body, n, label, jump{}, nil, nil) + "\n}"}
}

// rangeMap ranges over a map. The body may only add to an accumulator
// declared before the loop, call steps on the key and value, and declare
// its own variables, so that its result does not depend on the visiting
// order (the machine visits keys sorted, a direct call in random order).
func (g *gen) rangeMap(sc *scope, label string) []string {
	g.hasMap = true
	over, n := "in.M", 4
	if g.chance(2) {
		n = 1 + g.r.IntN(3)
		var el []string
		for i := range n {
			el = append(el, fmt.Sprintf("%q: %s", mapKeys[i], g.expr(sc, tInt, 1)))
		}
		over = "map[string]int{" + strings.Join(el, ", ") + "}"
	}
	acc := sc.declare(&variable{name: g.fresh(sc, "sum", "acc"), t: tInt})
	body := newScope(sc)
	body.mapBody = true
	k := g.fresh(body, "k", "key")
	body.declare(&variable{name: k, t: tString})
	head := fmt.Sprintf("for %s := range %s", k, over)
	v := ""
	if g.chance(3) {
		v = g.fresh(body, "v", "val")
		if v == k {
			v = k + "v"
		}
		body.declare(&variable{name: v, t: tInt})
		head = fmt.Sprintf("for %s, %s := range %s", k, v, over)
	}
	acc.hidden = true
	g.mapAcc = append(g.mapAcc, acc)
	loop := g.loop(body, n, label, jump{mapBody: true}, nil, func(sc *scope) []string {
		e := fmt.Sprintf("len(%s)", k)
		if v != "" {
			e = fmt.Sprintf("Mix(len(%s), %s)", k, v)
		}
		if g.chance(2) && g.canCP() {
			g.spend()
			e = fmt.Sprintf("Inc(ctx, %s)", e)
		}
		return []string{fmt.Sprintf("%s += %s", acc.name, e)}
	})
	g.mapAcc = g.mapAcc[:len(g.mapAcc)-1]
	acc.hidden = false
	return []string{fmt.Sprintf("%s := 0", acc.name), head + " {\n" + loop + "\n}"}
}

// switchStmt is an expression switch: on an int, on a string, or on
// true, with optional init, default anywhere and fallthrough.
func (g *gen) switchStmt(sc *scope) []string {
	outer := newScope(sc)
	init := ""
	var tag string
	kind := g.r.IntN(3)
	var cases []string
	if kind != 1 && g.chance(3) {
		// An init whose variable the tag or the first case reads.
		e := g.expr(sc, tInt, 2)
		x := g.fresh(outer, "x", "n")
		outer.declare(&variable{name: x, t: tInt, used: true})
		init = fmt.Sprintf("%s := %s; ", x, e)
		if kind == 0 {
			tag = fmt.Sprintf("Idx(%s, 4)", x)
		} else {
			cases = append(cases, fmt.Sprintf("%s > %d", x, g.r.IntN(5)))
		}
	}
	switch kind {
	case 0:
		if tag == "" {
			tag = fmt.Sprintf("Idx(%s, 4)", g.expr(outer, tInt, 2))
		}
		cases = g.caseValues(outer, tInt, []string{"0", "1", "2", "3", "-1", "5"})
	case 1:
		tag = g.expr(outer, tString, 1)
		cases = g.caseValues(outer, tString, []string{`"a"`, `"xyz"`, `""`, `"héllo"`, `"日本"`, `"AÉ😀B"`})
	default:
		for range 1 + g.r.IntN(3) {
			cases = append(cases, g.expr(outer, tBool, 2))
		}
	}
	label := ""
	if g.feat.enabled("labels") && g.chance(5) {
		g.used["labels"] = true
		g.names++
		label = fmt.Sprintf("S%d", g.names)
	}
	if kind != 0 || g.chance(3) {
		// Default may come anywhere, even first.
		pos := g.r.IntN(len(cases) + 1)
		cases = append(cases[:pos], append([]string{""}, cases[pos:]...)...)
	}
	g.jumps = append(g.jumps, jump{label: label})
	var clauses []string
	for i, c := range cases {
		head := "default:"
		if c != "" {
			head = "case " + c + ":"
		}
		var tail []string
		if i < len(cases)-1 && g.on("fallthrough") && g.chance(3) {
			tail = []string{"fallthrough"}
		}
		body := g.block(newScope(outer), g.r.IntN(3), nil)
		clauses = append(clauses, head+"\n"+strings.Join(append(body, tail...), "\n"))
	}
	if label != "" && !g.labelsUsed[label] {
		// A labeled switch whose label nothing uses: add a use at the end
		// of its last clause.
		g.labelsUsed[label] = true
		clauses[len(clauses)-1] += fmt.Sprintf("\nif %s {\nbreak %s\n}", g.expr(outer, tBool, 1), label)
	}
	g.jumps = g.jumps[:len(g.jumps)-1]
	s := fmt.Sprintf("switch %s%s {\n%s\n}", init, tag, strings.Join(clauses, "\n"))
	if label != "" {
		s = label + ":\n" + s
	}
	return []string{s}
}

// caseValues returns one to three case lists of distinct constants from
// consts, sometimes with a non-constant expression of type t.
func (g *gen) caseValues(sc *scope, t typ, consts []string) []string {
	perm := g.r.Perm(len(consts))
	var cases []string
	next := 0
	for range 1 + g.r.IntN(3) {
		var vals []string
		for range 1 + g.r.IntN(2) {
			if next < len(perm) {
				vals = append(vals, consts[perm[next]])
				next++
			}
		}
		if g.chance(4) {
			// A call is never constant, so it cannot duplicate a case.
			if t == tInt {
				vals = append(vals, fmt.Sprintf("Idx(%s, 4)", g.expr(sc, t, 1)))
			} else {
				vals = append(vals, fmt.Sprintf("Clip(%s)", g.expr(sc, t, 1)))
			}
		}
		cases = append(cases, strings.Join(vals, ", "))
	}
	return cases
}

// typeSwitchStmt is a type switch on Pick(n), which returns an int, a
// string, a Pair, a bool or nil.
func (g *gen) typeSwitchStmt(sc *scope) []string {
	arg := g.expr(sc, tInt, 2)
	bind := !g.chance(3)
	x := ""
	if bind {
		x = g.fresh(sc, "x", "val")
	}
	singles := map[string]typ{"int": tInt, "string": tString, "Pair": tPair, "bool": tBool}
	names := []string{"int", "string", "Pair", "bool"}
	perm := g.r.Perm(len(names))
	nSingle := 1 + g.r.IntN(3)
	type clause struct {
		head string
		t    typ
		bind bool
	}
	var cls []clause
	for _, p := range perm[:nSingle] {
		cls = append(cls, clause{"case " + names[p] + ":", singles[names[p]], true})
	}
	if rest := perm[nSingle:]; len(rest) >= 2 && g.chance(2) {
		cls = append(cls, clause{fmt.Sprintf("case %s, %s:", names[rest[0]], names[rest[1]]), 0, false})
	}
	if g.chance(2) {
		cls = append(cls, clause{"case nil:", 0, false})
	}
	if g.chance(2) {
		cls = append(cls, clause{"default:", 0, false})
	}
	g.r.Shuffle(len(cls), func(i, j int) { cls[i], cls[j] = cls[j], cls[i] })
	g.jumps = append(g.jumps, jump{})
	var out []string
	for _, c := range cls {
		body := newScope(sc)
		switch {
		case bind && c.bind:
			body.declare(&variable{name: x, t: c.t})
		case bind:
			// x is an interface here: it shadows outer variables of that
			// name, but the grammar does not use it.
			body.declare(&variable{name: x, t: tErr, hidden: true, ro: true, used: true})
		}
		out = append(out, c.head+"\n"+strings.Join(g.block(body, g.r.IntN(3), nil), "\n"))
	}
	g.jumps = g.jumps[:len(g.jumps)-1]
	head := fmt.Sprintf("switch Pick(%s).(type) {", arg)
	if bind {
		head = fmt.Sprintf("switch %s := Pick(%s).(type) {", x, arg)
	}
	return []string{head + "\n" + strings.Join(out, "\n") + "\n}"}
}
