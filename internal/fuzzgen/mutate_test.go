package fuzzgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"slices"
	"strings"
)

// The mutation mode takes known-good workflows (internal/equiv, the fixed
// bug fixtures, examples/transfer's Transfer) and applies random edits to
// their bodies: insert a checkpoint, wrap a statement in an if or a for,
// take a pointer to a local, copy a local, capture a loop variable in a
// closure, move a declaration, duplicate a step call. Some edits keep the
// meaning and some do not; what matters is that a mutant that type-checks
// and that durablegen accepts builds and agrees with its direct call under
// the crash matrix. A mutant that does not type-check is dropped; one that
// durablegen refuses with a position is counted.

// mutation is one edit of a workflow's body.
type mutation struct {
	name  string
	apply func(m *mutator, fn *ast.FuncDecl) (edit, bool)
}

// edit replaces src[from:to] with text.
type edit struct {
	from, to int
	text     string
}

// mutations lists the edits, by name.
var mutations = []mutation{
	{"checkpoint", (*mutator).insertCheckpoint},
	{"wrapif", (*mutator).wrapIf},
	{"wrapfor", (*mutator).wrapFor},
	{"pointer", (*mutator).pointerToLocal},
	{"copy", (*mutator).copyLocal},
	{"capture", (*mutator).captureLoopVar},
	{"move", (*mutator).moveDecl},
	{"duplicate", (*mutator).duplicateCall},
}

// mutator edits one function of a file.
type mutator struct {
	r       *rand.Rand
	fset    *token.FileSet
	src     []byte
	durable string // the file's name of package durable
	ctx     string // the workflow's context parameter
	n       int    // counter for fresh names
}

// block is a statement list of the function, outside function literals.
type block struct {
	list  []ast.Stmt
	end   token.Pos // where a statement appended to the list goes
	inFor bool      // the body of a for or range statement
	loop  ast.Stmt  // that statement, for inFor
}

// blocks returns the statement lists of fn's body, function literals
// excluded.
func blocks(fn *ast.FuncDecl) []block {
	var out []block
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.BlockStmt:
				if len(n.List) > 0 {
					switch n.List[0].(type) {
					case *ast.CaseClause, *ast.CommClause:
						return true // a switch's clauses, not statements
					}
				}
				out = append(out, block{list: n.List, end: n.Rbrace})
			case *ast.CaseClause:
				out = append(out, block{list: n.Body, end: n.End()})
			case *ast.CommClause:
				out = append(out, block{list: n.Body, end: n.End()})
			case *ast.ForStmt:
				out = append(out, block{list: n.Body.List, end: n.Body.Rbrace, inFor: true, loop: n})
				walk(n.Body)
				if n.Init != nil {
					walk(n.Init)
				}
				return false
			case *ast.RangeStmt:
				out = append(out, block{list: n.Body.List, end: n.Body.Rbrace, inFor: true, loop: n})
				walk(n.Body)
				return false
			}
			return true
		})
	}
	walk(fn.Body)
	// The loops' bodies were recorded twice (as loops and as blocks):
	// keep the loop entries.
	var uniq []block
	seen := map[token.Pos]bool{}
	for _, b := range out {
		if b.inFor {
			seen[b.end] = true
		}
	}
	for _, b := range out {
		if !b.inFor && seen[b.end] {
			continue
		}
		uniq = append(uniq, b)
	}
	return uniq
}

func (m *mutator) off(p token.Pos) int { return m.fset.Position(p).Offset }

func (m *mutator) text(n ast.Node) string { return string(m.src[m.off(n.Pos()):m.off(n.End())]) }

func (m *mutator) fresh(prefix string) string {
	m.n++
	return fmt.Sprintf("%s%d", prefix, m.n)
}

// pick returns a random statement of a random block that ok accepts.
func (m *mutator) pick(fn *ast.FuncDecl, ok func(b block, i int) bool) (block, int, bool) {
	type cand struct {
		b block
		i int
	}
	var cands []cand
	for _, b := range blocks(fn) {
		for i := range b.list {
			if ok(b, i) {
				cands = append(cands, cand{b, i})
			}
		}
	}
	if len(cands) == 0 {
		return block{}, 0, false
	}
	c := cands[m.r.IntN(len(cands))]
	return c.b, c.i, true
}

// checkpointText returns a statement that makes a checkpoint.
func (m *mutator) checkpointText() string {
	switch m.r.IntN(3) {
	case 0:
		return fmt.Sprintf("_ = %s.SideEffect(%s, func() int { return %d })\n", m.durable, m.ctx, m.r.IntN(9))
	case 1:
		return fmt.Sprintf("_ = %s.Now(%s)\n", m.durable, m.ctx)
	}
	return fmt.Sprintf("_ = %s.Sleep(%s, %d)\n", m.durable, m.ctx, 1+m.r.IntN(3)*1_000_000_000)
}

// simple reports whether s may be wrapped or preceded: not a
// declaration, a label or a fallthrough.
func simple(s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.DeclStmt, *ast.LabeledStmt:
		return false
	case *ast.AssignStmt:
		return s.Tok != token.DEFINE
	case *ast.BranchStmt:
		return s.Tok != token.FALLTHROUGH
	}
	return true
}

func (m *mutator) insertCheckpoint(fn *ast.FuncDecl) (edit, bool) {
	b, i, ok := m.pick(fn, func(b block, i int) bool { _, lab := b.list[i].(*ast.LabeledStmt); return !lab })
	if !ok {
		return edit{}, false
	}
	at := m.off(b.list[i].Pos())
	return edit{at, at, m.checkpointText()}, true
}

func (m *mutator) wrapIf(fn *ast.FuncDecl) (edit, bool) {
	b, i, ok := m.pick(fn, func(b block, i int) bool { return simple(b.list[i]) })
	if !ok {
		return edit{}, false
	}
	s := b.list[i]
	cp := ""
	if m.r.IntN(2) == 0 {
		cp = m.checkpointText()
	}
	return edit{m.off(s.Pos()), m.off(s.End()), "if true {\n" + cp + m.text(s) + "\n}"}, true
}

func (m *mutator) wrapFor(fn *ast.FuncDecl) (edit, bool) {
	b, i, ok := m.pick(fn, func(b block, i int) bool { return simple(b.list[i]) && !breaksOut(b.list[i]) })
	if !ok {
		return edit{}, false
	}
	s := b.list[i]
	cp := ""
	if m.r.IntN(2) == 0 {
		cp = m.checkpointText()
	}
	return edit{m.off(s.Pos()), m.off(s.End()), "for range 1 {\n" + cp + m.text(s) + "\n}"}, true
}

// breaksOut reports whether s has an unlabeled break or continue that a
// loop around s would capture.
func breaksOut(s ast.Stmt) bool {
	found := false
	var walk func(n ast.Node, inLoop, inSwitch bool)
	walk = func(n ast.Node, inLoop, inSwitch bool) {
		ast.Inspect(n, func(c ast.Node) bool {
			if c == n {
				return true
			}
			switch c := c.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ForStmt, *ast.RangeStmt:
				walk(c, true, inSwitch)
				return false
			case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				walk(c, inLoop, true)
				return false
			case *ast.BranchStmt:
				if c.Label == nil && ((c.Tok == token.CONTINUE && !inLoop) || (c.Tok == token.BREAK && !inLoop && !inSwitch)) {
					found = true
				}
			}
			return true
		})
	}
	if br, ok := s.(*ast.BranchStmt); ok {
		return br.Label == nil && (br.Tok == token.BREAK || br.Tok == token.CONTINUE)
	}
	walk(s, false, false)
	return found
}

// defined returns the first identifier (not _) that s declares with :=.
func defined(s ast.Stmt) string {
	a, ok := s.(*ast.AssignStmt)
	if !ok || a.Tok != token.DEFINE {
		return ""
	}
	for _, l := range a.Lhs {
		if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
			return id.Name
		}
	}
	return ""
}

// tailAt returns where a statement that must run after the rest of b
// goes: before its last statement if that one jumps, else at its end.
func (m *mutator) tailAt(b block) int {
	last := b.list[len(b.list)-1]
	switch last.(type) {
	case *ast.ReturnStmt, *ast.BranchStmt:
		return m.off(last.Pos())
	}
	return m.off(b.end)
}

// declEdit inserts after[0] right after the declaration b.list[i] and
// tail at the end of b: one edit spanning both.
func (m *mutator) declEdit(b block, i int, after, tail string) (edit, bool) {
	from := m.off(b.list[i].End())
	to := m.tailAt(b)
	if to < from {
		return edit{}, false
	}
	return edit{from, to, "\n" + after + string(m.src[from:to]) + tail}, true
}

func (m *mutator) pointerToLocal(fn *ast.FuncDecl) (edit, bool) {
	b, i, ok := m.pick(fn, func(b block, i int) bool { return defined(b.list[i]) != "" })
	if !ok {
		return edit{}, false
	}
	x, p := defined(b.list[i]), m.fresh("mutp")
	return m.declEdit(b, i, fmt.Sprintf("%s := &%s\n*%s = %s\n", p, x, p, x), fmt.Sprintf("\n_ = *%s\n", p))
}

func (m *mutator) copyLocal(fn *ast.FuncDecl) (edit, bool) {
	b, i, ok := m.pick(fn, func(b block, i int) bool { return defined(b.list[i]) != "" })
	if !ok {
		return edit{}, false
	}
	x, c := defined(b.list[i]), m.fresh("mutc")
	return m.declEdit(b, i, fmt.Sprintf("%s := %s\n", c, x), fmt.Sprintf("\n_ = %s\n", c))
}

// loopVars returns the variables a loop statement declares.
func loopVars(s ast.Stmt) []string {
	var out []string
	add := func(e ast.Expr) {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
			out = append(out, id.Name)
		}
	}
	switch s := s.(type) {
	case *ast.RangeStmt:
		if s.Tok == token.DEFINE {
			add(s.Key)
			if s.Value != nil {
				add(s.Value)
			}
		}
	case *ast.ForStmt:
		if a, ok := s.Init.(*ast.AssignStmt); ok && a.Tok == token.DEFINE {
			for _, l := range a.Lhs {
				add(l)
			}
		}
	}
	return out
}

func (m *mutator) captureLoopVar(fn *ast.FuncDecl) (edit, bool) {
	var cands []block
	for _, b := range blocks(fn) {
		if b.inFor && len(b.list) > 0 && len(loopVars(b.loop)) > 0 {
			cands = append(cands, b)
		}
	}
	if len(cands) == 0 {
		return edit{}, false
	}
	b := cands[m.r.IntN(len(cands))]
	vars := loopVars(b.loop)
	v, f := vars[m.r.IntN(len(vars))], m.fresh("mutf")
	from, to := m.off(b.list[0].Pos()), m.tailAt(b)
	if to < from {
		return edit{}, false
	}
	head := fmt.Sprintf("%s := func() any { return %s }\n", f, v)
	return edit{from, to, head + string(m.src[from:to]) + fmt.Sprintf("\n_ = %s()\n", f)}, true
}

func (m *mutator) moveDecl(fn *ast.FuncDecl) (edit, bool) {
	b, i, ok := m.pick(fn, func(b block, i int) bool { return defined(b.list[i]) != "" && len(b.list) > 1 })
	if !ok {
		return edit{}, false
	}
	j := m.r.IntN(len(b.list))
	if j == i {
		return edit{}, false
	}
	s := m.text(b.list[i])
	lo, hi := min(i, j), max(i, j)
	from, to := m.off(b.list[lo].Pos()), m.off(b.list[hi].End())
	var parts []string
	for k := lo; k <= hi; k++ {
		if k != i {
			parts = append(parts, m.text(b.list[k]))
		}
	}
	if j < i {
		parts = append([]string{s}, parts...)
	} else {
		parts = append(parts, s)
	}
	return edit{from, to, strings.Join(parts, "\n")}, true
}

// stepCall returns the call of s if s calls a function that is not in
// package durable (a step, a child workflow, a helper) and how many
// results it assigns.
func (m *mutator) stepCall(s ast.Stmt) (*ast.CallExpr, int) {
	var call ast.Expr
	n := 0
	switch s := s.(type) {
	case *ast.ExprStmt:
		call = s.X
	case *ast.AssignStmt:
		if len(s.Rhs) != 1 {
			return nil, 0
		}
		call, n = s.Rhs[0], len(s.Lhs)
	default:
		return nil, 0
	}
	c, ok := call.(*ast.CallExpr)
	if !ok {
		return nil, 0
	}
	fun := c.Fun
	switch f := fun.(type) { // durable.Await[T] is durable.Await
	case *ast.IndexExpr:
		fun = f.X
	case *ast.IndexListExpr:
		fun = f.X
	}
	switch f := fun.(type) {
	case *ast.Ident:
		if f.Name == "append" || f.Name == "len" || f.Name == "panic" {
			return nil, 0
		}
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok && id.Name == m.durable {
			return nil, 0
		}
	case *ast.FuncLit:
		return nil, 0
	}
	return c, n
}

func (m *mutator) duplicateCall(fn *ast.FuncDecl) (edit, bool) {
	b, i, ok := m.pick(fn, func(b block, i int) bool { c, _ := m.stepCall(b.list[i]); return c != nil })
	if !ok {
		return edit{}, false
	}
	c, n := m.stepCall(b.list[i])
	dup := m.text(c)
	if n > 0 {
		dup = strings.TrimSuffix(strings.Repeat("_, ", n), ", ") + " = " + dup
	}
	at := m.off(b.list[i].Pos())
	return edit{at, at, dup + "\n"}, true
}

// mutate applies k random mutations to function name of file src and
// returns the new function's text (from its func keyword to its closing
// brace) and the names of the mutations applied.
func mutate(r *rand.Rand, src []byte, name string, k int) (string, []string, error) {
	return mutateWith(r, src, name, k, mutations)
}

// mutateWith is mutate with the mutations drawn from muts.
func mutateWith(r *rand.Rand, src []byte, name string, k int, muts []mutation) (string, []string, error) {
	var applied []string
	for range k * 4 {
		if len(applied) == k {
			break
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "m.go", src, parser.ParseComments)
		if err != nil {
			return "", nil, err
		}
		fn := findFunc(f, name)
		if fn == nil {
			return "", nil, fmt.Errorf("no function %s", name)
		}
		m := &mutator{r: r, fset: fset, src: src, durable: durableName(f), ctx: fn.Type.Params.List[0].Names[0].Name, n: 100 + len(applied)*10}
		mu := muts[r.IntN(len(muts))]
		e, ok := mu.apply(m, fn)
		if !ok {
			continue
		}
		next := append(append(append([]byte(nil), src[:e.from]...), e.text...), src[e.to:]...)
		out, err := format.Source(next)
		if err != nil {
			continue // the edit broke the syntax: try another
		}
		src = out
		applied = append(applied, mu.name)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "m.go", src, parser.ParseComments)
	if err != nil {
		return "", nil, err
	}
	fn := findFunc(f, name)
	return string(src[fset.Position(fn.Pos()).Offset:fset.Position(fn.End()).Offset]), applied, nil
}

func findFunc(f *ast.File, name string) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == name && fn.Recv == nil {
			return fn
		}
	}
	return nil
}

// durableName returns the name under which f imports package durable.
func durableName(f *ast.File) string {
	for _, im := range f.Imports {
		if im.Path.Value == `"github.com/durablegen/durable"` {
			if im.Name != nil {
				return im.Name.Name
			}
			return "durable"
		}
	}
	return "durable"
}

// workflowFuncs returns the names of the //durable:workflow functions of
// file src (methods excluded) and each one's byte range.
func workflowFuncs(src []byte) (map[string][2]int, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "w.go", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	out := map[string][2]int{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Doc == nil || !slices.ContainsFunc(fn.Doc.List, func(c *ast.Comment) bool {
			return strings.HasPrefix(c.Text, "//durable:workflow")
		}) {
			continue
		}
		out[fn.Name.Name] = [2]int{fset.Position(fn.Pos()).Offset, fset.Position(fn.End()).Offset}
	}
	return out, nil
}

// splice returns src with the byte ranges of repl replaced.
func splice(src []byte, ranges map[string][2]int, repl map[string]string) []byte {
	type r struct {
		from, to int
		text     string
	}
	var rs []r
	for name, text := range repl {
		rg := ranges[name]
		rs = append(rs, r{rg[0], rg[1], text})
	}
	slices.SortFunc(rs, func(a, b r) int { return a.from - b.from })
	var out bytes.Buffer
	at := 0
	for _, x := range rs {
		out.Write(src[at:x.from])
		out.WriteString(x.text)
		at = x.to
	}
	out.Write(src[at:])
	return out.Bytes()
}
