package fuzzgen

import (
	"fmt"
	"strings"
)

// severalStmt calls a step with several results: declared with some
// results discarded, assigned to existing variables, or forwarded to a
// function that takes them all; the error, if any, handled as multiStmt
// handles it.
func (g *gen) severalStmt(sc *scope) []string {
	if !g.canCP() {
		return g.declStmt(sc)
	}
	g.spend()
	type result struct {
		t    typ
		pool []string
	}
	var call, fold string
	var results []result
	withErr := true
	switch g.r.IntN(3) {
	case 0:
		call = fmt.Sprintf("DivMod(ctx, %s, %s)", g.arg(sc, tInt, 1), g.arg(sc, tInt, 1))
		results, fold = []result{{tInt, []string{"q", "a"}}, {tInt, []string{"r", "n"}}}, "Fold3"
	case 1:
		call = fmt.Sprintf("Spread(ctx, %s)", g.arg(sc, tInt, 1))
		results, fold = []result{{tInt, []string{"n", "v"}}, {tString, []string{"s", "t"}}, {tBool, []string{"ok"}}}, "FoldSpread"
		withErr = false
	default:
		if g.inMapBody() {
			// Its error would leave a map range at an element that depends
			// on the visiting order.
			return g.declStmt(sc)
		}
		call = fmt.Sprintf("Split3(ctx, %s, %s)", g.arg(sc, tInt, 1), g.arg(sc, tString, 1))
		results = []result{{tInt, []string{"h", "a"}}, {tString, []string{"s", "t"}}, {tInt, []string{"k", "v"}}}
	}
	if fold != "" && g.chance(4) {
		name := g.fresh(sc, "f", "v")
		sc.declare(&variable{name: name, t: tInt})
		return []string{fmt.Sprintf("%s := %s(%s)", name, fold, call)}
	}
	// Assigned to existing variables (and error) or declared.
	var errVar *variable
	assign := g.chance(3)
	if assign && withErr {
		errVar = g.pickTarget(sc, tErr, nil)
		assign = errVar != nil
	}
	lhs := make([]string, len(results))
	kept := -1
	for i, r := range results {
		lhs[i] = "_"
		if g.chance(3) && i != len(results)-1 {
			continue
		}
		if assign {
			if t := g.pickTarget(sc, r.t, func(v *variable) bool { return v.konst == 0 && !reserved[v.name] }); t != nil {
				lhs[i] = t.name
				kept = i
			}
			continue
		}
		lhs[i] = g.fresh(sc, r.pool...)
		sc.declare(&variable{name: lhs[i], t: r.t})
		kept = i
	}
	tok := ":="
	if assign {
		tok = "="
	}
	if !withErr {
		if kept < 0 {
			return g.declStmt(sc)
		}
		return []string{fmt.Sprintf("%s %s %s", strings.Join(lhs, ", "), tok, call)}
	}
	errName := ""
	if assign {
		errName = errVar.name
	} else {
		errName, errVar = g.errVar(sc)
	}
	out := []string{fmt.Sprintf("%s, %s %s %s", strings.Join(lhs, ", "), errName, tok, call)}
	if kept < 0 {
		errVar.used = true
		return append(out, fmt.Sprintf("if %s != nil {\n%s\n}", errName, g.errReturn(sc, errName)))
	}
	return append(out, g.errCheck(sc, errName, errVar, lhs[kept], results[kept].t)...)
}

// severalKeptStmt keeps the results of steps with several results
// (feature severalkept) across later checkpoints, swaps and reassigns
// them, calls such steps in a loop, and folds the results and whether
// they failed into chk: DivMod (q, r, err), Bounds (lo, hi), Quota (v, ok,
// err), retried after a first failure that suspends.
func (g *gen) severalKeptStmt(sc *scope) []string {
	form := g.r.IntN(4)
	switch {
	case form == 2 && (g.budget < 2*g.mult || !g.canCP()), form < 2 && !g.canCP(), form == 3 && g.depth >= maxDepth:
		return g.assignStmt(sc)
	}
	n := g.next()
	a, b, e := fmt.Sprintf("qa%d", n), fmt.Sprintf("qb%d", n), fmt.Sprintf("qerr%d", n)
	// Expressions are generated where they are emitted: reading a
	// variable marks it used.
	ex := func() string {
		g.noCP++
		defer func() { g.noCP-- }()
		return g.expr(sc, tInt, 1)
	}
	errFold := func() string {
		if g.chance(3) {
			return fmt.Sprintf("if %s != nil {\n%s\n}", e, g.errReturn(newScope(sc), e))
		}
		return fmt.Sprintf("if errors.Is(%s, ErrOdd) {\n%s\n} else if %s != nil {\n%s\n}", e, g.fold("17"), e, g.fold("len("+e+".Error())"))
	}
	switch form {
	case 0:
		g.spend()
		out := []string{fmt.Sprintf("%s, %s, %s := DivMod(ctx, %s, Idx(%s, 4))", a, b, e, ex(), ex())}
		out = append(out, g.cpLine(sc, a)...)
		out = append(out, fmt.Sprintf("%s, %s = %s, %s", a, b, b, a))
		out = append(out, g.cpLine(sc, b)...)
		return append(out, errFold(), g.fold(fmt.Sprintf("%s*7 + %s", a, b)))
	case 1:
		g.spend()
		g.noCP++
		xs := g.expr(sc, tSlice, 1)
		g.noCP--
		out := []string{fmt.Sprintf("%s, %s := Bounds(ctx, %s)", a, b, xs)}
		out = append(out, g.cpLine(sc, b+"-"+a)...)
		if g.depth < maxDepth {
			i := fmt.Sprintf("qi%d", n)
			k := 1 + g.r.IntN(3)
			body := g.inLoop(k, func() []string {
				if !g.canCP() {
					return []string{fmt.Sprintf("%s += %s", b, i)}
				}
				g.spend()
				return []string{fmt.Sprintf("%s, %s = Bounds(ctx, []int{%s, %s, %s*%s})", a, b, a, b, i, ex())}
			})
			out = append(out, fmt.Sprintf("for %s := range %d {\n%s\n}", i, k, strings.Join(body, "\n")))
		}
		return append(out, g.fold(fmt.Sprintf("%s*3 + %s", a, b)))
	case 2:
		g.budget -= 2 * g.mult // the call and its suspended retry
		out := []string{fmt.Sprintf("%s, %s, %s := Quota(ctx, %s)", a, b, e, ex())}
		out = append(out, g.cpLine(sc, a)...)
		out = append(out, fmt.Sprintf("if %s {\n%s++\n}", b, a))
		out = append(out, g.cpLine(sc, a)...)
		return append(out, errFold(), g.fold(a))
	}
	acc, i := fmt.Sprintf("qacc%d", n), fmt.Sprintf("qi%d", n)
	k := 1 + g.r.IntN(3)
	body := g.inLoop(k, func() []string {
		if !g.canCP() {
			return []string{fmt.Sprintf("%s = Mix(%s, %s)", acc, acc, i)}
		}
		g.spend()
		return []string{fmt.Sprintf("%s, %s, %s := DivMod(ctx, %s+%s, Idx(%s+%s, 3))", a, b, e, i, ex(), i, ex()),
			fmt.Sprintf("if %s != nil {\n%s = Mix(%s, -%s)\ncontinue\n}", e, acc, acc, a),
			fmt.Sprintf("%s = Mix(%s, %s*10+%s)", acc, acc, a, b)}
	})
	return []string{fmt.Sprintf("%s := 0", acc), fmt.Sprintf("for %s := range %d {\n%s\n}", i, k, strings.Join(body, "\n")), g.fold(acc)}
}
