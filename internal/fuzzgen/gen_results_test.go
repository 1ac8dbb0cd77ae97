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
