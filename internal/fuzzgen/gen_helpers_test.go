package fuzzgen

import (
	"fmt"
	"strings"
)

// helpersSource is the third file of every generated package: helper
// functions that take the workflow's durable.Context first and make
// checkpoints (durablegen compiles each to a frame nested in its
// caller's), and helper methods of Meter, the receiver of the workflows
// that are methods (feature helpermethod). Workflows call them with
// arguments computed from their locals (feature helpers), in loops, and
// they call each other up to three deep. The constants of their bodies
// depend on the package's seed (%[1]d to %[4]d), so that packages differ.
const helpersSource = `package PKGNAME

import (
	"errors"
	"fmt"
	"time"

	"github.com/durablegen/durable"
)

// ErrOver is the sentinel hSum returns, wrapped, past its limit.
var ErrOver = errors.New("over")

// hSum adds xs in a loop of steps and returns early, with a wrapped
// sentinel, once the total passes limit; a checkpoint in an if after the
// loop.
func hSum(ctx durable.Context, xs []int, limit int) (int, error) {
	total := 0
	for i, x := range xs {
		v, err := Add(ctx, total, x)
		if err != nil {
			return total, err
		}
		total = v
		if total > limit {
			return total, fmt.Errorf("hsum at %%d: %%w", i, ErrOver)
		}
	}
	if total%%%[1]d == 0 {
		Touch(ctx, total)
	}
	return total, nil
}

// hLabel has one result and a step in each branch.
func hLabel(ctx durable.Context, s string, n int) string {
	if n%%2 == 0 {
		return Label(ctx, s, n)
	}
	e, err := Echo(ctx, s)
	if err != nil {
		return "!"
	}
	return e + Label(ctx, "o", n+%[2]d)
}

// hReserve registers a compensation per step it makes (in a loop, and
// in a literal compiled as a helper): they join the workflow's saga and
// run, last first, if the workflow fails.
func hReserve(ctx durable.Context, n, times int) (int, error) {
	undo := func(k int) {
		durable.Compensate(ctx, Touch, k+%[3]d)
	}
	total := 0
	for i := range Idx(times, 3) {
		v, err := Add(ctx, n, i)
		if err != nil {
			return total, err
		}
		durable.Compensate(ctx, Label, "unreserve", v)
		total += v
	}
	undo(total)
	return total, nil
}

// hGen is a generic helper: one frame type for every instance, a value
// of its type parameter kept across its checkpoints.
func hGen[T any](ctx durable.Context, xs []T, n int) (T, int, error) {
	var zero T
	for i := range xs {
		v, err := Add(ctx, n, i+%[2]d)
		if err != nil {
			return zero, n, err
		}
		n = v
		if Idx(n, 3) == 0 {
			return xs[i], n, nil
		}
	}
	return zero, n, nil
}

// hTouch has no result: zero to two steps in a loop.
func hTouch(ctx durable.Context, n, times int) {
	for i := range Idx(times, 3) {
		Touch(ctx, n+i*%[3]d)
	}
}

// hNamed has named results and bare returns, sleeps, and calls two
// helpers (hSum, hLabel): three frames deep from a workflow.
func hNamed(ctx durable.Context, n int, s string) (q int, label string, err error) {
	q, err = hSum(ctx, []int{n, n + %[2]d}, %[4]d)
	if err != nil {
		return
	}
	if err = durable.Sleep(ctx, time.Minute); err != nil {
		return
	}
	label = hLabel(ctx, s, q)
	return
}

// hCheck wraps the error of a step that fails for good (Check), which
// the caller compares with errors.Is after its own checkpoints.
func hCheck(ctx durable.Context, n int) (int, error) {
	v, err := Check(ctx, n)
	if err != nil {
		return -1, fmt.Errorf("hcheck %%d: %%w", n, err)
	}
	return Inc(ctx, v+%[1]d), nil
}

// hSplit has several results: a step with four results whose first
// attempt fails and suspends (Split3), then DivMod.
func hSplit(ctx durable.Context, n int, s string) (int, string, error) {
	h, t, k, err := Split3(ctx, n, s)
	if err != nil {
		return h, t, err
	}
	q, r, err := DivMod(ctx, h+k, %[3]d)
	return q*10 + r, t, err
}

// hFill writes through its slice and pointer parameters between its
// checkpoints: the caller passes its own variables, which must see every
// write, also after a resume inside hFill.
func hFill(ctx durable.Context, xs []int, total *int) error {
	for i := range xs {
		v := Inc(ctx, xs[i])
		xs[i] = v
		*total += v
	}
	if *total%%2 == 0 {
		return Note(ctx, fmt.Sprint("filled ", *total))
	}
	return nil
}

// hDeep calls hNamed in a loop (four frames deep) and folds its results.
func hDeep(ctx durable.Context, k int) (int, error) {
	acc := 0
	for i := range Idx(k, 2) + 1 {
		q, l, err := hNamed(ctx, i+k, "d")
		if err != nil {
			return acc, err
		}
		acc = Mix(acc, q+len(l))
	}
	return acc, nil
}

// hHead returns the first half of xs after a checkpoint: a view of the
// caller's array, which the caller writes through.
func hHead(ctx durable.Context, xs []int) ([]int, error) {
	Touch(ctx, len(xs))
	return xs[:len(xs)/2], nil
}

// hFirst returns xs[:1] (nil for none) after a checkpoint: a view of the
// caller's array.
func hFirst(ctx durable.Context, xs []int) []int {
	if len(xs) == 0 {
		return nil
	}
	Touch(ctx, xs[0]+%[2]d)
	return xs[:1]
}

// hSame returns its pointer parameter after a checkpoint: the caller
// writes its own variable through the result.
func hSame(ctx durable.Context, p *int) *int {
	Touch(ctx, *p)
	return p
}

// hAlias returns its map parameter after a checkpoint: the caller writes
// its own map through the result.
func hAlias(ctx durable.Context, m map[string]int) map[string]int {
	Touch(ctx, len(m))
	return m
}

// hShare keeps memory shared between its own locals (a sub-slice, a map
// under two names, a struct copy, a pointer to an element) across its
// checkpoints and writes through each name.
func hShare(ctx durable.Context, n int) string {
	xs := []int{n, 2, %[3]d}
	ys := xs[1:]
	m := map[string]int{"a": n}
	m2 := m
	o := Order{Status: "s", Lines: []int{1, 2}}
	o2 := o
	p := &xs[0]
	Touch(ctx, n)
	ys[0] = 9
	m2["b"] = %[2]d
	o2.Lines[1] = 7
	*p += 100
	ys = append(ys, 4)
	Touch(ctx, len(ys))
	ys[1] = 5
	return Clip(fmt.Sprint(H(fmt.Sprint(xs, ys, m, m2, o, o2))))
}

// hClos keeps closures across its checkpoints: one writing a captured
// local, a func variable holding a package function or a literal that
// captures a parameter, literals per iteration of a loop of steps.
func hClos(ctx durable.Context, s string, n int) (string, error) {
	c := n
	add := func(d int) int {
		c += d
		return c
	}
	op := Clip
	if len(s) > %[1]d {
		op = func(x string) string { return x + s }
	}
	add(1)
	Touch(ctx, c)
	add(2)
	var fs []string
	for i := range 2 {
		v := Inc(ctx, i+c)
		f := func() string { return fmt.Sprint(v, i) }
		fs = append(fs, f())
	}
	return fmt.Sprint(op(s), add(0), c, fs), nil
}

// hPut writes its map parameter between its checkpoints: the caller's
// map, which another of its names also holds.
func hPut(ctx durable.Context, m map[string]int, k string) {
	m[k] = Inc(ctx, len(m))
	Touch(ctx, m[k]+%[2]d)
}

// hSetP writes through a pointer to the caller's struct between its
// checkpoints.
func hSetP(ctx durable.Context, p *Pair) {
	p.A = Inc(ctx, p.A)
	p.B++
	Touch(ctx, p.B)
}

// hOrder writes through a pointer to the caller's struct that holds a
// slice, shared with a copy the caller made.
func hOrder(ctx durable.Context, o *Order) {
	o.Lines[0] = Inc(ctx, o.Lines[0])
	o.Lines[1] += %[3]d
	Touch(ctx, len(o.Status))
}

// Meter is the receiver of the workflows that are methods.
type Meter struct {
	Base int
	Unit string
}

// read is a helper method with a value receiver, called on the pointer
// receiver of a workflow.
func (m Meter) read(ctx durable.Context, n int) (int, error) {
	v, err := Add(ctx, n, m.Base)
	if err != nil {
		return 0, err
	}
	if v%%%[1]d == 0 {
		return v, nil
	}
	return Check(ctx, v)
}

// scale is a helper method with a pointer receiver that calls another
// helper method of the same receiver and a helper function.
func (m *Meter) scale(ctx durable.Context, n int) (out string) {
	v, err := m.read(ctx, n)
	if err != nil {
		out = "err:" + m.Unit
		return
	}
	out = hLabel(ctx, m.Unit, v)
	return
}
`

// helperSource returns the helpers file of the package of seed.
func helperSource(seed uint64) string {
	return fmt.Sprintf(helpersSource, 2+seed%3, 1+seed%5, 2+seed%4, 20+seed%30)
}

// meterLit is the receiver the tests bind the workflows that are methods
// to.
const meterLit = `&Meter{Base: 3, Unit: "kg"}`

// helperCost is the most checkpoints each helper makes (a failed first
// attempt counting as one).
var helperCost = map[string]int{
	"hSum": 5, "hLabel": 2, "hTouch": 2, "hReserve": 3, "hGen": 3, "hNamed": 6, "hCheck": 2, "hSplit": 4,
	"hFill": 4, "hDeep": 12, "read": 2, "scale": 4, "hHead": 3, "hFirst": 3, "hSame": 3, "hAlias": 3, "hShare": 2, "hClos": 3, "hPut": 5, "hSetP": 5, "hOrder": 3,
}

// helperCallStmt calls a helper with arguments computed from the locals,
// as a statement or in a loop, and folds its results (and whether it
// failed) into chk.
func (g *gen) helperCallStmt(sc *scope) []string {
	names := []string{"hSum", "hLabel", "hTouch", "hNamed", "hCheck", "hSplit", "hDeep", "hShare", "hClos", "hGen"}
	if g.recv && g.chance(2) && g.on("helpermethod") {
		names = []string{"read", "scale"} // helper methods on the workflow's receiver
	}
	if g.on("helperwrite") {
		names = append(names, "hFill", "hPut", "hSetP", "hOrder")
	}
	if g.on("helperalias") {
		names = append(names, "hFirst", "hSame", "hAlias")
	}
	if g.on("helperaliaserr") {
		names = append(names, "hHead")
	}
	if g.on("compensate") && !g.panicky {
		names = append(names, "hReserve")
	}
	k := 1
	loop := g.depth < maxDepth && g.chance(3)
	if loop {
		k = 1 + g.r.IntN(2)
	}
	var fit []string // the helpers the budget (and the helpers' own allowance) affords
	for _, h := range names {
		if h == "hOrder" && (loop || g.loops > 0) {
			// Refused: a per-iteration struct copy that shares its slice
			// with what the helper writes.
			continue
		}
		if c := g.mult * k * helperCost[h]; g.helperBudget >= c || g.budget >= c {
			fit = append(fit, h)
		}
	}
	if g.noCP > 0 || len(fit) == 0 {
		return g.assignStmt(sc)
	}
	h := fit[g.r.IntN(len(fit))]
	if c := g.mult * k * helperCost[h]; g.helperBudget >= c {
		g.helperBudget -= c
	} else {
		g.budget -= c
	}
	n := g.next()
	var i string
	var out []string
	body := func() []string {
		// Arguments read the locals (and the loop's index); checkpoints
		// in them are the budget's, spent already.
		g.noCP++
		defer func() { g.noCP-- }()
		ie := g.expr(sc, tInt, 1)
		if i != "" {
			ie = fmt.Sprintf("%s + %s", i, ie)
		}
		v, e := fmt.Sprintf("hv%d", n), fmt.Sprintf("herr%d", n)
		switch h {
		case "hSum":
			xs := g.expr(sc, tSlice, 1)
			return []string{fmt.Sprintf("%s, %s := hSum(ctx, %s, %s)", v, e, xs, ie), g.fold(v), g.helperErr(sc, e)}
		case "hLabel":
			return []string{fmt.Sprintf("%s := hLabel(ctx, %s, %s)", v, g.expr(sc, tString, 1), ie), g.fold(fmt.Sprintf("H(%s)", v))}
		case "hTouch":
			return []string{fmt.Sprintf("hTouch(ctx, %s, %s)", ie, g.expr(sc, tInt, 1)), g.fold(ie)}
		case "hNamed":
			l := fmt.Sprintf("hl%d", n)
			return []string{fmt.Sprintf("%s, %s, %s := hNamed(ctx, %s, %s)", v, l, e, ie, g.expr(sc, tString, 1)),
				g.fold(fmt.Sprintf("%s + H(%s)", v, l)), g.helperErr(sc, e)}
		case "hCheck":
			return []string{fmt.Sprintf("%s, %s := hCheck(ctx, %s)", v, e, ie), g.fold(v), g.helperErr(sc, e)}
		case "hGen":
			if g.chance(2) {
				k := fmt.Sprintf("hk%d", n)
				return []string{fmt.Sprintf("%s, %s, %s := hGen(ctx, []string{%s, %q}, %s)", v, k, e, g.expr(sc, tString, 1), "g", ie),
					g.fold(fmt.Sprintf("H(%s) + %s", v, k)), g.helperErr(sc, e)}
			}
			k := fmt.Sprintf("hk%d", n)
			return []string{fmt.Sprintf("%s, %s, %s := hGen(ctx, %s, %s)", v, k, e, g.expr(sc, tSlice, 1), ie),
				g.fold(fmt.Sprintf("%s + %s", v, k)), g.helperErr(sc, e)}
		case "hReserve":
			return []string{fmt.Sprintf("%s, %s := hReserve(ctx, %s, %s)", v, e, ie, g.expr(sc, tInt, 1)), g.fold(v), g.helperErr(sc, e)}
		case "hSplit":
			t := fmt.Sprintf("ht%d", n)
			return []string{fmt.Sprintf("%s, %s, %s := hSplit(ctx, %s, %s)", v, t, e, ie, g.expr(sc, tString, 1)),
				g.fold(fmt.Sprintf("%s + H(%s)", v, t)), g.helperErr(sc, e)}
		case "hDeep":
			return []string{fmt.Sprintf("%s, %s := hDeep(ctx, %s)", v, e, ie), g.fold(v), g.helperErr(sc, e)}
		case "read":
			return []string{fmt.Sprintf("%s, %s := mt.read(ctx, %s)", v, e, ie), g.fold(v), g.helperErr(sc, e)}
		case "scale":
			return []string{fmt.Sprintf("%s := mt.scale(ctx, %s)", v, ie), g.fold(fmt.Sprintf("H(%s)", v))}
		case "hShare":
			return []string{fmt.Sprintf("%s := hShare(ctx, %s)", v, ie), g.fold(fmt.Sprintf("H(%s)", v))}
		case "hClos":
			return []string{fmt.Sprintf("%s, %s := hClos(ctx, %s, %s)", v, e, g.expr(sc, tString, 1), ie), g.fold(fmt.Sprintf("H(%s)", v)), g.helperErr(sc, e)}
		case "hSame":
			// The result is the address of the caller's variable.
			k := fmt.Sprintf("hk%d", n)
			return []string{fmt.Sprintf("%s := %s", k, ie), fmt.Sprintf("%s := hSame(ctx, &%s)", v, k),
				fmt.Sprintf("Touch(ctx, %s)", k), fmt.Sprintf("*%s += %s", v, g.expr(sc, tInt, 1)), fmt.Sprintf("%s++", k),
				fmt.Sprintf("_ = Inc(ctx, *%s)", v), g.fold(fmt.Sprintf("%s*3 + *%s", k, v))}
		case "hAlias":
			// The result is the caller's map.
			m := fmt.Sprintf("hm%d", n)
			return []string{fmt.Sprintf("%s := map[string]int{%q: %s}", m, "k", ie), fmt.Sprintf("%s := hAlias(ctx, %s)", v, m),
				fmt.Sprintf("Touch(ctx, len(%s))", v), fmt.Sprintf("%s[%q] = %s", v, "b", g.expr(sc, tInt, 1)), fmt.Sprintf("%s[%q]++", m, "k"),
				fmt.Sprintf("_ = Inc(ctx, len(%s))", m), g.fold(fmt.Sprintf("H(fmt.Sprint(%s, %s))", m, v))}
		case "hPut":
			// The caller's map, under two names, written by the helper and
			// by the caller between the helper's calls.
			m, m2 := fmt.Sprintf("hm%d", n), fmt.Sprintf("hm2%d", n)
			return []string{fmt.Sprintf("%s := map[string]int{%q: %s}", m, "a", ie), fmt.Sprintf("%s := %s", m2, m),
				fmt.Sprintf("hPut(ctx, %s, %q)", m, "b"), fmt.Sprintf("%s[%q] = %s", m2, "c", g.expr(sc, tInt, 1)),
				fmt.Sprintf("hPut(ctx, %s, %q)", m2, "d"), g.fold(fmt.Sprintf("H(fmt.Sprint(%s, %s))", m, m2))}
		case "hSetP":
			// The caller's struct, through its address and through a
			// pointer the caller keeps.
			p, q := fmt.Sprintf("hp%d", n), fmt.Sprintf("hq%d", n)
			return []string{fmt.Sprintf("%s := Pair{A: %s, B: %s}", p, ie, g.expr(sc, tInt, 1)), fmt.Sprintf("%s := &%s", q, p),
				fmt.Sprintf("hSetP(ctx, &%s)", p), fmt.Sprintf("%s.B += 10", q), fmt.Sprintf("hSetP(ctx, %s)", q),
				g.fold(fmt.Sprintf("H(fmt.Sprint(%s, *%s))", p, q))}
		case "hOrder":
			// The caller's struct holding a slice, shared with a copy.
			o, c := fmt.Sprintf("ho%d", n), fmt.Sprintf("hc%d", n)
			return []string{fmt.Sprintf("%s := Order{Status: %s, Lines: []int{%s, 2}}", o, g.literal(tString), ie), fmt.Sprintf("%s := %s", c, o),
				fmt.Sprintf("hOrder(ctx, &%s)", o), fmt.Sprintf("Touch(ctx, len(%s.Lines))", o), fmt.Sprintf("%s.Lines[1] = 7", c),
				g.fold(fmt.Sprintf("H(fmt.Sprint(%s, %s))", o, c))}
		case "hHead", "hFirst":
			// The result is a view of the caller's slice: written through,
			// and appended to within the capacity (which writes the
			// slice's next element), after the caller's checkpoints.
			xs := fmt.Sprintf("hxs%d", n)
			b := []string{fmt.Sprintf("%s := []int{%s, %s, %s}", xs, ie, g.expr(sc, tInt, 1), g.literal(tInt))}
			if h == "hHead" {
				b = append(b, fmt.Sprintf("%s, %s := hHead(ctx, %s)", v, e, xs), g.helperErr(sc, e))
			} else {
				b = append(b, fmt.Sprintf("%s := hFirst(ctx, %s)", v, xs))
			}
			// Its cost pays for the two checkpoints.
			b = append(b, fmt.Sprintf("Touch(ctx, len(%s))", v))
			b = append(b, fmt.Sprintf("if len(%s) > 0 {\n%s[0] = %s\n}", v, v, g.expr(sc, tInt, 1)))
			if g.chance(2) {
				b = append(b, fmt.Sprintf("%s = append(%s, %d)", v, v, g.r.IntN(50)))
			}
			b = append(b, fmt.Sprintf("_ = Inc(ctx, len(%s))", xs))
			return append(b, g.fold(fmt.Sprintf("H(fmt.Sprint(%s, %s))", xs, v)))
		}
		// hFill: the caller's own slice and the address of its own local,
		// written by the helper, read after the caller's next checkpoint.
		xs, tot := fmt.Sprintf("hxs%d", n), fmt.Sprintf("htot%d", n)
		var b []string
		if i == "" && g.chance(2) {
			// Fields of the input: the slice and the address of a field.
			xs, tot = "in.Xs", "in.N"
			b = []string{fmt.Sprintf("in.N += %s", ie), fmt.Sprintf("%s := hFill(ctx, in.Xs, &in.N)", e)}
		} else {
			b = []string{fmt.Sprintf("%s := []int{%s, %s}", xs, ie, g.expr(sc, tInt, 1)), fmt.Sprintf("%s := %s", tot, g.expr(sc, tInt, 1)),
				fmt.Sprintf("%s := hFill(ctx, %s, &%s)", e, xs, tot)}
		}
		g.noCP--
		b = append(b, g.cpLine(sc, tot)...)
		g.noCP++
		return append(b, g.fold(fmt.Sprintf("H(fmt.Sprint(%s, %s))", xs, tot)), g.helperErr(sc, e))
	}
	if !loop {
		return body()
	}
	i = fmt.Sprintf("hi%d", n)
	lines := g.inLoop(k, body)
	out = append(out, fmt.Sprintf("for %s := range %d {\n%s\n}", i, k, strings.Join(lines, "\n")))
	return out
}

// helperErr handles a helper's error e: folded (with errors.Is of the
// sentinels it may wrap) or returned.
func (g *gen) helperErr(sc *scope, e string) string {
	switch g.r.IntN(3) {
	case 0:
		return fmt.Sprintf("if %s != nil {\n%s\n}", e, g.errReturn(newScope(sc), e))
	case 1:
		return fmt.Sprintf("if errors.Is(%s, ErrOver) {\n%s\n} else if errors.Is(%s, ErrOdd) {\n%s\n} else if %s != nil {\n%s\n}",
			e, g.fold("11"), e, g.fold("13"), e, g.fold("len("+e+".Error())"))
	}
	return fmt.Sprintf("if %s != nil {\n%s\n}", e, g.fold("len("+e+".Error())"))
}
