package fuzzgen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
)

// expr returns an expression of type t with nesting up to depth. Steps
// appear in it where checkpoints are allowed.
func (g *gen) expr(sc *scope, t typ, depth int) string {
	switch t {
	case tInt:
		return g.intExpr(sc, depth)
	case tBool:
		return g.boolExpr(sc, depth)
	case tString:
		return g.stringExpr(sc, depth)
	case tRune:
		if g.chance(2) {
			if v := g.pickVar(sc, tRune, nil); v != nil {
				return v.name
			}
		}
		return g.runeLit()
	case tSlice:
		return g.sliceExpr(sc, depth)
	case tArr:
		if g.chance(3) {
			if v := g.pickVar(sc, tArr, nil); v != nil {
				return v.name
			}
		}
		return fmt.Sprintf("[3]int{%s, %s, %s}", g.intExpr(sc, depth-1), g.intExpr(sc, depth-1), g.intExpr(sc, depth-1))
	case tMap:
		if g.chance(3) {
			if v := g.pickVar(sc, tMap, nil); v != nil {
				return "maps.Clone(" + v.name + ")"
			}
		}
		return fmt.Sprintf("map[string]int{%q: %s, %q: %s}", mapKeys[0], g.intExpr(sc, depth-1), mapKeys[1], g.intExpr(sc, depth-1))
	case tPair:
		if g.chance(3) {
			if v := g.pickVar(sc, tPair, nil); v != nil {
				return v.name
			}
		}
		if g.chance(2) {
			return fmt.Sprintf("Pair{%s, %s}", g.intExpr(sc, depth-1), g.intExpr(sc, depth-1))
		}
		return fmt.Sprintf("Pair{A: %s, B: %s}", g.intExpr(sc, depth-1), g.intExpr(sc, depth-1))
	case tErr:
		return g.errExpr(sc)
	}
	panic(fmt.Sprintf("expr %v", t))
}

// arg returns an argument of a step call. It makes checkpoints of its
// own, nested in the call's, only if feature nestedcp is on.
func (g *gen) arg(sc *scope, t typ, depth int) string {
	if g.on("nestedcp") {
		return g.expr(sc, t, depth)
	}
	g.noCP++
	defer func() { g.noCP-- }()
	return g.expr(sc, t, depth)
}

// literal returns a constant of type t.
func (g *gen) literal(t typ) string {
	switch t {
	case tInt:
		return fmt.Sprint(g.r.IntN(24) - 3)
	case tBool:
		return []string{"true", "false"}[g.r.IntN(2)]
	case tString:
		return []string{`"a"`, `"xyz"`, `""`, `"héllo"`, `"日本"`, `"é"`, `"😀"`, `"b c"`}[g.r.IntN(8)]
	case tRune:
		return g.runeLit()
	}
	panic(fmt.Sprintf("literal %v", t))
}

func (g *gen) runeLit() string { return []string{"'a'", "'é'", "'😀'", "'z'"}[g.r.IntN(4)] }

// intExpr returns an int expression.
func (g *gen) intExpr(sc *scope, depth int) string {
	if depth > 0 && g.canCP() && g.chance(4) {
		return g.cpInt(sc, depth)
	}
	if depth <= 0 || g.chance(3) {
		return g.intLeaf(sc)
	}
	a := g.intExpr(sc, depth-1)
	switch g.r.IntN(8) {
	case 7:
		if g.on("conversions") {
			// Mix keeps the operand from being a constant that overflows.
			return fmt.Sprintf("int(%s(Mix(%s, 1)))", []string{"int8", "uint8", "int16", "uint16", "int32", "int64"}[g.r.IntN(6)], a)
		}
		fallthrough
	case 0, 1:
		return fmt.Sprintf("(%s + %s)", a, g.intExpr(sc, depth-1))
	case 2:
		return fmt.Sprintf("(%s - %s)", a, g.intExpr(sc, depth-1))
	case 3:
		return fmt.Sprintf("(%s * %s)", a, g.intExpr(sc, depth-1))
	case 4:
		return fmt.Sprintf("(%s %% %d)", a, 2+g.r.IntN(6))
	case 5:
		return fmt.Sprintf("Mix(%s, %s)", a, g.intExpr(sc, depth-1))
	}
	return fmt.Sprintf("%s(%s, %s)", []string{"max", "min"}[g.r.IntN(2)], a, g.intExpr(sc, depth-1))
}

// cpInt returns an int expression that makes a checkpoint.
func (g *gen) cpInt(sc *scope, depth int) string {
	g.spend()
	switch g.r.IntN(6) {
	case 0:
		if g.on("variadic") {
			if g.chance(2) && g.on("variadicspread") {
				if v := g.pickVar(sc, tSlice, nil); v != nil {
					return fmt.Sprintf("Sum(ctx, %s...)", v.name)
				}
			}
			var args []string
			for range g.r.IntN(4) {
				args = append(args, g.arg(sc, tInt, depth-1))
			}
			return "Sum(" + strings.Join(append([]string{"ctx"}, args...), ", ") + ")"
		}
	case 1:
		if g.on("sideeffect") {
			g.noCP++
			e := g.intExpr(sc, depth-1)
			g.noCP--
			return fmt.Sprintf("durable.SideEffect(ctx, func() int {\nreturn %s\n})", e)
		}
	}
	return fmt.Sprintf("Inc(ctx, %s)", g.arg(sc, tInt, depth-1))
}

// intLeaf returns a variable, a constant or a simple int expression.
func (g *gen) intLeaf(sc *scope) string {
	switch g.r.IntN(12) {
	case 0, 1, 2, 3:
		if v := g.pickVar(sc, tInt, nil); v != nil {
			return v.name
		}
	case 4:
		return []string{"in.N", "len(in.Xs)", "len(in.S)", "len(in.M)"}[g.r.IntN(4)]
	case 5:
		if v := g.pickVar(sc, tString, nil); v != nil {
			return "len(" + v.name + ")"
		}
	case 6:
		if v := g.pickVar(sc, tSlice, nil); v != nil {
			if v.fixed && g.chance(2) {
				return fmt.Sprintf("%s[Idx(%s, len(%s))]", v.name, g.intLeaf(sc), v.name)
			}
			return "len(" + v.name + ")"
		}
	case 7:
		if v := g.pickVar(sc, tPair, nil); v != nil {
			return v.name + []string{".A", ".B"}[g.r.IntN(2)]
		}
		if v := g.pickVar(sc, tLocal, nil); v != nil {
			return v.name + ".A"
		}
	case 8:
		if v := g.pickVar(sc, tArr, nil); v != nil {
			return fmt.Sprintf("%s[Idx(%s, 3)]", v.name, g.intLeaf(sc))
		}
	case 9:
		if v := g.pickVar(sc, tRune, nil); v != nil {
			return "int(" + v.name + ")"
		}
	case 11:
		if v := g.pickVar(sc, tPtr, nil); v != nil {
			return "*" + v.name
		}
	case 10:
		if v := g.pickVar(sc, tMap, nil); v != nil {
			if g.chance(2) {
				return "len(" + v.name + ")"
			}
			return fmt.Sprintf("%s[%q]", v.name, mapKeys[g.r.IntN(len(mapKeys))])
		}
	}
	return g.literal(tInt)
}

// boolExpr returns a bool expression.
func (g *gen) boolExpr(sc *scope, depth int) string { return g.boolIn(sc, depth, "") }

// boolIn returns a bool expression that is an operand of op ("&&", "||"
// or "" for none). It avoids what vet's bools check reports: x == c1 &&
// x == c2, x != c1 || x != c2, and an operand repeated in a chain.
func (g *gen) boolIn(sc *scope, depth int, op string) string {
	if depth > 0 && g.canCP() && g.chance(5) {
		return g.cpBool(sc)
	}
	if depth <= 0 || g.chance(3) {
		return g.boolLeaf(sc, depth, op)
	}
	switch g.r.IntN(4) {
	case 0:
		return "!(" + g.boolLeaf(sc, depth-1, "") + ")"
	case 1, 2:
		bop := []string{"&&", "||"}[g.r.IntN(2)]
		a := g.boolIn(sc, depth-1, bop)
		for range 3 {
			snap := g.snapshot(sc)
			var b string
			if g.on("shortcircuit") && g.canCP() && g.chance(2) {
				b = g.cpBool(sc)
			} else {
				b = g.boolIn(sc, depth-1, bop)
			}
			e := fmt.Sprintf("(%s %s %s)", a, bop, b)
			if !repeatsOperand(e) {
				return e
			}
			g.restore(snap)
		}
		return a
	}
	return g.boolLeaf(sc, depth, op)
}

// snapshot is the state that a discarded expression must not change.
type snapshot struct {
	used   map[*variable]bool
	budget int
}

func (g *gen) snapshot(sc *scope) snapshot {
	s := snapshot{used: map[*variable]bool{}, budget: g.budget}
	for c := sc; c != nil; c = c.parent {
		for _, v := range c.vars {
			s.used[v] = v.used
		}
	}
	return s
}

func (g *gen) restore(s snapshot) {
	for v, u := range s.used {
		v.used = u
	}
	g.budget = s.budget
}

// repeatsOperand reports whether a chain of && or || in e has the same
// operand twice.
func repeatsOperand(e string) bool {
	x, err := parser.ParseExpr(e)
	if err != nil {
		panic(fmt.Sprintf("fuzzgen: bad expression %s: %v", e, err))
	}
	bad := false
	ast.Inspect(x, func(n ast.Node) bool {
		b, ok := n.(*ast.BinaryExpr)
		if !ok || (b.Op != token.LAND && b.Op != token.LOR) {
			return true
		}
		seen := map[string]bool{}
		for _, o := range flatten(b, b.Op) {
			s := types.ExprString(o)
			if seen[s] {
				bad = true
			}
			seen[s] = true
		}
		return true
	})
	return bad
}

// flatten returns the operands of a chain of op.
func flatten(e ast.Expr, op token.Token) []ast.Expr {
	e = ast.Unparen(e)
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == op {
		return append(flatten(b.X, op), flatten(b.Y, op)...)
	}
	return []ast.Expr{e}
}

// cpBool returns a bool expression that makes a checkpoint.
func (g *gen) cpBool(sc *scope) string {
	g.spend()
	g.noCP++
	arg := g.intExpr(sc, 1)
	g.noCP--
	return fmt.Sprintf("Even(ctx, %s)", arg)
}

// boolLeaf returns a variable or a comparison, for an operand of op.
func (g *gen) boolLeaf(sc *scope, depth int, op string) string {
	switch g.r.IntN(8) {
	case 0, 1:
		if v := g.pickVar(sc, tBool, nil); v != nil {
			return v.name
		}
	case 2:
		return "in.B"
	case 3:
		if v := g.pickVar(sc, tString, nil); v != nil {
			return fmt.Sprintf("strings.Contains(%s, %s)", v.name, g.literal(tString))
		}
	case 4:
		if v := g.pickVar(sc, tErr, nil); v != nil {
			switch op {
			case "&&":
				return v.name + " != nil"
			case "||":
				return v.name + " == nil"
			}
			return v.name + []string{" == nil", " != nil"}[g.r.IntN(2)]
		}
	}
	a := g.intExpr(sc, depth-1)
	b := g.intExpr(sc, depth-1)
	if a == b {
		b = a + " + 1"
	}
	cmps := []string{"<", "<=", ">", ">="}
	switch op {
	case "&&":
		cmps = append(cmps, "!=")
	case "||":
		cmps = append(cmps, "==")
	default:
		cmps = append(cmps, "==", "!=")
	}
	return fmt.Sprintf("%s %s %s", a, cmps[g.r.IntN(len(cmps))], b)
}

// stringExpr returns a string expression of bounded length.
func (g *gen) stringExpr(sc *scope, depth int) string {
	if depth > 0 && g.canCP() && g.chance(5) {
		g.spend()
		if g.on("forward") && g.chance(3) {
			return fmt.Sprintf("fmt.Sprint(Add(ctx, %s, %s))", g.arg(sc, tInt, depth-1), g.arg(sc, tInt, depth-1))
		}
		return fmt.Sprintf("Label(ctx, %s, %s)", g.arg(sc, tString, depth-1), g.arg(sc, tInt, depth-1))
	}
	if depth <= 0 || g.chance(3) {
		return g.stringLeaf(sc)
	}
	switch g.r.IntN(5) {
	case 0, 1:
		return fmt.Sprintf("Clip(%s + %s)", g.stringExpr(sc, depth-1), g.stringExpr(sc, depth-1))
	case 2:
		return fmt.Sprintf("strings.ToUpper(%s)", g.stringExpr(sc, depth-1))
	case 3:
		return fmt.Sprintf("fmt.Sprintf(\"%%d/%%s\", %s, %s)", g.intExpr(sc, depth-1), g.stringLeaf(sc))
	}
	return fmt.Sprintf("fmt.Sprint(%s)", g.anyVar(sc))
}

// stringLeaf returns a variable, a literal or a simple string expression.
func (g *gen) stringLeaf(sc *scope) string {
	switch g.r.IntN(7) {
	case 0, 1, 2:
		if v := g.pickVar(sc, tString, nil); v != nil {
			return v.name
		}
	case 3:
		return "in.S"
	case 4:
		if v := g.pickVar(sc, tRune, nil); v != nil {
			return "string(" + v.name + ")"
		}
		if v := g.pickVar(sc, tLocal, nil); v != nil {
			return v.name + ".B"
		}
	case 5:
		return fmt.Sprintf("strconv.Itoa(%s)", g.intLeaf(sc))
	}
	return g.literal(tString)
}

// shortString returns a short string to append.
func (g *gen) shortString(sc *scope) string {
	switch g.r.IntN(4) {
	case 0:
		if v := g.pickVar(sc, tRune, nil); v != nil {
			return "string(" + v.name + ")"
		}
	case 1:
		return fmt.Sprintf("strconv.Itoa(%s)", g.intExpr(sc, 1))
	case 2:
		if g.canCP() {
			g.spend()
			return fmt.Sprintf("Label(ctx, %s, %s)", g.stringLeaf(sc), g.intLeaf(sc))
		}
	}
	return g.literal(tString)
}

// anyVar returns a readable variable of any type, or a literal.
func (g *gen) anyVar(sc *scope) string {
	var cands []*variable
	for _, v := range sc.visible() {
		if !v.hidden && v.t != tPtr {
			cands = append(cands, v)
		}
	}
	if len(cands) == 0 {
		return g.literal(tInt)
	}
	v := cands[g.r.IntN(len(cands))]
	v.used = true
	return v.name
}

// sliceExpr returns a []int that shares no backing array with a variable.
func (g *gen) sliceExpr(sc *scope, depth int) string {
	switch g.r.IntN(4) {
	case 0:
		if v := g.pickVar(sc, tSlice, nil); v != nil {
			return "slices.Clone(" + v.name + ")"
		}
	case 1:
		return "slices.Clone(in.Xs)"
	}
	n := 1 + g.r.IntN(3)
	if g.on("complit") {
		var el []string
		for range n {
			el = append(el, g.intExpr(sc, depth-1))
		}
		return "[]int{" + strings.Join(el, ", ") + "}"
	}
	return "[]int{1, 2}"
}

// errExpr returns an error expression.
func (g *gen) errExpr(sc *scope) string {
	switch g.r.IntN(5) {
	case 0:
		if g.canCP() {
			g.spend()
			return fmt.Sprintf("Note(ctx, %s)", g.arg(sc, tString, 1))
		}
	case 1:
		return `errors.New("boom")`
	case 2:
		return fmt.Sprintf("fmt.Errorf(\"bad %%d\", %s)", g.intExpr(sc, 1))
	case 3:
		if v := g.pickVar(sc, tErr, nil); v != nil {
			return v.name
		}
	}
	return "nil"
}

// summary returns an expression of type t that depends on many visible
// variables, so that a wrong value anywhere shows in the result.
func (g *gen) summary(sc *scope, t typ) string {
	var ints, all []string
	if g.chk != nil {
		g.chk.used = true
		all = append(all, "chk")
		ints = append(ints, "chk")
	}
	for _, v := range sc.visible() {
		if v.hidden || v.name == "in" {
			continue
		}
		if len(all) >= 10 {
			break
		}
		v.used = true
		all = append(all, valOf(v))
		ints = append(ints, intOf(v))
	}
	mix := "in.N"
	for _, e := range ints {
		mix = fmt.Sprintf("Mix(%s, %s)", mix, e)
	}
	switch t {
	case tInt:
		return mix
	case tString:
		return "fmt.Sprint(" + strings.Join(append(all, "in.S"), ", ") + ")"
	case tSlice:
		return "[]int{" + strings.Join(append(ints, "in.N"), ", ") + "}"
	case tPair:
		return fmt.Sprintf("Pair{A: %s, B: len(fmt.Sprint(%s))}", mix, strings.Join(append(all, "in.S"), ", "))
	}
	panic(fmt.Sprintf("summary %v", t))
}

// intOf returns an int expression that depends on the value of v.
func intOf(v *variable) string {
	switch v.t {
	case tInt:
		return v.name
	case tString, tSlice, tMap:
		return "len(" + v.name + ")"
	case tRune:
		return "int(" + v.name + ")"
	case tPair:
		return v.name + ".A - " + v.name + ".B"
	case tArr:
		return v.name + "[0] + " + v.name + "[2]"
	case tLocal:
		return v.name + ".A + len(" + v.name + ".B)"
	case tPtr:
		return "*" + v.name
	}
	return "len(fmt.Sprint(" + v.name + "))"
}

// valOf returns an expression of v's value to print: a pointer's address
// differs between runs, so it is dereferenced.
func valOf(v *variable) string {
	if v.t == tPtr {
		return "*" + v.name
	}
	return v.name
}
