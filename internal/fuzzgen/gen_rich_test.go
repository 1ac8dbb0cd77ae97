package fuzzgen

import (
	"fmt"
	"strings"
)

// The rich features are the constructs where a machine can lose what Go
// guarantees: memory shared through pointers, copies and range
// temporaries; closures and durable.Go capturing per-iteration loop
// variables; values the frame codec must keep exactly (times in named
// locations, tagged and embedded structs, NaN and -0, bytes that are not
// UTF-8, named strings, int keys); errors compared after checkpoints;
// generic steps; step arguments with effects. Each snippet is
// self-contained: it declares its own variables, makes checkpoints while
// they are live, and folds what it read afterwards into the workflow's
// accumulator chk, which every return reads, so a lost write shows in the
// result. The generator may refuse any of them (with a position); what
// it accepts must build and agree with the direct call.

// richFeatures are the features whose workflows the generator may refuse:
// a refusal with a file:line:col position in the workflow is counted, not
// failed.
var richFeatures = []string{
	"pointer", "fieldptr", "elemptr", "copywrite", "rangefield", "loopclosure", "loopgo",
	"timezone", "tagged", "embedded", "floats", "bytestring", "namedstring", "intmap",
	"errsentinel", "errtyped", "generic", "argeffect", "argpanic", "collide", "elidedcp",
	// gen_helpers_test.go: calls of the package's helpers; hFill writing
	// through the caller's slice and pointer; workflows that are methods
	// calling helper methods; helpers returning the caller's memory, with
	// one result and with several (the latter a known bug).
	"helpers", "helperwrite", "helpermethod", "helperalias", "helperaliaserr",
	// gen_kept_test.go and gen_results_test.go: closures, shared memory
	// and several-result steps' results kept across checkpoints.
	"keptclosure", "sharekept", "severalkept",
	// gen_cplit_test.go: function literals that make checkpoints.
	"cplit",
}

// richKinds are the statement forms of the rich features. They run only in
// workflows that chose to be rich (half of them), outside map ranges.
func richKinds() []stmtKind {
	ok := func(g *gen, _ *scope) bool { return g.rich && !g.inMapBody() }
	loopOK := func(g *gen, sc *scope) bool { return ok(g, sc) && g.depth < maxDepth }
	return []stmtKind{
		{"pointer", 2, ok, (*gen).pointerDeclStmt},
		{"fieldptr", 1, ok, (*gen).fieldPtrStmt},
		{"elemptr", 1, loopOK, (*gen).elemPtrStmt},
		{"copywrite", 1, ok, (*gen).copyWriteStmt},
		{"rangefield", 1, loopOK, (*gen).rangeFieldStmt},
		{"loopclosure", 1, loopOK, (*gen).loopClosureStmt},
		{"loopgo", 1, loopOK, (*gen).loopGoStmt},
		{"timezone", 1, ok, (*gen).timeStmt},
		{"tagged", 1, ok, (*gen).taggedStmt},
		{"embedded", 1, ok, (*gen).embeddedStmt},
		{"floats", 1, ok, (*gen).floatStmt},
		{"bytestring", 1, ok, (*gen).byteStringStmt},
		{"namedstring", 1, loopOK, (*gen).namedStringStmt},
		{"intmap", 1, ok, (*gen).intMapStmt},
		{"errsentinel", 1, ok, (*gen).errSentinelStmt},
		{"errtyped", 1, ok, (*gen).errTypedStmt},
		{"generic", 1, ok, (*gen).genericStmt},
		{"argeffect", 1, ok, (*gen).argEffectStmt},
		{"argpanic", 4, func(g *gen, sc *scope) bool { return ok(g, sc) && g.panicky }, (*gen).argPanicStmt},
		{"collide", 2, func(g *gen, sc *scope) bool { return ok(g, sc) && g.collide }, (*gen).collideStmt},
		{"helpers", 10, ok, (*gen).helperCallStmt},
		{"keptclosure", 5, ok, (*gen).keptClosureStmt},
		{"sharekept", 5, ok, (*gen).sharedKeptStmt},
		{"severalkept", 4, ok, (*gen).severalKeptStmt},
		{"cplit", 5, ok, (*gen).cpLitStmt},
	}
}

// next returns a fresh number for the names of a snippet.
func (g *gen) next() int {
	g.names++
	return g.names
}

// fold returns the statement that adds e (an int) to the accumulator.
func (g *gen) fold(e string) string {
	return fmt.Sprintf("chk = Mix(chk, %s)", e)
}

// cpLine returns a checkpoint that reads e (an int expression), or nothing
// when the budget is spent.
func (g *gen) cpLine(sc *scope, e string) []string {
	if !g.canCP() {
		return nil
	}
	g.spend()
	if g.chance(3) {
		return []string{fmt.Sprintf("_ = Inc(ctx, %s)", e)}
	}
	return []string{fmt.Sprintf("Touch(ctx, %s)", e)}
}

// inLoop generates the body of a snippet's loop of k iterations: while it
// runs, checkpoints cost k times as much.
func (g *gen) inLoop(k int, body func() []string) []string {
	saved := g.mult
	g.mult *= k
	g.loops++
	defer func() { g.mult = saved; g.loops-- }()
	return body()
}

// pointerDeclStmt declares p := &x of an int variable, of an element of a
// fixed slice, of a Pair's field, or new(int): the grammar then reads *p
// and writes through it and through the pointee, before and after later
// checkpoints.
func (g *gen) pointerDeclStmt(sc *scope) []string {
	name := fmt.Sprintf("ptr%d", g.next())
	v := &variable{name: name, t: tPtr}
	var e string
	switch g.r.IntN(4) {
	case 0:
		if !g.feat.enabled("elemptr") {
			break // the same bug as feature elemptr
		}
		if t := g.pickTarget(sc, tSlice, func(v *variable) bool { return v.fixed }); t != nil {
			t.used = true
			v.target = t
			e = fmt.Sprintf("&%s[Idx(%s, len(%s))]", t.name, g.expr(sc, tInt, 1), t.name)
		}
	case 1:
		if !g.feat.enabled("fieldptr") {
			break // the same bug as feature fieldptr
		}
		if t := g.pickTarget(sc, tPair, nil); t != nil {
			t.used = true
			v.target = t
			e = fmt.Sprintf("&%s.%s", t.name, []string{"A", "B"}[g.r.IntN(2)])
		}
	case 2:
		e = "new(int)"
	}
	if e == "" {
		t := g.pickTarget(sc, tInt, func(v *variable) bool { return v.konst == 0 && !reserved[v.name] })
		if t == nil {
			return g.declStmt(sc)
		}
		t.used = true
		v.target = t
		e = "&" + t.name
	}
	sc.declare(v)
	out := []string{fmt.Sprintf("%s := %s", name, e)}
	if g.chance(2) {
		out = append(out, g.cpLine(sc, "*"+name)...)
		out = append(out, fmt.Sprintf("*%s += %s", name, g.expr(sc, tInt, 1)))
	}
	return out
}

// fieldPtrStmt takes a pointer to a field of the input, writes through it
// between checkpoints and reads the field itself afterwards.
func (g *gen) fieldPtrStmt(sc *scope) []string {
	o := fmt.Sprintf("ord%d", g.next())
	out := []string{fmt.Sprintf("%s := &in.Order", o)}
	if g.chance(2) {
		// Written before the checkpoint, only read after it.
		out = append(out, fmt.Sprintf("%s.Status += %s", o, g.expr(sc, tString, 1)))
		out = append(out, g.cpLine(sc, "len("+o+".Lines)")...)
		return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(in.Order.Status, in.Order.Lines, %s.Status))", o)))
	}
	out = append(out, g.cpLine(sc, "len("+o+".Lines)")...)
	out = append(out, fmt.Sprintf("%s.Status = %s", o, g.expr(sc, tString, 1)))
	switch g.r.IntN(3) {
	case 0:
		out = append(out, fmt.Sprintf("%s.Lines = append(%s.Lines, %s)", o, o, g.expr(sc, tInt, 1)))
	case 1:
		out = append(out, fmt.Sprintf("if len(%s.Lines) > 0 {\n%s.Lines[0] = 100\n}", o, o))
	}
	out = append(out, g.cpLine(sc, "len("+o+".Status)")...)
	return append(out, g.fold("H(fmt.Sprint(in.Order.Status, in.Order.Lines))"))
}

// itemsLit returns a literal of k items.
func (g *gen) itemsLit(sc *scope, k int) string {
	skus := []string{`"a"`, `"bé"`, `"日"`, `"zz"`}
	typ := "Item"
	if g.on("elidedcp") {
		typ = "" // the element type elided: {SKU: ..., Qty: ...}
	}
	var el []string
	for j := range k {
		el = append(el, fmt.Sprintf("%s{SKU: %s, Qty: %s}", typ, skus[j%len(skus)], g.expr(sc, tInt, 1)))
	}
	return "[]Item{" + strings.Join(el, ", ") + "}"
}

// elemPtrStmt takes pointers to elements of a slice of structs, in a loop
// with a step or around checkpoints, and writes through them.
func (g *gen) elemPtrStmt(sc *scope) []string {
	n := g.next()
	its, it := fmt.Sprintf("its%d", n), fmt.Sprintf("it%d", n)
	k := 1 + g.r.IntN(3)
	out := []string{fmt.Sprintf("%s := %s", its, g.itemsLit(sc, k))}
	if g.chance(2) {
		i := fmt.Sprintf("ii%d", n)
		body := g.inLoop(k, func() []string {
			b := []string{fmt.Sprintf("%s := &%s[%s]", it, its, i)}
			if g.canCP() {
				g.spend()
				st := fmt.Sprintf("st%d", n)
				b = append(b, fmt.Sprintf("%s, _ := Reserve(ctx, %s.SKU, %s.Qty)", st, it, it), fmt.Sprintf("%s.Status = %s", it, st))
			}
			return append(b, fmt.Sprintf("%s.Qty++", it))
		})
		out = append(out, fmt.Sprintf("for %s := range %s {\n%s\n}", i, its, strings.Join(body, "\n")))
	} else {
		out = append(out, fmt.Sprintf("%s := &%s[Idx(%s, len(%s))]", it, its, g.expr(sc, tInt, 1), its))
		out = append(out, g.cpLine(sc, it+".Qty")...)
		out = append(out, fmt.Sprintf("%s.Qty += %s", it, g.expr(sc, tInt, 1)), fmt.Sprintf("%s.Skip = !%s.Skip", it, it))
		out = append(out, g.cpLine(sc, "len("+its+")")...)
	}
	return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s))", its)))
}

// copyWriteStmt copies a value that holds a slice or a map (a struct, a
// re-slice, a map) or an array (a true copy), makes a checkpoint, writes
// through the copy and reads the original.
func (g *gen) copyWriteStmt(sc *scope) []string {
	n := g.next()
	a, b := fmt.Sprintf("cpa%d", n), fmt.Sprintf("cpb%d", n)
	var decl, write []string
	switch g.r.IntN(4) {
	case 0:
		decl = []string{fmt.Sprintf("%s := Order{Status: %s, Lines: []int{%s, %s}}", a, g.expr(sc, tString, 1), g.expr(sc, tInt, 1), g.expr(sc, tInt, 1)), fmt.Sprintf("%s := %s", b, a)}
		write = []string{fmt.Sprintf("%s.Lines[0] = 100", b), fmt.Sprintf("%s.Status = %q", b, "copied")}
		if g.chance(3) {
			write = append(write, fmt.Sprintf("%s.Lines = append(%s.Lines, 7)", b, b), fmt.Sprintf("%s.Lines[1] = 200", b))
		}
	case 1:
		decl = []string{fmt.Sprintf("%s := []int{%s, %s, 3}", a, g.expr(sc, tInt, 1), g.expr(sc, tInt, 1)), fmt.Sprintf("%s := %s[1:]", b, a)}
		write = []string{fmt.Sprintf("%s[0] = 100", b)}
	case 2:
		decl = []string{fmt.Sprintf("%s := Batch{Name: %s, Items: %s}", a, g.expr(sc, tString, 1), g.itemsLit(sc, 2)), fmt.Sprintf("%s := %s", b, a)}
		write = []string{fmt.Sprintf("%s.Items[1].Skip = true", b), fmt.Sprintf("%s.Name = %q", b, "copy")}
	default:
		decl = []string{fmt.Sprintf("%s := [3]int{%s, 2, 3}", a, g.expr(sc, tInt, 1)), fmt.Sprintf("%s := %s", b, a)}
		write = []string{fmt.Sprintf("%s[0] = 100", b)}
	}
	out := append(decl, g.cpLine(sc, fmt.Sprintf("H(fmt.Sprint(%s))", a))...)
	out = append(out, write...)
	out = append(out, g.cpLine(sc, fmt.Sprintf("H(fmt.Sprint(%s))", b))...)
	return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s, %s))", a, b)))
}

// rangeFieldStmt ranges over a struct's slice field with a step in the
// body and writes to the next element: the range expression is evaluated
// once, but its elements are read from the shared array at each
// iteration, so an iteration sees what the one before it wrote.
func (g *gen) rangeFieldStmt(sc *scope) []string {
	n := g.next()
	bt, i, it := fmt.Sprintf("bt%d", n), fmt.Sprintf("bi%d", n), fmt.Sprintf("bv%d", n)
	k := 2 + g.r.IntN(2)
	out := []string{fmt.Sprintf("%s := Batch{Name: %s, Items: %s}", bt, g.literal(tString), g.itemsLit(sc, k))}
	body := g.inLoop(k, func() []string {
		b := g.cpLine(sc, it+".Qty")
		b = append(b, fmt.Sprintf("if %s+1 < len(%s.Items) {\n%s.Items[%s+1].Skip = true\n%s.Items[%s+1].Qty += %s.Qty\n}", i, bt, bt, i, bt, i, it))
		return append(b, fmt.Sprintf("if !%s.Skip {\n%s\n}", it, g.fold(it+".Qty")))
	})
	out = append(out, fmt.Sprintf("for %s, %s := range %s.Items {\n%s\n}", i, it, bt, strings.Join(body, "\n")))
	return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s))", bt)))
}

// loopClosureStmt stores closures and pointers that capture the
// per-iteration variables of a loop with a checkpoint, and calls them
// after the loop (sometimes after another checkpoint).
func (g *gen) loopClosureStmt(sc *scope) []string {
	n := g.next()
	fs, ps, i, x, y := fmt.Sprintf("fns%d", n), fmt.Sprintf("ptrs%d", n), fmt.Sprintf("li%d", n), fmt.Sprintf("lx%d", n), fmt.Sprintf("ly%d", n)
	k := 1 + g.r.IntN(3)
	var head, cap string
	if g.chance(2) {
		head = fmt.Sprintf("for %s := 0; %s < %d; %s++ {", i, i, k, i)
		cap = i + " * 10"
	} else {
		var el []string
		for range k {
			el = append(el, g.expr(sc, tInt, 1))
		}
		head = fmt.Sprintf("for %s, %s := range []int{%s} {", i, x, strings.Join(el, ", "))
		cap = fmt.Sprintf("%s*10 + %s", i, x)
	}
	if g.chance(2) {
		// The closure and the pointer are used within their iteration, between
		// its checkpoints: the captured variables are boxed per iteration.
		f, p := fmt.Sprintf("lf%d", n), fmt.Sprintf("lp%d", n)
		body := g.inLoop(k, func() []string {
			b := g.cpLine(sc, i)
			b = append(b, fmt.Sprintf("%s := %s + 1", y, i), fmt.Sprintf("%s := func() int {\nreturn %s + %s\n}", f, cap, y),
				fmt.Sprintf("%s := &%s", p, y), y+"++", g.fold(f+"()"), fmt.Sprintf("*%s += 10", p), g.fold(f+"()"), g.fold("*"+p))
			return append(b, g.cpLine(sc, y)...)
		})
		return []string{head + "\n" + strings.Join(body, "\n") + "\n}"}
	}
	withPtrs := g.chance(2)
	body := g.inLoop(k, func() []string {
		b := g.cpLine(sc, i)
		b = append(b, fmt.Sprintf("%s := %s + 1", y, i))
		b = append(b, fmt.Sprintf("%s = append(%s, func() int {\nreturn %s + %s\n})", fs, fs, cap, y))
		if withPtrs {
			b = append(b, fmt.Sprintf("%s = append(%s, &%s)", ps, ps, y))
		}
		b = append(b, y+"++ // seen by the closure: it captures the variable")
		if g.chance(2) {
			b = append(b, g.cpLine(sc, y)...)
		}
		return b
	})
	out := []string{fmt.Sprintf("var %s []func() int", fs)}
	if withPtrs {
		out = append(out, fmt.Sprintf("var %s []*int", ps))
	}
	out = append(out, head+"\n"+strings.Join(body, "\n")+"\n}")
	if g.chance(3) {
		out = append(out, g.cpLine(sc, "len("+fs+")")...)
	}
	out = append(out, fmt.Sprintf("for _, fn := range %s {\n%s\n}", fs, g.fold("fn()")))
	if withPtrs {
		out = append(out, fmt.Sprintf("for _, p := range %s {\n%s\n}", ps, g.fold("*p")))
	}
	return out
}

// loopGoStmt starts a durable.Go step per iteration whose closure captures
// the loop variables (and registers a compensation with them), then
// awaits all of them.
func (g *gen) loopGoStmt(sc *scope) []string {
	k := 1 + g.r.IntN(3)
	if !g.canCP() || g.budget < g.mult*(k+1) {
		return g.assignStmt(sc)
	}
	g.budget -= g.mult * (k + 1)
	g.hasMap = true // the steps run concurrently: effects in any order
	n := g.next()
	futs, i, x := fmt.Sprintf("futs%d", n), fmt.Sprintf("gi%d", n), fmt.Sprintf("gx%d", n)
	var el []string
	for range k {
		el = append(el, g.expr(sc, tInt, 1))
	}
	var comp string
	if !g.panicky && g.on("compensate") && g.chance(2) {
		comp = fmt.Sprintf("durable.Compensate(ctx, Touch, %s)\n", x)
	}
	loop := fmt.Sprintf(`for %s, %s := range []int{%s} {
%s%s = append(%s, durable.Go(ctx, "lg%d", func(ctx context.Context) (int, error) {
	Effects.Add(ctx, fmt.Sprint("lg ", %s, " ", %s))
	return %s*100 + %s, nil
}))
}`, i, x, strings.Join(el, ", "), comp, futs, futs, n, i, x, i, x)
	errName := fmt.Sprintf("gerr%d", n)
	return []string{
		fmt.Sprintf("var %s []*durable.Future[int]", futs),
		loop,
		fmt.Sprintf("if %s := durable.All(ctx, durable.Futures(%s)...); %s != nil {\n%s\n}", errName, futs, errName, g.errReturn(newScope(sc), errName)),
		fmt.Sprintf("for _, fu := range %s {\n%s\n}", futs, g.fold("Must(fu.Get())")),
	}
}

// timeStmt keeps a time.Time in a fixed zone or a named IANA location
// across checkpoints (sometimes through a step) and reads its location.
func (g *gen) timeStmt(sc *scope) []string {
	n := g.next()
	tm := fmt.Sprintf("tm%d", n)
	var out []string
	loc := `time.FixedZone("EST", -5*3600)`
	if g.chance(2) {
		l := fmt.Sprintf("loc%d", n)
		name := []string{"Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC", "Local"}[g.r.IntN(5)]
		lerr := fmt.Sprintf("lerr%d", n)
		out = append(out, fmt.Sprintf("%s, %s := time.LoadLocation(%q)", l, lerr, name), fmt.Sprintf("if %s != nil {\n%s\n}", lerr, g.errReturn(newScope(sc), lerr)))
		loc = l
	}
	out = append(out, fmt.Sprintf("%s := time.Date(2024, time.March, 10, Idx(%s, 24), 30, 0, 5, %s)", tm, g.expr(sc, tInt, 1), loc))
	if g.chance(2) && g.canCP() {
		g.spend()
		out = append(out, fmt.Sprintf("%s, _ = Stamp(ctx, %s)", tm, tm))
	}
	out = append(out, g.cpLine(sc, tm+".Hour()")...)
	return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s.String(), %s.Location().String(), %s.Format(time.RFC3339Nano)))", tm, tm, tm)))
}

// taggedStmt keeps a struct whose tags rename, drop and omit fields.
func (g *gen) taggedStmt(sc *scope) []string {
	tg := fmt.Sprintf("tg%d", g.next())
	out := []string{fmt.Sprintf("%s := Tagged{ID: %s, Secret: %s, Note: %s}", tg, g.expr(sc, tInt, 1), g.expr(sc, tString, 1), g.literal(tString))}
	if g.chance(2) && g.feat.enabled("generic") && g.canCP() {
		g.spend()
		out = append(out, fmt.Sprintf("%s, _ = Load(ctx, %s)", tg, tg))
	}
	out = append(out, g.cpLine(sc, tg+".ID")...)
	out = append(out, fmt.Sprintf("%s.Secret += %q", tg, "!"))
	out = append(out, g.cpLine(sc, "len("+tg+".Secret)")...)
	return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s))", tg)))
}

// embeddedStmt keeps a struct with two embedded structs whose fields
// collide.
func (g *gen) embeddedStmt(sc *scope) []string {
	dc := fmt.Sprintf("dc%d", g.next())
	out := []string{fmt.Sprintf("%s := Doc{Base: Base{ID: %s, Tag: %s}, Meta: Meta{ID: %s, Ver: 2}, Body: %s}", dc, g.expr(sc, tInt, 1), g.literal(tString), g.expr(sc, tInt, 1), g.expr(sc, tString, 1))}
	out = append(out, g.cpLine(sc, dc+".Ver")...)
	out = append(out, fmt.Sprintf("%s.Tag += %q", dc, "+"), fmt.Sprintf("%s.Meta.ID++", dc))
	out = append(out, g.cpLine(sc, dc+".Base.ID")...)
	return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s.Base.ID, %s.Meta.ID, %s.Tag, %s.Ver, %s.Body))", dc, dc, dc, dc, dc)))
}

// floatStmt keeps floats that JSON cannot hold (±Inf, NaN) or loses the
// sign of (-0).
func (g *gen) floatStmt(sc *scope) []string {
	fl := fmt.Sprintf("fl%d", g.next())
	vals := []string{"math.Inf(1)", "math.Inf(-1)", "math.NaN()", "math.Copysign(0, -1)", "0.1", "float64(in.N) / 3", "math.MaxFloat64", "math.SmallestNonzeroFloat64"}
	out := []string{fmt.Sprintf("%s := %s", fl, vals[g.r.IntN(len(vals))])}
	if g.chance(2) && g.canCP() {
		g.spend()
		out = append(out, fmt.Sprintf("%s, _ = Scale(ctx, %s, %s)", fl, fl, g.expr(sc, tInt, 1)))
	}
	out = append(out, g.cpLine(sc, "len(in.S)")...)
	return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s, math.Signbit(%s)))", fl, fl)))
}

// byteStringStmt keeps a string holding bytes that are not UTF-8.
func (g *gen) byteStringStmt(sc *scope) []string {
	bs := fmt.Sprintf("bs%d", g.next())
	lits := []string{`"a\xffb"`, `"\xc3"`, `string([]byte{0xfe, 0xff})`, `"\xed\xa0\x80"`}
	out := []string{fmt.Sprintf("%s := %s + %s", bs, lits[g.r.IntN(len(lits))], g.expr(sc, tString, 1))}
	if g.chance(2) && g.canCP() {
		g.spend()
		out = append(out, fmt.Sprintf("%s, _ = Echo(ctx, %s)", bs, bs))
	}
	out = append(out, g.cpLine(sc, "len("+bs+")")...)
	out = append(out, fmt.Sprintf("%s += %q", bs, "\x80"))
	out = append(out, g.cpLine(sc, "len("+bs+")")...)
	return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(fmt.Sprintf(\"%%q\", %s)))", bs)))
}

// namedStringStmt ranges over a named string type with a checkpoint in
// the body, and passes it to a step.
func (g *gen) namedStringStmt(sc *scope) []string {
	n := g.next()
	sk, i, r := fmt.Sprintf("sku%d", n), fmt.Sprintf("si%d", n), fmt.Sprintf("sr%d", n)
	out := []string{fmt.Sprintf("%s := SKU(%s)", sk, []string{`"aé"`, `"x"`, `"日本"`, `""`}[g.r.IntN(4)])}
	if g.chance(2) {
		out = append(out, fmt.Sprintf("%s += SKU(Clip(%s))", sk, g.expr(sc, tString, 1)))
	}
	body := g.inLoop(3, func() []string {
		b := g.cpLine(sc, "int("+r+")")
		return append(b, g.fold(fmt.Sprintf("%s + int(%s)", i, r)))
	})
	out = append(out, fmt.Sprintf("for %s, %s := range %s {\n%s\n}", i, r, sk, strings.Join(body, "\n")))
	if g.canCP() {
		g.spend()
		st := fmt.Sprintf("rs%d", n)
		out = append(out, fmt.Sprintf("%s, _ := Reserve(ctx, %s, len(%s))", st, sk, sk), g.fold(fmt.Sprintf("H(fmt.Sprint(%s))", st)))
	}
	return out
}

// intMapStmt keeps a map with int keys.
func (g *gen) intMapStmt(sc *scope) []string {
	mi := fmt.Sprintf("mi%d", g.next())
	out := []string{fmt.Sprintf("%s := map[int]string{-1: %s, 3: %s}", mi, g.literal(tString), g.expr(sc, tString, 1))}
	out = append(out, g.cpLine(sc, "len("+mi+")")...)
	out = append(out, fmt.Sprintf("%s[%s] = %q", mi, g.expr(sc, tInt, 1), "set"))
	out = append(out, g.cpLine(sc, "len("+mi+")")...)
	return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s))", mi)))
}

// errSentinelStmt gets a sentinel error (bare or wrapped) from a step and
// compares it after later checkpoints, with ==, errors.Is and a switch.
func (g *gen) errSentinelStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	g.spend()
	n := g.next()
	v, e := fmt.Sprintf("lv%d", n), fmt.Sprintf("lerr%d", n)
	var out []string
	if g.chance(2) {
		out = append(out, fmt.Sprintf("%s, %s := Lookup(ctx, %s)", v, e, g.arg(sc, tInt, 1)))
		out = append(out, g.fold(v))
	} else {
		out = append(out, fmt.Sprintf("%s, %s := Find(ctx, %s)", v, e, g.arg(sc, tInt, 1)))
		out = append(out, g.fold("len("+v+")"))
	}
	out = append(out, g.cpLine(sc, "len(in.S)")...)
	switch g.r.IntN(3) {
	case 0:
		out = append(out, fmt.Sprintf("if %s == ErrNoRows {\n%s\n}", e, g.fold("1")))
	case 1:
		out = append(out, fmt.Sprintf("switch %s {\ncase nil:\n%s\ncase ErrNoRows:\n%s\ndefault:\n%s\n}", e, g.fold("2"), g.fold("3"), g.fold("len("+e+".Error())")))
	}
	out = append(out, fmt.Sprintf("if errors.Is(%s, ErrNoRows) {\n%s\n} else if %s != nil {\n%s\n}", e, g.fold("4"), e, g.fold("len("+e+".Error())")))
	if g.chance(3) {
		out = append(out, g.cpLine(sc, "5")...)
		out = append(out, fmt.Sprintf("if %s != nil {\n%s\n}", e, g.errReturn(sc, e)))
	}
	return out
}

// errTypedStmt gets a typed error (bare or wrapped) from a step and
// matches it with errors.As and a type switch after a checkpoint.
func (g *gen) errTypedStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	g.spend()
	n := g.next()
	v, e, rl := fmt.Sprintf("tv%d", n), fmt.Sprintf("terr%d", n), fmt.Sprintf("rl%d", n)
	var out []string
	if g.chance(2) {
		out = append(out, fmt.Sprintf("%s, %s := Lookup(ctx, %s)", v, e, g.arg(sc, tInt, 1)), g.fold(v))
	} else {
		out = append(out, fmt.Sprintf("%s, %s := Find(ctx, %s)", v, e, g.arg(sc, tInt, 1)), g.fold("len("+v+")"))
	}
	out = append(out, g.cpLine(sc, "len(in.S)")...)
	out = append(out, fmt.Sprintf("var %s *RateLimited\nif errors.As(%s, &%s) {\n%s\n}", rl, e, rl, g.fold(rl+".After")))
	if g.chance(2) {
		out = append(out, fmt.Sprintf("switch te := %s.(type) {\ncase nil:\n%s\ncase *RateLimited:\n%s\ndefault:\n%s\n}", e, g.fold("6"), g.fold("te.After"), g.fold("len(te.Error())")))
	}
	return out
}

// genericStmt calls the generic step with explicit and inferred type
// arguments.
func (g *gen) genericStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	g.spend()
	n := g.next()
	v := fmt.Sprintf("gv%d", n)
	var call, read string
	switch g.r.IntN(4) {
	case 0:
		call, read = fmt.Sprintf("Load[int](ctx, %s)", g.arg(sc, tInt, 1)), v
	case 1:
		call, read = fmt.Sprintf("Load[string](ctx, %s)", g.arg(sc, tString, 1)), "len("+v+")"
	case 2:
		call, read = fmt.Sprintf("Load(ctx, Pair{A: %s, B: 1})", g.arg(sc, tInt, 1)), v+".A"
	default:
		call, read = fmt.Sprintf("Load[[]int](ctx, []int{%s})", g.arg(sc, tInt, 1)), "len("+v+")"
	}
	out := []string{fmt.Sprintf("%s, _ := %s", v, call)}
	out = append(out, g.cpLine(sc, "1")...)
	return append(out, g.fold(read))
}

// argEffectStmt calls a step whose first attempt fails and suspends, with
// an argument that has an effect (seq.Next()): Go evaluates it once.
func (g *gen) argEffectStmt(sc *scope) []string {
	if g.budget < 3*g.mult || !g.canCP() {
		return g.assignStmt(sc)
	}
	n := g.next()
	seq, id, e := fmt.Sprintf("seq%d", n), fmt.Sprintf("id%d", n), fmt.Sprintf("ierr%d", n)
	out := []string{fmt.Sprintf("var %s Seq", seq)}
	if g.chance(2) {
		out[0] = fmt.Sprintf("%s := &Seq{N: %s}", seq, g.expr(sc, tInt, 1))
	}
	g.budget -= 2 * g.mult // the call and its suspended retry
	arg := seq + ".Next()"
	if g.chance(2) {
		arg = fmt.Sprintf("%s.Next()*10 + %s", seq, g.arg(sc, tInt, 1))
	}
	out = append(out, fmt.Sprintf("%s, %s := Issue(ctx, %s)", id, e, arg), fmt.Sprintf("if %s != nil {\n%s\n}", e, g.errReturn(newScope(sc), e)))
	return append(out, g.fold(fmt.Sprintf("H(fmt.Sprint(%s, %s.N))", id, seq)))
}

// argPanicStmt passes a step an element whose index may be out of range:
// the direct call panics there, and the machine must fail the same way
// (with the panic, not a retried step error).
func (g *gen) argPanicStmt(sc *scope) []string {
	if !g.canCP() {
		return g.assignStmt(sc)
	}
	g.spend()
	xs := fmt.Sprintf("ax%d", g.next())
	out := []string{fmt.Sprintf("%s := []int{1, 2, 3}", xs)}
	out = append(out, g.cpLine(sc, "len("+xs+")")...)
	return append(out, fmt.Sprintf("Touch(ctx, %s[Idx(in.N, 5)])", xs))
}

// collideStmt reads the package-level identifiers of a package whose
// names collide with what generated code imports and declares.
func (g *gen) collideStmt(sc *scope) []string {
	for _, name := range []string{"f", "runtime", "durable", "context", "fmt"} {
		if sc.lookup(name) != nil {
			return g.declStmt(sc) // a local shadows the package's
		}
	}
	x := "x" // the package's, unless a local shadows it
	if sc.lookup("x") != nil {
		x = "f(1)"
	}
	out := g.cpLine(sc, x+" + f(runtime)")
	return append(out, g.fold(fmt.Sprintf("f(%s) + runtime + durable + len(context) + fmt + %s", g.expr(sc, tInt, 1), x)))
}
