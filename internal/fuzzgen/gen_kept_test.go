package fuzzgen

import (
	"fmt"
	"strings"
)

// keptClosureStmt keeps function values across checkpoints (feature
// keptclosure): a closure defined before steps and called after them,
// reading and writing a captured local (Go captures the variable: a write
// made through it, or to the variable, after a resume must show in both);
// a func variable reassigned between a literal, a package-level function
// and nil, then tested against nil; a closure called in a loop of steps
// with a literal per iteration capturing the iteration's variables; an
// error-wrapping closure used by the returns after a step.
func (g *gen) keptClosureStmt(sc *scope) []string {
	if g.loops > 0 && !g.chance(8) {
		// Inside a loop with checkpoints, every form keeps a literal that
		// captures a variable of one iteration: refused (now and then
		// generated, to see that it is).
		return g.assignStmt(sc)
	}
	if g.chance(6) {
		return g.methodValueStmt(sc)
	}
	form := g.r.IntN(8)
	if (form == 2 && g.depth >= maxDepth) || (form == 3 && !g.canCP()) {
		return g.assignStmt(sc)
	}
	if form >= 4 {
		return g.keptClosureShared(sc, form-4)
	}
	// Expressions are generated only for what is emitted: reading a
	// variable marks it used.
	n := g.next()
	g.noCP++
	base := g.expr(sc, tInt, 1)
	g.noCP--
	switch form {
	case 0:
		c, f := fmt.Sprintf("kc%d", n), fmt.Sprintf("kf%d", n)
		out := []string{fmt.Sprintf("%s := %s", c, base),
			fmt.Sprintf("%s := func(d int) int {\n%s += d\nreturn %s*2 + 1\n}", f, c, c),
			g.fold(f + "(1)")}
		out = append(out, g.cpLine(sc, c)...)
		out = append(out, g.fold(fmt.Sprintf("%s(%d)", f, g.r.IntN(5))), fmt.Sprintf("%s += %d", c, 1+g.r.IntN(9)))
		out = append(out, g.cpLine(sc, f+"(0)")...)
		return append(out, g.fold(f+"(2)"), g.fold(c))
	case 1:
		op, c := fmt.Sprintf("op%d", n), fmt.Sprintf("oc%d", n)
		out := []string{fmt.Sprintf("%s := %s", c, base), fmt.Sprintf("var %s func(int, int) int", op),
			fmt.Sprintf("switch Idx(%s, 3) {\ncase 0:\n%s = Mix\ncase 1:\n%s = func(a, b int) int {\nreturn a - b + %s\n}\n}", c, op, op, c)}
		out = append(out, g.cpLine(sc, c)...)
		out = append(out, fmt.Sprintf("%s++", c))
		out = append(out, fmt.Sprintf("if %s != nil {\n%s\n} else {\n%s\n}", op, g.fold(op+"(chk, 3)"), g.fold("-1")))
		if g.chance(2) {
			out = append(out, fmt.Sprintf("%s = nil", op))
		} else {
			out = append(out, fmt.Sprintf("%s = func(a, b int) int {\n%s += a\nreturn %s * b\n}", op, c, c))
		}
		out = append(out, g.cpLine(sc, c)...)
		return append(out, fmt.Sprintf("if %s != nil {\n%s\n}", op, g.fold(op+"(2, 3)")), g.fold(c))
	case 2:
		acc, add, i, s, lf := fmt.Sprintf("ka%d", n), fmt.Sprintf("kadd%d", n), fmt.Sprintf("ki%d", n), fmt.Sprintf("ks%d", n), fmt.Sprintf("klf%d", n)
		op := fmt.Sprintf("kop%d", n)
		k := 1 + g.r.IntN(3)
		body := g.inLoop(k, func() []string {
			b := []string{fmt.Sprintf("%s := %s + %s", s, i, base)}
			if g.canCP() {
				g.spend()
				b[0] = fmt.Sprintf("%s := Inc(ctx, %s+%s)", s, i, base)
			}
			b = append(b, g.cpLine(sc, s)...)
			// op, kept across the next iteration's checkpoints, captures
			// only variables of the function; lf, defined after the
			// iteration's last checkpoint, those of the iteration.
			return append(b, fmt.Sprintf("if %s%%2 == 0 {\n%s = func(a, b int) int {\nreturn a + b + %s\n}\n} else {\n%s = Mix\n}", i, op, acc, op),
				fmt.Sprintf("%s := func() int {\nreturn %s*10 + %s\n}", lf, s, i),
				fmt.Sprintf("%s(%s())", add, lf), fmt.Sprintf("%s(%s(%s, 2))", add, op, i))
		})
		return []string{fmt.Sprintf("%s := 0", acc), fmt.Sprintf("%s := func(v int) {\n%s = Mix(%s, v)\n}", add, acc, acc),
			fmt.Sprintf("%s := Mix", op),
			fmt.Sprintf("for %s := range %d {\n%s\n}", i, k, strings.Join(body, "\n")),
			g.fold(acc), g.fold(op + "(1, 1)")}
	}
	// An error-wrapping closure defined before a step and called by the
	// returns after it.
	g.spend()
	w, c, v, e := fmt.Sprintf("kw%d", n), fmt.Sprintf("kn%d", n), fmt.Sprintf("kv%d", n), fmt.Sprintf("kerr%d", n)
	out := []string{fmt.Sprintf("%s := %s", c, base),
		fmt.Sprintf("%s := func(err error) error {\n%s++\nreturn fmt.Errorf(\"kept %%d: %%w\", %s, err)\n}", w, c, c),
		fmt.Sprintf("%s, %s := Check(ctx, %s)", v, e, base)}
	out = append(out, g.cpLine(sc, c)...)
	if g.chance(2) {
		out = append(out, fmt.Sprintf("if %s != nil {\n%s\n}", e, g.errReturn(newScope(sc), w+"("+e+")")))
	} else {
		out = append(out, fmt.Sprintf("if %s != nil {\n%s\n}", e, g.fold("len("+w+"("+e+").Error())")))
	}
	return append(out, g.fold(v), g.fold(c))
}

// keptClosureShared keeps a closure that writes memory shared with
// other names across checkpoints: a slice also held by a second
// variable, a local whose address is kept, a field of the input, a
// struct and a pointer to it, a map under two names.
func (g *gen) keptClosureShared(sc *scope, form int) []string {
	n := g.next()
	g.noCP++
	base := g.expr(sc, tInt, 1)
	g.noCP--
	f := fmt.Sprintf("cf%d", n)
	var decl []string
	var call, read string
	switch form {
	case 0:
		xs, ys := fmt.Sprintf("cxs%d", n), fmt.Sprintf("cys%d", n)
		decl = []string{fmt.Sprintf("%s := []int{%s, 2}", xs, base), fmt.Sprintf("%s := %s", ys, xs),
			fmt.Sprintf("%s := func() {\n%s[0] += 10\n%s = append(%s, len(%s))\n}", f, xs, xs, xs, xs)}
		call = f + "()\n" + ys + "[1]++"
		read = fmt.Sprintf("H(fmt.Sprint(%s, %s))", xs, ys)
	case 1:
		c, p := fmt.Sprintf("cc%d", n), fmt.Sprintf("cp%d", n)
		decl = []string{fmt.Sprintf("%s := %s", c, base), fmt.Sprintf("%s := &%s", p, c),
			fmt.Sprintf("%s := func() int {\n%s++\nreturn %s\n}", f, c, c)}
		call = fmt.Sprintf("%s()\n*%s += 5", f, p)
		read = fmt.Sprintf("%s*7 + *%s", c, p)
	case 2:
		decl = []string{fmt.Sprintf("%s := func() {\nin.N += %s\nin.Xs = append(in.Xs, in.N)\n}", f, base)}
		call = f + "()"
		read = "H(fmt.Sprint(in.N, in.Xs))"
	default:
		m, m2 := fmt.Sprintf("cm%d", n), fmt.Sprintf("cm2%d", n)
		decl = []string{fmt.Sprintf("%s := map[string]int{%q: %s}", m, "k", base), fmt.Sprintf("%s := %s", m2, m),
			fmt.Sprintf("%s := func(k string) {\n%s[k]++\n}", f, m)}
		call = fmt.Sprintf("%s(%q)\n%s[%q] += 2", f, "b", m2, "k")
		read = fmt.Sprintf("H(fmt.Sprint(%s, %s))", m, m2)
	}
	out := append(decl, g.cpLine(sc, "1")...)
	out = append(out, call)
	out = append(out, g.cpLine(sc, "2")...)
	return append(out, call, g.fold(read))
}

// sharedKeptStmt keeps variables that share memory across checkpoints
// (feature sharekept), writes through each name and reads both at the
// end: a slice taken from the input, written and appended to in a loop
// of steps; a sub-slice with spare capacity, appended to within it and
// written; a map held by two names; a struct copy that shares its slice,
// written after a step.
func (g *gen) sharedKeptStmt(sc *scope) []string {
	form := g.r.IntN(4)
	if form == 0 && g.depth >= maxDepth {
		return g.assignStmt(sc)
	}
	n := g.next()
	a, b := fmt.Sprintf("sa%d", n), fmt.Sprintf("sb%d", n)
	g.noCP++
	e1, e2 := g.expr(sc, tInt, 1), g.expr(sc, tInt, 1)
	g.noCP--
	switch form {
	case 0:
		// The input has at most 4 numbers.
		i := fmt.Sprintf("si%d", n)
		body := g.inLoop(4, func() []string {
			var l []string
			if g.canCP() {
				g.spend()
				l = append(l, fmt.Sprintf("%s[%s] = Inc(ctx, %s[%s])", a, i, a, i))
			} else {
				l = append(l, fmt.Sprintf("%s[%s]++", a, i))
			}
			return append(l, fmt.Sprintf("if %s == 0 {\n%s = append(%s, %s)\n}", i, a, a, e1))
		})
		out := []string{fmt.Sprintf("%s := in.Xs", a), fmt.Sprintf("for %s := range len(%s) {\n%s\n}", i, a, strings.Join(body, "\n"))}
		out = append(out, g.cpLine(sc, "len("+a+")")...)
		out = append(out, fmt.Sprintf("if len(%s) > 1 {\n%s[1] = %s\n}", a, a, e2))
		out = append(out, g.cpLine(sc, "len(in.Xs)")...)
		return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s, in.Xs))", a)))
	case 1:
		c := fmt.Sprintf("sc%d", n)
		out := []string{fmt.Sprintf("%s := make([]int, 4, 8)", a), fmt.Sprintf("%s[0], %s[3] = %s, %s", a, a, e1, e2),
			fmt.Sprintf("%s := %s[1:3]", b, a)}
		out = append(out, g.cpLine(sc, "len("+b+")")...)
		out = append(out, fmt.Sprintf("%s = append(%s, 5) // within capacity: writes %s[3]", b, b, a), fmt.Sprintf("%s[0] = 7", b))
		out = append(out, g.cpLine(sc, fmt.Sprintf("%s[3]", a))...)
		out = append(out, fmt.Sprintf("%s := append(%s[:2], 9, 10, 11) // still within capacity", c, a), fmt.Sprintf("%s[1]++", b))
		out = append(out, g.cpLine(sc, fmt.Sprintf("cap(%s)", c))...)
		return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s, %s, %s, len(%s), cap(%s)))", a, b, c, b, b)))
	case 2:
		out := []string{fmt.Sprintf("%s := map[string]int{%q: %s}", a, "k", e1), fmt.Sprintf("%s := %s", b, a)}
		out = append(out, g.cpLine(sc, "len("+a+")")...)
		out = append(out, fmt.Sprintf("%s[%q] = %s", b, "b", e2), fmt.Sprintf("%s[%q]++", a, "k"))
		out = append(out, g.cpLine(sc, "len("+b+")")...)
		out = append(out, fmt.Sprintf("delete(%s, %q)", a, "b"), fmt.Sprintf("%s[%q] = len(%s)", b, "zz", a))
		return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s, %s))", a, b)))
	}
	out := []string{fmt.Sprintf("%s := Order{Status: %s, Lines: []int{%s, %s}}", a, g.literal(tString), e1, e2), fmt.Sprintf("%s := %s", b, a)}
	if g.canCP() {
		g.spend()
		st := fmt.Sprintf("sst%d", n)
		out = append(out, fmt.Sprintf("%s, _ := Echo(ctx, %s.Status)", st, b), fmt.Sprintf("%s.Status = %s", b, st))
	}
	out = append(out, fmt.Sprintf("%s.Lines[0] += %s.Lines[1]", b, a), fmt.Sprintf("%s.Lines[1] = %d", a, g.r.IntN(50)))
	out = append(out, g.cpLine(sc, b+".Lines[0]")...)
	if g.chance(6) {
		// Refused: durablegen does not keep the sharing that a field
		// re-sliced by append makes (and names another write).
		out = append(out, fmt.Sprintf("%s.Lines = append(%s.Lines[:1], 4)", b, b))
		out = append(out, g.cpLine(sc, "len("+a+".Lines)")...)
	}
	return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s, %s))", a, b)))
}

// methodValueStmt keeps method values across checkpoints: a value
// method of a pair nothing writes (Go binds a copy, which never differs
// from it) and a pointer method of a pair written through it and
// directly between the checkpoints (Go binds the variable itself).
func (g *gen) methodValueStmt(sc *scope) []string {
	n := g.next()
	g.noCP++
	base := g.expr(sc, tInt, 1)
	g.noCP--
	pa, pb := fmt.Sprintf("pa%d", n), fmt.Sprintf("pb%d", n)
	ms, mb := fmt.Sprintf("ms%d", n), fmt.Sprintf("mb%d", n)
	out := []string{fmt.Sprintf("%s := Pair{A: %s, B: 1}", pa, base), fmt.Sprintf("%s := Pair{A: 1, B: %s}", pb, base),
		fmt.Sprintf("%s := %s.Sum", ms, pa), fmt.Sprintf("%s := %s.Bump", mb, pb), g.fold(ms + "(1)")}
	out = append(out, g.cpLine(sc, mb+"(2)")...)
	out = append(out, fmt.Sprintf("%s.B += %d", pb, 1+g.r.IntN(5)), g.fold(fmt.Sprintf("%s(%d)", mb, g.r.IntN(4))))
	out = append(out, g.cpLine(sc, ms+"(3)")...)
	return append(out, g.fold(fmt.Sprintf("%s(0) + %s.A + %s.B + %s(1)", ms, pb, pb, mb)))
}
