package fuzzgen

import (
	"fmt"
	"strings"
)

// stmtKind is a weighted statement form.
type stmtKind struct {
	feature string // "" for always on
	weight  int
	ok      func(g *gen, sc *scope) bool
	gen     func(g *gen, sc *scope) []string
}

// stmtKinds lists the statement forms of the grammar.
func stmtKinds() []stmtKind {
	return []stmtKind{
		{"", 24, nil, (*gen).declStmt},
		{"", 20, nil, (*gen).assignStmt},
		{"multivalue", 10, nil, (*gen).multiStmt},
		{"severalresults", 4, nil, (*gen).severalStmt},
		{"", 6, nil, (*gen).stepStmt},
		{"", 10, nil, (*gen).ifStmt},
		{"", 12, func(g *gen, _ *scope) bool { return g.depth < maxDepth }, (*gen).loopStmt},
		{"switch", 5, func(g *gen, _ *scope) bool { return g.depth < maxDepth }, (*gen).switchStmt},
		{"typeswitch", 3, func(g *gen, _ *scope) bool { return g.depth < maxDepth }, (*gen).typeSwitchStmt},
		{"shadow", 3, func(g *gen, _ *scope) bool { return g.depth < maxDepth }, (*gen).blockStmt},
		{"localdecl", 3, nil, (*gen).localDeclStmt},
		{"closure", 3, nil, (*gen).closureStmt},
		{"sleep", 3, nil, (*gen).sleepStmt},
		{"await", 2, func(g *gen, _ *scope) bool { return g.loops == 0 && g.awaits < 2 && !g.panicky }, (*gen).awaitStmt},
		{"do", 2, nil, (*gen).doStmt},
		{"parallel", 2, func(g *gen, _ *scope) bool { return !g.inMapBody() }, (*gen).parallelStmt},
		{"child", 2, func(g *gen, _ *scope) bool { return !g.inMapBody() }, (*gen).childStmt},
		{"compensate", 3, func(g *gen, _ *scope) bool { return g.noCP == 0 && !g.inMapBody() && !g.panicky }, (*gen).compensateStmt},
		{"awaittimeout", 2, nil, (*gen).awaitTimeoutStmt},
		{"earlyreturn", 4, func(g *gen, _ *scope) bool { return g.depth > 0 && !g.inMapBody() }, (*gen).returnStmt},
		{"", 5, func(g *gen, _ *scope) bool { return len(g.jumps) > 0 }, (*gen).jumpStmt},
		{"", 6, func(g *gen, _ *scope) bool { return len(g.mapAcc) > 0 }, (*gen).mapAccStmt},
		{"tupleassign", 3, nil, (*gen).tupleAssignStmt},
		{"commaok", 3, func(g *gen, _ *scope) bool { return g.depth < maxDepth }, (*gen).commaOKStmt},
		{"opassign", 4, nil, (*gen).opAssignStmt},
		{"multidecl", 3, nil, (*gen).multiDeclStmt},
	}
}

// stmt returns one statement (possibly several lines) for scope sc.
func (g *gen) stmt(sc *scope) []string {
	g.stmtLeft--
	if g.inject != nil && !g.injected && (g.stmtLeft <= 0 || g.chance(8)) {
		g.injected = true
		return g.inject(g)
	}
	total := 0
	var kinds []stmtKind
	for _, k := range append(stmtKinds(), richKinds()...) {
		if k.gen == nil || k.weight == 0 || (k.feature != "" && !g.feat.enabled(k.feature)) || (k.ok != nil && !k.ok(g, sc)) {
			continue
		}
		kinds = append(kinds, k)
		total += k.weight
	}
	n := g.r.IntN(total)
	for _, k := range kinds {
		if n < k.weight {
			if k.feature != "" {
				g.used[k.feature] = true
			}
			return k.gen(g, sc)
		}
		n -= k.weight
	}
	panic("unreachable")
}

// block returns the statements of a new block: n statements (fewer when
// the workflow's statements run out), extra and the reads that keep its
// variables used.
func (g *gen) block(sc *scope, n int, extra func(sc *scope) []string) []string {
	g.depth++
	defer func() { g.depth-- }()
	var stmts []string
	for i := 0; i < n && (i == 0 || g.stmtLeft > 0); i++ {
		stmts = append(stmts, g.stmt(sc)...)
	}
	if extra != nil {
		stmts = append(stmts, extra(sc)...)
	}
	return g.closeScope(sc, stmts)
}

// blockLen returns a random number of statements for a block.
func (g *gen) blockLen() int { return 1 + g.r.IntN(3) }

func (g *gen) inMapBody() bool {
	for _, j := range g.jumps {
		if j.mapBody {
			return true
		}
	}
	return false
}

// multiStep is a step with a (T, error) result.
type multiStep struct {
	fails   bool // it can return an error
	t       typ
	pool    []string
	call    func(g *gen, sc *scope) string
	feature string
}

var multiSteps = []multiStep{
	{false, tInt, []string{"a", "n", "v"}, func(g *gen, sc *scope) string {
		return fmt.Sprintf("Add(ctx, %s, %s)", g.arg(sc, tInt, 1), g.arg(sc, tInt, 1))
	}, ""},
	{true, tInt, []string{"a", "n", "v"}, func(g *gen, sc *scope) string {
		return fmt.Sprintf("Check(ctx, %s)", g.arg(sc, tInt, 2))
	}, ""},
	{false, tString, []string{"s", "t"}, func(g *gen, sc *scope) string {
		return fmt.Sprintf("Echo(ctx, %s)", g.arg(sc, tString, 1))
	}, ""},
	{false, tBool, []string{"ok", "even"}, func(g *gen, sc *scope) string {
		return fmt.Sprintf("IsEven(ctx, %s)", g.arg(sc, tInt, 2))
	}, ""},
	{false, tSlice, []string{"ds", "xs"}, func(g *gen, sc *scope) string {
		return fmt.Sprintf("Digits(ctx, %s)", g.arg(sc, tInt, 1))
	}, ""},
	{false, tPair, []string{"p", "q"}, func(g *gen, sc *scope) string {
		return fmt.Sprintf("MakePair(ctx, %s, %s)", g.arg(sc, tInt, 1), g.arg(sc, tInt, 1))
	}, ""},
	{false, tInt, []string{"a", "prod"}, func(g *gen, sc *scope) string {
		var factor string
		if g.on("receivercp") {
			factor = g.arg(sc, tInt, 1)
		} else {
			g.noCP++
			factor = g.expr(sc, tInt, 1)
			g.noCP--
		}
		return fmt.Sprintf("Calc{Factor: %s}.Mul(ctx, %s)", factor, g.arg(sc, tInt, 1))
	}, "methodstep"},
	{false, tInt, []string{"sq"}, (*gen).doCall, "do"},
}

// multiStmt is `v, err := step(...)` with some handling of err.
func (g *gen) multiStmt(sc *scope) []string {
	if !g.canCP() {
		return g.declStmt(sc)
	}
	var ms multiStep
	for {
		ms = multiSteps[g.r.IntN(len(multiSteps))]
		if ms.fails && g.inMapBody() {
			// An error would leave a map range at an element that
			// depends on the visiting order.
			continue
		}
		if ms.feature == "" || g.on(ms.feature) {
			break
		}
	}
	g.spend()
	call := ms.call(g, sc)
	name := g.fresh(sc, ms.pool...)
	v := sc.declare(&variable{name: name, t: ms.t})
	if g.chance(6) {
		return []string{fmt.Sprintf("%s, _ := %s", name, call)}
	}
	errName, errVar := g.errVar(sc)
	out := []string{fmt.Sprintf("%s, %s := %s", name, errName, call)}
	_ = v
	return append(out, g.errCheck(sc, errName, errVar, name, ms.t)...)
}

// errCheck handles the error errName of a step call that also set the
// variable name of type t: it returns, resets name, branches on the
// sentinel, or keeps the error for later.
func (g *gen) errCheck(sc *scope, errName string, errVar *variable, name string, t typ) []string {
	errVar.used = true
	switch g.r.IntN(5) {
	case 0, 1:
		return []string{fmt.Sprintf("if %s != nil {\n%s\n}", errName, g.errReturn(sc, errName))}
	case 2:
		if t == tInt || t == tString || t == tBool {
			return []string{fmt.Sprintf("if %s != nil {\n%s = %s\n}", errName, name, g.literal(t))}
		}
		return []string{fmt.Sprintf("if %s != nil {\n%s\n}", errName, g.errReturn(sc, errName))}
	case 3:
		return []string{fmt.Sprintf("if errors.Is(%s, ErrOdd) {\n%s\n} else if %s != nil {\n%s\n}",
			errName, strings.Join(g.block(newScope(sc), 1, nil), "\n"), errName, g.errReturn(sc, errName))}
	}
	// Keep the error: it crosses later checkpoints in the frame, and the
	// end of its block reads it.
	errVar.used = false
	return nil
}

// errVar returns the name of the error variable for a `v, err :=`
// declaration in sc, declaring it if needed.
func (g *gen) errVar(sc *scope) (string, *variable) {
	if v, ok := sc.byName["err"]; ok {
		return "err", v
	}
	if sc.lookup("err") == nil || g.chance(2) {
		return "err", sc.declare(&variable{name: "err", t: tErr})
	}
	g.names++
	name := fmt.Sprintf("err%d", g.names)
	return name, sc.declare(&variable{name: name, t: tErr})
}

// doCall returns a durable.Do call whose closure captures a variable.
func (g *gen) doCall(sc *scope) string {
	captured := g.expr(sc, tInt, 0)
	g.names++
	return fmt.Sprintf(`durable.Do(ctx, "sq%d", func(ctx context.Context) (int, error) {
	Effects.Add(ctx, fmt.Sprint("sq ", %s))
	return %s * %s, nil
})`, g.names, captured, captured, captured)
}

// stepStmt calls a step as a statement, its results discarded.
func (g *gen) stepStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	g.spend()
	switch g.r.IntN(6) {
	case 0:
		return []string{fmt.Sprintf("Touch(ctx, %s)", g.arg(sc, tInt, 2))}
	case 1:
		return []string{fmt.Sprintf("Inc(ctx, %s)", g.arg(sc, tInt, 2))}
	case 2:
		return []string{fmt.Sprintf("_ = Note(ctx, %s)", g.arg(sc, tString, 2))}
	case 3:
		return []string{fmt.Sprintf("_, _ = Add(ctx, %s, %s)", g.arg(sc, tInt, 1), g.arg(sc, tInt, 1))}
	case 4:
		if !g.inMapBody() && g.on("retry") {
			g.spend() // a failed attempt suspends: one more checkpoint
			return []string{fmt.Sprintf("if err := Flaky(ctx, %s); err != nil {\n%s\n}", g.arg(sc, tInt, 2), g.errReturn(errScope(sc), "err"))}
		}
	}
	return []string{fmt.Sprintf("if err := Note(ctx, %s); err != nil {\n%s\n}", g.arg(sc, tString, 1), g.errReturn(errScope(sc), "err"))}
}

// ifStmt is an if, with optional init, else-if and else.
func (g *gen) ifStmt(sc *scope) []string {
	outer := newScope(sc)
	head := ""
	if g.chance(3) {
		init, cond := g.ifInit(outer)
		head = init + "; " + cond
	} else {
		head = g.expr(outer, tBool, 2)
	}
	s := fmt.Sprintf("if %s {\n%s\n}", head, strings.Join(g.block(newScope(outer), g.blockLen(), nil), "\n"))
	for g.chance(3) && g.depth < maxDepth {
		s += fmt.Sprintf(" else if %s {\n%s\n}", g.expr(outer, tBool, 2), strings.Join(g.block(newScope(outer), g.blockLen(), nil), "\n"))
	}
	if g.chance(2) {
		s += fmt.Sprintf(" else {\n%s\n}", strings.Join(g.block(newScope(outer), g.blockLen(), nil), "\n"))
	}
	return []string{s}
}

// ifInit returns an init statement declaring a variable in sc and a
// condition that reads it.
func (g *gen) ifInit(sc *scope) (string, string) {
	if g.canCP() && g.chance(2) {
		g.spend()
		arg := g.arg(sc, tInt, 1)
		name := g.fresh(sc, "v", "a", "n")
		sc.declare(&variable{name: name, t: tInt, used: true})
		sc.declare(&variable{name: "err", t: tErr, used: true})
		return fmt.Sprintf("%s, err := Check(ctx, %s)", name, arg), fmt.Sprintf("err == nil && %s > %d", name, g.r.IntN(8))
	}
	e := g.expr(sc, tInt, 2)
	name := g.fresh(sc, "x", "n", "a")
	sc.declare(&variable{name: name, t: tInt, used: true})
	return fmt.Sprintf("%s := %s", name, e), fmt.Sprintf("%s%%%d == %d", name, 2+g.r.IntN(3), g.r.IntN(2))
}

// errScope returns the scope of `if err := ...; err != nil {`.
func errScope(sc *scope) *scope {
	s := newScope(sc)
	s.declare(&variable{name: "err", t: tErr, used: true})
	return s
}

// mapAccStmt adds to the accumulator of the enclosing map range: the only
// write a map range's body makes outside itself, and one whose result does
// not depend on the visiting order.
func (g *gen) mapAccStmt(sc *scope) []string {
	acc := g.mapAcc[len(g.mapAcc)-1]
	return []string{fmt.Sprintf("%s += %s", acc.name, g.expr(sc, tInt, 2))}
}

// blockStmt is a bare block, where declarations shadow outer ones.
func (g *gen) blockStmt(sc *scope) []string {
	inner := newScope(sc)
	var pre []string
	// Redeclare an outer variable from its own value: `x := x + 1`.
	if v := g.pickVar(sc, tInt, func(v *variable) bool { return !reserved[v.name] && v.name != "in" }); v != nil {
		pre = append(pre, fmt.Sprintf("%s := %s + %d", v.name, v.name, 1+g.r.IntN(9)))
		inner.declare(&variable{name: v.name, t: tInt})
	}
	body := g.block(inner, g.blockLen(), nil)
	return []string{"{\n" + strings.Join(append(pre, body...), "\n") + "\n}"}
}

// localDeclStmt declares a local constant or a local struct type and a
// variable of it.
func (g *gen) localDeclStmt(sc *scope) []string {
	g.names++
	if g.chance(2) {
		name := fmt.Sprintf("c%d", g.names)
		val := 1 + g.r.IntN(3)
		sc.declare(&variable{name: name, t: tInt, ro: true, used: true, konst: val})
		return []string{fmt.Sprintf("const %s = %d", name, val)}
	}
	tname := fmt.Sprintf("rec%d", g.names)
	g.names++
	vname := fmt.Sprintf("r%d", g.names)
	lit := fmt.Sprintf("%s{A: %s, B: %s}", tname, g.expr(sc, tInt, 2), g.expr(sc, tString, 1))
	sc.declare(&variable{name: vname, t: tLocal, local: tname})
	return []string{fmt.Sprintf("type %s struct {\nA int\nB string\n}", tname), fmt.Sprintf("%s := %s", vname, lit)}
}

// closureStmt declares a closure (or a function value) and calls it at
// once: closures may not make checkpoints nor live across one.
func (g *gen) closureStmt(sc *scope) []string {
	if g.on("funcvalue") && g.chance(3) {
		g.names++
		f := fmt.Sprintf("fn%d", g.names)
		g.noCP++
		arg := g.expr(sc, tString, 1)
		g.noCP--
		name := g.fresh(sc, "s", "t")
		sc.declare(&variable{name: name, t: tString})
		return []string{fmt.Sprintf("%s := strings.Repeat", f), fmt.Sprintf("%s := %s(Clip(%s), 2)", name, f, arg)}
	}
	if g.loops > 0 && !g.on("closureinloop") {
		// The literal would capture the loop's per-iteration variables.
		return g.assignStmt(sc)
	}
	g.names++
	f := fmt.Sprintf("f%d", g.names)
	g.noCP++
	body := g.expr(sc, tInt, 2)
	arg := g.expr(sc, tInt, 1)
	g.noCP--
	name := g.fresh(sc, "a", "x")
	sc.declare(&variable{name: name, t: tInt})
	return []string{
		fmt.Sprintf("%s := func(arg%d int) int {\nreturn arg%d*2 + %s\n}", f, g.names, g.names, body),
		fmt.Sprintf("%s := %s(%s)", name, f, arg),
	}
}

// sleepStmt is a durable sleep.
func (g *gen) sleepStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	g.spend()
	d := []string{"time.Second", "30 * time.Minute", "7 * 24 * time.Hour", "time.Duration(Idx(%s, 5)) * time.Hour"}[g.r.IntN(4)]
	if strings.Contains(d, "%s") {
		d = fmt.Sprintf(d, g.expr(sc, tInt, 1))
	}
	if g.chance(3) {
		return []string{fmt.Sprintf("_ = durable.Sleep(ctx, %s)", d)}
	}
	return []string{fmt.Sprintf("if err := durable.Sleep(ctx, %s); err != nil {\n%s\n}", d, g.errReturn(errScope(sc), "err"))}
}

// awaitStmt waits for a scripted signal.
func (g *gen) awaitStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	g.spend()
	g.awaits++
	name := g.fresh(sc, "sig", "v")
	sc.declare(&variable{name: name, t: tInt})
	errName, errVar := g.errVar(sc)
	errVar.used = true
	return []string{
		fmt.Sprintf("%s, %s := durable.Await[int](ctx, \"sig\")", name, errName),
		fmt.Sprintf("if %s != nil {\n%s\n}", errName, g.errReturn(sc, errName)),
	}
}

// awaitTimeoutStmt waits for a signal with a timeout: the scripted one
// (outside loops, so that the scripted signals suffice) or one never sent,
// which times out.
func (g *gen) awaitTimeoutStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	g.spend()
	name := "late"
	if g.loops == 0 && g.awaits < 2 && g.chance(2) {
		g.awaits++
		name = "sig"
	}
	v := g.fresh(sc, "sig", "v")
	ok := g.fresh(sc, "got", "ok")
	if ok == v {
		ok = v + "ok"
	}
	sc.declare(&variable{name: v, t: tInt})
	sc.declare(&variable{name: ok, t: tBool})
	errName, errVar := g.errVar(sc)
	errVar.used = true
	d := []string{"time.Minute", "time.Hour", "48 * time.Hour"}[g.r.IntN(3)]
	return []string{
		fmt.Sprintf("%s, %s, %s := durable.AwaitTimeout[int](ctx, %q, %s)", v, ok, errName, name, d),
		fmt.Sprintf("if %s != nil {\n%s\n}", errName, g.errReturn(sc, errName)),
	}
}

// doStmt is an inline durable.Do step.
func (g *gen) doStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	g.spend()
	call := g.doCall(sc)
	name := g.fresh(sc, "sq")
	sc.declare(&variable{name: name, t: tInt})
	errName, errVar := g.errVar(sc)
	errVar.used = true
	return []string{
		fmt.Sprintf("%s, %s := %s", name, errName, call),
		fmt.Sprintf("if %s != nil {\n%s\n}", errName, g.errReturn(sc, errName)),
	}
}

// parallelStmt starts two or three steps with durable.Go, awaits them
// with durable.All right away and reads their results. The steps run
// concurrently, so the workflow's effects are compared in any order.
func (g *gen) parallelStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	g.spend()
	g.hasMap = true // effects in any order
	n := 2 + g.r.IntN(2)
	var lines, futs []string
	for range n {
		captured := g.expr(sc, tInt, 0)
		g.names++
		f := fmt.Sprintf("fut%d", g.names)
		futs = append(futs, f)
		lines = append(lines, fmt.Sprintf(`%s := durable.Go(ctx, "par%d", func(ctx context.Context) (int, error) {
	Effects.Add(ctx, fmt.Sprint("par ", %s))
	if (%s)%%7 == 3 {
		return 0, durable.Permanent(fmt.Errorf("par %%d: %%w", %s, ErrOdd))
	}
	return %s + 1, nil
})`, f, g.names, captured, captured, captured, captured))
	}
	errName := fmt.Sprintf("perr%d", g.names) // scoped to the if
	lines = append(lines, fmt.Sprintf("if %s := durable.All(ctx, %s); %s != nil {\n%s\n}", errName, strings.Join(futs, ", "), errName, g.errReturn(newScope(sc), errName)))
	name := g.fresh(sc, "par", "v")
	sc.declare(&variable{name: name, t: tInt})
	var sum []string
	for _, f := range futs {
		sum = append(sum, fmt.Sprintf("Must(%s.Get())", f))
	}
	lines = append(lines, fmt.Sprintf("%s := %s", name, strings.Join(sum, " + ")))
	return lines
}

// childStmt starts workflow Sub as a child and uses its result.
func (g *gen) childStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	g.spend()
	g.spend() // the child's own checkpoints
	arg := g.arg(sc, tInt, 2)
	name := g.fresh(sc, "sub", "v")
	sc.declare(&variable{name: name, t: tInt})
	errName, errVar := g.errVar(sc)
	errVar.used = true
	return []string{
		fmt.Sprintf("%s, %s := Sub(ctx, %s)", name, errName, arg),
		fmt.Sprintf("if %s != nil {\n%s\n}", errName, g.errReturn(sc, errName)),
	}
}

// compensateStmt registers a compensation whose arguments come from the
// scope (and may make checkpoints of their own).
func (g *gen) compensateStmt(sc *scope) []string {
	switch g.r.IntN(3) {
	case 0:
		return []string{fmt.Sprintf("durable.Compensate(ctx, Note, %s)", g.expr(sc, tString, 1))}
	case 1:
		return []string{fmt.Sprintf("durable.Compensate(ctx, Touch, %s)", g.expr(sc, tInt, 1))}
	}
	return []string{fmt.Sprintf("durable.Compensate(ctx, Label, %s, %s)", g.expr(sc, tString, 1), g.expr(sc, tInt, 2))}
}

// returnStmt is a conditional early return.
func (g *gen) returnStmt(sc *scope) []string {
	cond := g.expr(sc, tBool, 2)
	if call := g.forwardCall(sc); call != "" {
		return []string{fmt.Sprintf("if %s {\nreturn %s\n}", cond, call)}
	}
	if g.chance(4) {
		return []string{fmt.Sprintf("if %s {\n%s\n}", cond, g.errReturn(newScope(sc), `errors.New("early")`))}
	}
	inner := newScope(sc)
	if g.named && g.resultsInScope(sc) && g.chance(2) {
		return []string{fmt.Sprintf("if %s {\nres = %s\nreturn\n}", cond, g.nonSelf(inner, g.fnScope.byName["res"], g.out))}
	}
	return []string{fmt.Sprintf("if %s {\nreturn %s, nil\n}", cond, g.summary(inner, g.out))}
}

// jumpStmt is a conditional break or continue, possibly labeled.
func (g *gen) jumpStmt(sc *scope) []string {
	var cands []string
	innerBreak, innerLoop := true, true
	for i := len(g.jumps) - 1; i >= 0; i-- {
		j := g.jumps[i]
		if j.loop {
			if innerLoop {
				cands = append(cands, "continue")
				innerLoop = false
			}
			if j.label != "" && g.on("labels") {
				cands = append(cands, "continue "+j.label)
			}
		}
		if !j.mapBody {
			if innerBreak {
				cands = append(cands, "break")
			}
			if j.label != "" && g.on("labels") {
				cands = append(cands, "break "+j.label)
			}
		}
		innerBreak = false
		if j.mapBody {
			break
		}
	}
	if len(cands) == 0 {
		return g.assignStmt(sc)
	}
	c := cands[g.r.IntN(len(cands))]
	g.markLabel(c)
	return []string{fmt.Sprintf("if %s {\n%s\n}", g.expr(sc, tBool, 2), c)}
}

// markLabel records that the label of a jump statement is used.
func (g *gen) markLabel(stmt string) {
	if _, label, ok := strings.Cut(stmt, " "); ok {
		g.labelsUsed[label] = true
	}
}

// forwardCall returns, sometimes, a call of a step whose (T, error)
// results are the workflow's, for `return step(...)`; "" otherwise.
func (g *gen) forwardCall(sc *scope) string {
	if !g.feat.enabled("returnforward") || !g.chance(4) || !g.canCP() {
		return ""
	}
	g.used["returnforward"] = true
	g.spend()
	switch g.out {
	case tInt:
		if g.chance(2) {
			return fmt.Sprintf("Check(ctx, %s)", g.arg(sc, tInt, 2))
		}
		return fmt.Sprintf("Add(ctx, %s, %s)", g.arg(sc, tInt, 1), g.arg(sc, tInt, 1))
	case tString:
		return fmt.Sprintf("Echo(ctx, %s)", g.arg(sc, tString, 2))
	case tSlice:
		return fmt.Sprintf("Digits(ctx, %s)", g.arg(sc, tInt, 2))
	case tPair:
		return fmt.Sprintf("MakePair(ctx, %s, %s)", g.arg(sc, tInt, 1), g.arg(sc, tInt, 1))
	}
	panic("forwardCall")
}

// commaOKStmt is an if whose init is a comma-ok map read or type
// assertion.
func (g *gen) commaOKStmt(sc *scope) []string {
	outer := newScope(sc)
	var init, cond string
	v := g.fresh(outer, "v", "n")
	ok := g.fresh(outer, "ok", "found")
	if ok == v {
		ok = v + "ok"
	}
	var m *variable
	if g.chance(2) {
		m = g.pickVar(sc, tMap, nil)
	}
	if m != nil {
		init = fmt.Sprintf("%s, %s := %s[%q]", v, ok, m.name, mapKeys[g.r.IntN(len(mapKeys))])
		outer.declare(&variable{name: v, t: tInt, used: true})
		cond = fmt.Sprintf("%s && %s > %d", ok, v, g.r.IntN(5))
	} else if g.chance(2) {
		init = fmt.Sprintf("%s, %s := Pick(%s).(int)", v, ok, g.expr(sc, tInt, 2))
		outer.declare(&variable{name: v, t: tInt, used: true})
		cond = fmt.Sprintf("%s && %s%%2 == 0", ok, v)
	} else {
		init = fmt.Sprintf("%s, %s := Pick(%s).(string)", v, ok, g.expr(sc, tInt, 2))
		outer.declare(&variable{name: v, t: tString, used: true})
		cond = fmt.Sprintf("%s || %s == \"\"", ok, v)
	}
	outer.declare(&variable{name: ok, t: tBool, used: true})
	s := fmt.Sprintf("if %s; %s {\n%s\n}", init, cond, strings.Join(g.block(newScope(outer), g.blockLen(), nil), "\n"))
	if g.chance(2) {
		s += fmt.Sprintf(" else {\n%s\n}", strings.Join(g.block(newScope(outer), g.blockLen(), nil), "\n"))
	}
	return []string{s}
}
