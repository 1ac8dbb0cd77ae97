package fuzzgen

import (
	"fmt"
	"strings"
)

// cpLitStmt defines function literals that make checkpoints (feature
// cplit), compiled like helpers: a literal writing a variable it captures
// and the workflow's chk between its checkpoints, called before and
// after the caller writes that variable; one returning early with an
// error result; one with its own durable.Context parameter calling a
// helper; one defined in a loop of checkpoints, capturing the
// iteration's variable.
func (g *gen) cpLitStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	n := g.next()
	g.noCP++
	base := g.expr(sc, tInt, 1)
	g.noCP--
	c, f := fmt.Sprintf("lc%d", n), fmt.Sprintf("lf%d", n)
	// The body runs once per call: its checkpoints cost that many times.
	body := func(calls int, gen func() []string) []string {
		saved := g.mult
		g.mult *= calls
		defer func() { g.mult = saved }()
		return gen()
	}
	switch g.r.IntN(4) {
	case 0:
		lines := body(2, func() []string {
			out := g.cpLine(sc, c)
			out = append(out, fmt.Sprintf("%s += d", c), g.fold(c))
			out = append(out, g.cpLine(sc, "d")...)
			return append(out, fmt.Sprintf("return %s*2 + 1", c))
		})
		out := []string{fmt.Sprintf("%s := %s", c, base), fmt.Sprintf("%s := func(d int) int {\n%s\n}", f, strings.Join(lines, "\n"))}
		out = append(out, g.fold(f+"(1)"), fmt.Sprintf("%s += %d", c, 1+g.r.IntN(9)))
		return append(out, g.fold(fmt.Sprintf("%s(%d)", f, g.r.IntN(5))), g.fold(c))
	case 1:
		lines := body(2, func() []string {
			out := []string{"if Idx(k, 3) == 0 {\nreturn k, fmt.Errorf(\"lit %d\", k)\n}"}
			out = append(out, g.cpLine(sc, "k")...)
			out = append(out, fmt.Sprintf("v, err := Add(ctx, k, %s)", c), "if err != nil {\nreturn 0, err\n}")
			return append(out, fmt.Sprintf("%s = v", c), "return v, nil")
		})
		out := []string{fmt.Sprintf("%s := %s", c, base), fmt.Sprintf("%s := func(k int) (int, error) {\n%s\n}", f, strings.Join(lines, "\n"))}
		for i := range 2 {
			r, e := fmt.Sprintf("lr%d_%d", n, i), fmt.Sprintf("le%d_%d", n, i)
			out = append(out, fmt.Sprintf("%s, %s := %s(%s + %d)", r, e, f, c, i), fmt.Sprintf("if %s != nil {\n%s\n}", e, g.fold("len("+e+".Error())")), g.fold(r))
		}
		return out
	case 2:
		lines := body(2, func() []string {
			return []string{fmt.Sprintf("v, err := Sub(ctx, a+%s)", c), "if err != nil {\nreturn -1\n}", fmt.Sprintf("return Inc(ctx, v) + %s", c)}
		})
		return []string{fmt.Sprintf("%s := %s", c, base), fmt.Sprintf("%s := func(ctx durable.Context, a int) int {\n%s\n}", f, strings.Join(lines, "\n")),
			g.fold(f + "(ctx, 1)"), fmt.Sprintf("%s--", c), g.fold(f + "(ctx, 2)")}
	default:
		if g.depth >= maxDepth {
			return g.assignStmt(sc)
		}
		k := 2 + g.r.IntN(2)
		lines := g.inLoop(k, func() []string {
			return body(2, func() []string {
				out := g.cpLine(sc, "x")
				return append(out, "x++", "return x")
			})
		})
		i := fmt.Sprintf("li%d", n)
		return []string{fmt.Sprintf("for %s := 0; %s < %d; %s++ {\nx := %s * (%s)\n%s := func() int {\n%s\n}\n%s\n%s\n%s\n}",
			i, i, k, i, i, base, f, strings.Join(lines, "\n"), g.fold(f+"()"), g.fold(f+"()"), g.fold("x"))}
	}
}
