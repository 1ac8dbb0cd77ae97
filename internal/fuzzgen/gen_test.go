package fuzzgen

import (
	"fmt"
	"go/format"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
)

// typ is the type of a generated variable or expression.
type typ int

const (
	tInt    typ = iota
	tString     // string
	tBool       // bool
	tRune       // rune, from ranging over a string
	tSlice      // []int
	tArr        // [3]int
	tMap        // map[string]int
	tPair       // Pair{A, B int}
	tLocal      // a local struct type {A int; B string}
	tErr        // error
	tPtr        // *int, pointing at its target (feature pointer)
)

// goType returns the Go spelling of t (local is the local type's name).
func goType(t typ, local string) string {
	switch t {
	case tInt:
		return "int"
	case tString:
		return "string"
	case tBool:
		return "bool"
	case tRune:
		return "rune"
	case tSlice:
		return "[]int"
	case tArr:
		return "[3]int"
	case tMap:
		return "map[string]int"
	case tPair:
		return "Pair"
	case tLocal:
		return local
	case tErr:
		return "error"
	case tPtr:
		return "*int"
	}
	panic(fmt.Sprintf("goType(%d)", t))
}

// variable is a generated local.
type variable struct {
	name   string
	t      typ
	local  string    // the local type's name, for tLocal
	used   bool      // read at least once (Go rejects unused locals)
	ro     bool      // never assigned: loop counters that bound a loop
	hidden bool      // not readable: a map range's accumulator inside the loop
	fixed  bool      // tSlice of known length that is never appended to
	length int       // its length, for fixed slices
	konst  int       // the value of a local constant (1 to 3), else 0
	target *variable // what a tPtr points into (nil for new(int))
}

// scope is a Go block.
type scope struct {
	parent  *scope
	vars    []*variable
	byName  map[string]*variable
	mapBody bool // the body of a range over a map: assignments stop here
}

func newScope(parent *scope) *scope {
	return &scope{parent: parent, byName: map[string]*variable{}}
}

func (s *scope) lookup(name string) *variable {
	for ; s != nil; s = s.parent {
		if v, ok := s.byName[name]; ok {
			return v
		}
	}
	return nil
}

// declare adds a variable to s.
func (s *scope) declare(v *variable) *variable {
	s.vars = append(s.vars, v)
	s.byName[v.name] = v
	return v
}

// visible returns the variables visible in s, innermost first, without
// the ones that inner declarations shadow.
func (s *scope) visible() []*variable {
	seen := map[string]bool{}
	var out []*variable
	for ; s != nil; s = s.parent {
		for i := len(s.vars) - 1; i >= 0; i-- {
			v := s.vars[i]
			if !seen[v.name] {
				seen[v.name] = true
				out = append(out, v)
			}
		}
	}
	return out
}

// assignable returns the variables of s that may be assigned: visible,
// not read-only, and (inside a map range) declared inside its body.
func (s *scope) assignable() []*variable {
	limit := map[*variable]bool{}
	bounded := false
	for c := s; c != nil; c = c.parent {
		for _, v := range c.vars {
			limit[v] = true
		}
		if c.mapBody {
			bounded = true
			break
		}
	}
	var out []*variable
	for _, v := range s.visible() {
		if v.ro || v.hidden || (bounded && !limit[v]) {
			continue
		}
		if t := v.target; t != nil && (t.ro || (bounded && !limit[t])) {
			// A write through the pointer writes its target.
			continue
		}
		out = append(out, v)
	}
	return out
}

// jump is an enclosing statement that break or continue may target.
type jump struct {
	label   string
	loop    bool // a loop (continue allowed), else a switch
	mapBody bool // a range over a map: nothing may jump out of it
}

// workflow is one generated workflow.
type workflow struct {
	name      string // WfNNN
	file      string // wfNNN.go
	src       []byte // gofmt'ed source of the file
	input     string // Go expression of its input
	signals   int    // scripted "sig" signals
	unordered bool   // visits a map: compare effects as multisets
	features  map[string]bool
	collide   bool // its package declares identifiers that generated code uses
	panics    bool // may panic (feature argpanic): run with runPanicky
	recv      bool // a method of *Meter (feature helpermethod), bound to meterLit
}

// gen generates one workflow.
type gen struct {
	r    *rand.Rand
	feat features
	used map[string]bool // features used by this workflow

	names      int // counter for fresh names
	budget     int // checkpoints left (an upper bound of the dynamic count)
	mult       int // product of the iteration bounds of enclosing loops
	loops      int // enclosing loops
	depth      int // statement nesting
	noCP       int // >0 where no checkpoint may be made
	awaits     int
	jumps      []jump
	mapAcc     []*variable // accumulators of the enclosing map ranges
	labelsUsed map[string]bool
	inject     func(g *gen) []string // a rejected construct to inject once
	injected   bool

	rich     bool      // may use the rich features (gen_rich_test.go)
	collide  bool      // the package declares runtime, durable, f, x...
	panicky  bool      // may panic while evaluating a step's argument
	recv     bool      // the workflow is a method of *Meter, its receiver mt
	chk      *variable // the rich snippets' accumulator, read by every return
	out      typ       // result type of the workflow
	named    bool      // named results (res, err)
	fnScope  *scope    // the function's scope
	hasMap   bool
	stmtLeft int // statements left for the whole workflow

	helperBudget int // checkpoints that helper calls may make beyond budget
}

// maxDepth bounds statement nesting.
const maxDepth = 4

// generate writes workflow number i of a package from seed.
func generate(seed uint64, i int, feat features) *workflow {
	return generateWith(seed, i, feat, nil)
}

// generateWith is generate with a construct that the compiler must
// reject injected at a random statement (if inject is not nil).
func generateWith(seed uint64, i int, feat features, inject func(g *gen) []string) *workflow {
	g := &gen{
		inject:     inject,
		r:          rand.New(rand.NewPCG(seed, uint64(i))),
		feat:       feat,
		used:       map[string]bool{},
		labelsUsed: map[string]bool{},
		mult:       1,
		stmtLeft:   10 + i%7*4,
	}
	g.budget = 3 + g.r.IntN(22)
	g.rich = g.chance(2)
	if g.rich {
		g.helperBudget = 16
	}
	g.collide = isCollide(seed, feat)
	if g.collide {
		g.used["collide"] = true
	}
	g.panicky = g.rich && feat.enabled("argpanic") && g.chance(6)
	g.recv = g.rich && feat.enabled("helpers") && g.chance(4) && g.on("helpermethod")
	wf := &workflow{name: fmt.Sprintf("Wf%03d", i), file: fmt.Sprintf("wf%03d.go", i), collide: g.collide, panics: g.panicky, recv: g.recv}
	body := g.function(wf.name)
	wf.input = g.input()
	wf.signals = g.awaits
	wf.unordered = g.hasMap
	wf.features = g.used
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\nimport (\n", pkgNamePlaceholder)
	// Import what the body uses: expressions generated and then not
	// emitted may have asked for more.
	for _, p := range []string{"context", "errors", "fmt", "maps", "math", "slices", "strconv", "strings", "time"} {
		if strings.Contains(body, p+".") {
			fmt.Fprintf(&b, "\t%q\n", p)
		}
	}
	fmt.Fprintf(&b, "\t%q\n", "github.com/durablegen/durable")
	b.WriteString(")\n\n")
	b.WriteString(body)
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		panic(fmt.Sprintf("fuzzgen: seed %d workflow %d does not format: %v\n%s", seed, i, err, numbered(b.String())))
	}
	wf.src = src
	return wf
}

// pkgNamePlaceholder is replaced by the package name when files are written.
const pkgNamePlaceholder = "PKGNAME"

// numbered returns src with line numbers.
func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, l)
	}
	return b.String()
}

// input returns a random input value.
func (g *gen) input() string {
	strs := []string{`""`, `"a"`, `"héllo"`, `"aé😀b"`, `"日本"`, `"xyz"`}
	if g.rich && g.chance(4) && g.on("bytestring") {
		strs = append(strs, `"a\xffb"`, `"\xc3"`) // not UTF-8: the codec must keep the bytes
	}
	var xs []string
	for range g.r.IntN(5) {
		xs = append(xs, fmt.Sprint(g.r.IntN(13)-3))
	}
	var m []string
	for j := range g.r.IntN(4) {
		m = append(m, fmt.Sprintf("%q: %d", []string{"k", "b", "a", "zz"}[j], g.r.IntN(10)))
	}
	order := ""
	if g.rich {
		var lines []string
		for range g.r.IntN(3) {
			lines = append(lines, fmt.Sprint(g.r.IntN(9)))
		}
		order = fmt.Sprintf(", Order: Order{Status: %s, Lines: []int{%s}}", strs[g.r.IntN(len(strs))], strings.Join(lines, ", "))
	}
	return fmt.Sprintf("Input{N: %d, S: %s, Xs: []int{%s}, M: map[string]int{%s}, B: %v%s}",
		g.r.IntN(16)-3, strs[g.r.IntN(len(strs))], strings.Join(xs, ", "), strings.Join(m, ", "), g.r.IntN(2) == 0, order)
}

// function returns the source of the workflow function.
func (g *gen) function(name string) string {
	outs := []typ{tInt, tString, tSlice, tPair}
	g.out = outs[g.r.IntN(len(outs))]
	sc := newScope(nil)
	g.fnScope = sc
	sc.declare(&variable{name: "in", t: tInt, ro: true, used: true, hidden: true}) // read through in.X only
	if g.rich {
		// Assigned by the rich snippets only; summary reads it.
		g.chk = sc.declare(&variable{name: "chk", t: tInt, ro: true, hidden: true})
	}
	var sig string
	if g.on("namedresults") && g.r.IntN(3) == 0 {
		g.named = true
		sc.declare(&variable{name: "res", t: g.out, used: true})
		sc.declare(&variable{name: "err", t: tErr, used: true})
		sig = fmt.Sprintf("(res %s, err error)", goType(g.out, ""))
	} else {
		sig = fmt.Sprintf("(%s, error)", goType(g.out, ""))
	}
	var stmts []string
	for g.stmtLeft > 0 {
		stmts = append(stmts, g.stmt(sc)...)
	}
	stmts = g.closeScope(sc, stmts, g.finalReturn(sc))
	if g.rich {
		stmts = append([]string{"chk := 0"}, stmts...)
	}
	recv := ""
	if g.recv {
		recv = "(mt *Meter) "
	}
	return fmt.Sprintf("//durable:workflow\nfunc %s%s(ctx durable.Context, in Input) %s {\n%s\n}\n", recv, name, sig, strings.Join(stmts, "\n"))
}

// finalReturn returns the function's last statement.
func (g *gen) finalReturn(sc *scope) string {
	if g.rich {
		// The result must show chk.
	} else if call := g.forwardCall(sc); call != "" {
		return "return " + call
	}
	var e string
	if g.chance(4) {
		e = g.nonSelf(sc, g.fnScope.byName["res"], g.out)
	} else {
		e = g.summary(sc, g.out)
	}
	if g.named && g.resultsInScope(sc) && g.chance(2) {
		return fmt.Sprintf("res = %s\nreturn", e)
	}
	return fmt.Sprintf("return %s, nil", e)
}

// resultsInScope reports whether res and err are the named results at sc
// (a bare return is illegal where either is shadowed).
func (g *gen) resultsInScope(sc *scope) bool {
	return sc.lookup("res") == g.fnScope.byName["res"] && sc.lookup("err") == g.fnScope.byName["err"]
}

// closeScope returns stmts followed by a read of every variable of sc
// that nothing read, then tail.
func (g *gen) closeScope(sc *scope, stmts []string, tail ...string) []string {
	stmts = slices.Clip(stmts)
	for _, v := range sc.vars {
		if !v.used || declaredOnly(stmts, v.name) {
			stmts = append(stmts, "_ = "+v.name)
			v.used = true
		}
	}
	return append(stmts, tail...)
}

// declaredOnly reports whether stmts name variable name once, where a
// := declares it: an expression that read it was generated and then left
// out, and Go refuses a variable declared and not used.
func declaredOnly(stmts []string, name string) bool {
	text := strings.Join(stmts, "\n")
	at := regexp.MustCompile(`\b`+regexp.QuoteMeta(name)+`\b`).FindAllStringIndex(text, 2)
	if len(at) != 1 {
		return false
	}
	line := text[at[0][1]:]
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	return strings.Contains(line, ":=")
}

// on reports whether feature f is enabled, and marks it used.
func (g *gen) on(f string) bool {
	if !g.feat.enabled(f) {
		return false
	}
	g.used[f] = true
	return true
}

// chance reports true with probability 1/n.
func (g *gen) chance(n int) bool { return g.r.IntN(n) == 0 }

// fresh returns a new identifier; with some probability one that shadows
// a visible variable of another block.
func (g *gen) fresh(sc *scope, pool ...string) string {
	if len(pool) > 0 && g.chance(2) {
		name := pool[g.r.IntN(len(pool))]
		if _, taken := sc.byName[name]; !taken && !reserved[name] {
			if sc.lookup(name) != nil && !g.on("shadow") {
				// Shadowing is disabled: fall through to a fresh name.
			} else {
				return name
			}
		}
	}
	g.names++
	return fmt.Sprintf("v%d", g.names)
}

// reserved names are never declared by generated code.
var reserved = map[string]bool{"ctx": true, "in": true, "res": true, "err": true, "chk": true, "mt": true}

// canCP reports whether a checkpoint may be made here, and if so spends
// its cost.
func (g *gen) canCP() bool {
	if g.noCP > 0 || g.budget < g.mult {
		return false
	}
	return true
}

// spend records a checkpoint made here.
func (g *gen) spend() { g.budget -= g.mult }

// pickVar returns a random readable variable of type t, or nil.
func (g *gen) pickVar(sc *scope, t typ, pred func(*variable) bool) *variable {
	var cands []*variable
	for _, v := range sc.visible() {
		if v.t == t && !v.hidden && (pred == nil || pred(v)) {
			cands = append(cands, v)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	v := cands[g.r.IntN(len(cands))]
	v.used = true
	return v
}

// pickTarget returns a random assignable variable of type t, or nil.
func (g *gen) pickTarget(sc *scope, t typ, pred func(*variable) bool) *variable {
	var cands []*variable
	for _, v := range sc.assignable() {
		if v.t == t && (pred == nil || pred(v)) {
			cands = append(cands, v)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	return cands[g.r.IntN(len(cands))]
}

// zero returns the zero value of the workflow's result type.
func (g *gen) zero() string {
	switch g.out {
	case tInt:
		return "0"
	case tString:
		return `""`
	case tSlice:
		return "nil"
	case tPair:
		return "Pair{}"
	}
	panic("zero")
}

// errReturn returns a statement that returns err (an error expression).
func (g *gen) errReturn(sc *scope, err string) string {
	if g.named && g.resultsInScope(sc) && g.chance(2) {
		if err == "err" {
			return "return"
		}
		return fmt.Sprintf("err = %s\nreturn", err)
	}
	if g.on("errorwrap") && g.chance(3) {
		return fmt.Sprintf("return %s, fmt.Errorf(\"wrapped: %%w\", %s)", g.zero(), err)
	}
	return fmt.Sprintf("return %s, %s", g.zero(), err)
}
