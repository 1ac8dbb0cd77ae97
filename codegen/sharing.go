package codegen

import (
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"sort"
)

// Sharing between stored variables.
//
// After a resume every stored variable is decoded on its own, so memory
// that two of them shared (a pointer to a local, a slice and a slice of
// it, two copies of a struct holding a slice, a pointer appended twice)
// is no longer shared, and a write through one no longer shows in the
// other. checkSharing refuses a workflow where that can change what it
// does: some reference is copied from one variable (or path) into a
// stored variable, and memory reachable from the variables so connected
// is written through (or compared by pointer identity). The analysis is
// flow-insensitive and conservative; a copy that is the only use of a
// variable not stored at any checkpoint (a step's result appended to a
// list) moves the memory rather than sharing it, and is not counted.

// shareEdge is one statement that copies a reference from src into dst.
type shareEdge struct {
	dst, src *types.Var
	pos      token.Pos
	addr     bool     // &src
	loop     ast.Node // innermost loop around the copy, if any
	what     string   // what is copied, for messages
	target   ast.Expr // for addr: the operand of &
	// static: the copy goes from a slot to a slot of stored variables
	// (see alias.go), which the frame can store as shared.
	static bool
}

// shareWrite is a write through a reference, or a pointer comparison.
type shareWrite struct {
	pos  token.Pos
	what string
}

type sharing struct {
	l      *lowerer
	edges  []shareEdge
	writes map[*types.Var][]shareWrite
	uses   map[*types.Var]int // occurrences other than declarations
	loops  []ast.Node
	// declLoop is the innermost loop around each variable's declaration.
	declLoop map[*types.Var]ast.Node
	addrs    varSet // variables whose address is taken or that closures capture
	refused  varSet // variables refused as unstorable: no finding about their sharing
}

// checkSharing reports memory shared between stored variables that a
// resume would split while the workflow writes through it, except for
// the variables refused already because they cannot be stored.
func (l *lowerer) checkSharing(refused varSet) {
	s := &sharing{l: l, writes: map[*types.Var][]shareWrite{}, uses: map[*types.Var]int{}, declLoop: map[*types.Var]ast.Node{}, addrs: l.referencedVars(l.wf.decl.Body), refused: refused}
	s.walk(l.wf.decl.Body)
	s.edges = append(s.edges, l.rangeCopies...)
	s.report()
}

func (s *sharing) stored(v *types.Var) bool {
	f := s.l.frame[v]
	return f != nil && f.ser
}

func (s *sharing) walk(body ast.Node) {
	info := s.l.info
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			s.loops = append(s.loops, n)
			if r, ok := n.(*ast.RangeStmt); ok {
				s.rangeStmt(r)
			}
			ast.Inspect(loopBodyOf(n), visit)
			for _, part := range loopHeads(n) {
				ast.Inspect(part, visit)
			}
			s.loops = s.loops[:len(s.loops)-1]
			return false
		case *ast.Ident:
			if v, ok := info.Defs[n].(*types.Var); ok {
				s.declLoop[v] = s.loop()
			} else if v, ok := info.Uses[n].(*types.Var); ok {
				s.uses[v]++
			}
		case *ast.AssignStmt:
			s.assign(n)
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if len(n.Values) == len(n.Names) {
					s.copyInto(id, n.Values[i])
				} else if len(n.Values) == 1 {
					s.copyInto(id, n.Values[0])
				}
			}
		case *ast.IncDecStmt:
			s.write(n.X, n.Pos(), "")
		case *ast.CallExpr:
			s.call(n)
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) && isPointer(info.TypeOf(n.X)) && isPointer(info.TypeOf(n.Y)) {
				for _, e := range []ast.Expr{n.X, n.Y} {
					if v := s.rootOf(e); v != nil {
						s.writes[v] = append(s.writes[v], shareWrite{n.Pos(), "compared by pointer identity"})
					}
				}
			}
		}
		return true
	}
	ast.Inspect(body, visit)
}

func loopBodyOf(n ast.Node) ast.Node {
	switch n := n.(type) {
	case *ast.ForStmt:
		return n.Body
	case *ast.RangeStmt:
		return n.Body
	}
	return nil
}

func loopHeads(n ast.Node) []ast.Node {
	var out []ast.Node
	switch n := n.(type) {
	case *ast.ForStmt:
		for _, x := range []ast.Node{n.Init, n.Cond, n.Post} {
			if x != nil && !reflect.ValueOf(x).IsNil() {
				out = append(out, x)
			}
		}
	case *ast.RangeStmt:
		for _, x := range []ast.Expr{n.Key, n.Value, n.X} {
			if x != nil {
				out = append(out, x)
			}
		}
	}
	return out
}

func (s *sharing) loop() ast.Node {
	if len(s.loops) == 0 {
		return nil
	}
	return s.loops[len(s.loops)-1]
}

func (s *sharing) assign(n *ast.AssignStmt) {
	for _, lhs := range n.Lhs {
		if id, ok := ast.Unparen(lhs).(*ast.Ident); !ok || n.Tok != token.DEFINE && n.Tok != token.ASSIGN {
			s.write(lhs, n.Pos(), "")
		} else if v, ok := s.l.info.Uses[id].(*types.Var); ok && s.addrs[v] {
			s.write(lhs, n.Pos(), "")
		}
	}
	if len(n.Lhs) == len(n.Rhs) {
		for i := range n.Lhs {
			s.copyInto(n.Lhs[i], n.Rhs[i])
		}
		return
	}
	if len(n.Rhs) == 1 {
		// a, b := f(x): each result may hold what f was given.
		for _, lhs := range n.Lhs {
			s.copyInto(lhs, n.Rhs[0])
		}
	}
}

// rangeStmt: the value variable holds a copy of each element.
func (s *sharing) rangeStmt(r *ast.RangeStmt) {
	if r.Tok == token.ILLEGAL {
		return
	}
	xt := s.l.info.TypeOf(r.X)
	if xt == nil {
		return
	}
	var key, elem types.Type
	switch u := xt.Underlying().(type) {
	case *types.Slice:
		elem = u.Elem()
	case *types.Array:
		elem = u.Elem()
	case *types.Pointer:
		if a, ok := u.Elem().Underlying().(*types.Array); ok {
			elem = a.Elem()
		}
	case *types.Map:
		key, elem = u.Key(), u.Elem()
	}
	src := s.rootOf(r.X)
	if src == nil {
		return
	}
	for _, p := range []struct {
		e ast.Expr
		t types.Type
	}{{r.Key, key}, {r.Value, elem}} {
		if p.e == nil || p.t == nil || !holdsRefs(p.t) {
			continue
		}
		if dst := s.rootOf(p.e); dst != nil {
			s.edges = append(s.edges, shareEdge{dst: dst, src: src, pos: p.e.Pos(), loop: s.loop(), what: "an element of " + exprString(r.X)})
		}
	}
}

// copyInto records the references that assigning rhs to lhs copies.
func (s *sharing) copyInto(lhs, rhs ast.Expr) {
	dst := s.rootOf(lhs)
	if dst == nil {
		return
	}
	for _, src := range s.sources(rhs, lhs) {
		src.dst = dst
		src.loop = s.loop()
		src.static = src.static && s.l.staticPath(lhs, false)
		s.edges = append(s.edges, src)
	}
}

// sources returns the variables whose memory the value of e may share,
// as edges without a destination. self is the assignment's target: s =
// append(s, ...) does not share s with itself.
func (s *sharing) sources(e ast.Expr, self ast.Expr) []shareEdge {
	info := s.l.info
	e = ast.Unparen(e)
	switch x := e.(type) {
	case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr, *ast.SliceExpr, *ast.StarExpr:
		if !holdsRefs(info.TypeOf(x)) {
			return nil
		}
		if t := info.TypeOf(x); t != nil {
			if _, isFunc := t.Underlying().(*types.Signature); isFunc {
				return nil // a function shares no memory a write goes through
			}
		}
		if v := s.rootOf(x); v != nil {
			return []shareEdge{{src: v, pos: x.Pos(), what: exprString(x), static: s.l.staticPath(x, true)}}
		}
	case *ast.UnaryExpr:
		if x.Op != token.AND {
			return nil
		}
		if _, lit := ast.Unparen(x.X).(*ast.CompositeLit); lit {
			return s.sources(x.X, nil)
		}
		if v := s.rootOf(x.X); v != nil {
			return []shareEdge{{src: v, pos: x.Pos(), addr: true, what: "&" + exprString(x.X), target: x.X}}
		}
	case *ast.CompositeLit:
		var out []shareEdge
		for _, el := range x.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				out = append(out, s.sources(kv.Key, nil)...)
				el = kv.Value
			}
			out = append(out, s.sources(el, nil)...)
		}
		return out
	case *ast.CallExpr:
		return s.callSources(x, self)
	}
	return nil
}

// callSources: what a call's result may share with its arguments.
func (s *sharing) callSources(c *ast.CallExpr, self ast.Expr) []shareEdge {
	info := s.l.info
	if tv, ok := info.Types[c.Fun]; ok && tv.IsType() {
		// A conversion shares, except string <-> []byte or []rune.
		if len(c.Args) == 1 && (isString(tv.Type) || isString(info.TypeOf(c.Args[0]))) {
			return nil
		}
		if len(c.Args) == 1 {
			return s.sources(c.Args[0], nil)
		}
		return nil
	}
	if k := s.l.cls.classify(c).kind; k != cpNone && k != cpHelper {
		return nil // a checkpoint's result is decoded or fresh
	}
	if b, ok := builtinOf(info, c); ok {
		switch b {
		case "append":
			var out []shareEdge
			for i, a := range c.Args {
				if i == 0 {
					if self != nil && exprString(a) == exprString(self) {
						continue
					}
					out = append(out, s.sources(a, nil)...) // static when a is
					continue
				}
				if i == len(c.Args)-1 && c.Ellipsis.IsValid() {
					if st, ok := info.TypeOf(a).Underlying().(*types.Slice); ok && holdsRefs(st.Elem()) {
						out = append(out, s.sources(a, nil)...)
					}
					continue
				}
				out = append(out, s.sources(a, nil)...)
			}
			return out
		case "min", "max":
			return nil
		}
		return nil
	}
	res := info.TypeOf(c)
	if _, several := res.(*types.Tuple); several {
		// a, b := f(x): what the result assigned to self may share.
		if self == nil || info.TypeOf(self) == nil {
			return nil
		}
		res = info.TypeOf(self)
	}
	if !holdsRefs(res) {
		return nil
	}
	if clonesArgs(info, c) {
		// A new slice or map of the same elements: shares what they hold.
		if st, ok := res.Underlying().(*types.Slice); ok && !holdsRefs(st.Elem()) {
			return nil
		}
		if mt, ok := res.Underlying().(*types.Map); ok && !holdsRefs(mt.Elem()) && !holdsRefs(mt.Key()) {
			return nil
		}
	}
	var out []shareEdge
	args := c.Args
	if sel, ok := ast.Unparen(c.Fun).(*ast.SelectorExpr); ok && info.Selections[sel] != nil {
		args = append([]ast.Expr{sel.X}, args...)
	}
	for _, a := range args {
		if t := info.TypeOf(a); t != nil && holdsRefs(t) && sharesRefTypes(t, res) {
			out = append(out, s.sources(a, nil)...)
		}
	}
	return out
}

// call records the writes a call may make through its arguments.
func (s *sharing) call(c *ast.CallExpr) {
	info := s.l.info
	if tv, ok := info.Types[c.Fun]; ok && tv.IsType() {
		return
	}
	if b, ok := builtinOf(info, c); ok {
		switch b {
		case "append", "copy", "delete", "clear":
			if len(c.Args) > 0 {
				s.write(c.Args[0], c.Pos(), "written by "+b)
			}
		}
		return
	}
	if cp := s.l.cls.classify(c); cp.kind == cpHelper {
		s.helperCall(c, cp.helper)
		return
	}
	if readOnlyCall(info, c) || s.l.cls.classify(c).kind != cpNone {
		// A step is given its arguments as values: a resumed attempt
		// gets them decoded from the frame, not the workflow's memory.
		return
	}
	name := exprString(c.Fun)
	for _, a := range c.Args {
		if t := info.TypeOf(a); t != nil && holdsRefs(t) {
			s.write(a, c.Pos(), "passed to "+name+", which may write through it")
		}
	}
	if sel, ok := ast.Unparen(c.Fun).(*ast.SelectorExpr); ok {
		if selection := info.Selections[sel]; selection != nil && selection.Kind() != types.FieldVal {
			if t := info.TypeOf(sel.X); types.IsInterface(t) && (sel.Sel.Name == "Error" || sel.Sel.Name == "String") {
				// err.Error(), s.String(): read the value
			} else if t != nil && (holdsRefs(t) || pointerMethod(selection)) {
				s.write(sel.X, c.Pos(), "the receiver of "+name+", which may write through it")
			}
		}
	}
}

func pointerMethod(sel *types.Selection) bool {
	fn, ok := sel.Obj().(*types.Func)
	if !ok {
		return false
	}
	_, ptr := fn.Type().(*types.Signature).Recv().Type().(*types.Pointer)
	return ptr
}

// write records a write through the memory e reaches.
func (s *sharing) write(e ast.Expr, pos token.Pos, how string) {
	v := s.rootOf(e)
	if v == nil {
		return
	}
	if how == "" {
		how = "written (" + exprString(e) + ")"
	}
	s.writes[v] = append(s.writes[v], shareWrite{pos, how})
}

// rootOf returns the local variable e reads memory through.
func (s *sharing) rootOf(e ast.Expr) *types.Var {
	id, ok := rootVar(e).(*ast.Ident)
	if !ok {
		if st, ok := rootVar(e).(*ast.StarExpr); ok {
			return s.rootOf(st.X)
		}
		return nil
	}
	obj := s.l.info.ObjectOf(id)
	v, ok := obj.(*types.Var)
	if !ok || v.IsField() || v.Parent() == nil || v.Parent() == s.l.pkg.Scope() || v.Pkg() != s.l.pkg || v == s.l.wf.ctx || v == s.l.wf.recv {
		return nil
	}
	return v
}

// moves reports whether edge e moves its source rather than sharing it:
// the source is not stored at any checkpoint, is not used anywhere else,
// and is declared in the loop that repeats the copy (so each copy is of
// a new variable).
func (s *sharing) moves(e shareEdge) bool {
	if s.stored(e.src) || e.src == e.dst {
		return false
	}
	if s.uses[e.src] != 1 || len(s.writes[e.src]) > 0 && e.addr {
		return false
	}
	return e.loop == nil || s.declLoop[e.src] == e.loop
}

func (s *sharing) report() {
	parent := map[*types.Var]*types.Var{}
	var find func(v *types.Var) *types.Var
	find = func(v *types.Var) *types.Var {
		if p, ok := parent[v]; ok && p != v {
			r := find(p)
			parent[v] = r
			return r
		}
		return v
	}
	var kept []shareEdge
	for _, e := range s.edges {
		if s.moves(e) {
			continue
		}
		// A pointer the frame stores as a reference still reaches the
		// memory it points into (writes through it count there), but a
		// resume does not split the two.
		if !s.l.preservePointer(e) {
			kept = append(kept, e)
		}
		a, b := find(e.dst), find(e.src)
		if a != b {
			parent[a] = b
		}
	}
	// Writes per component, earliest first.
	writes := map[*types.Var][]shareWrite{}
	for v, ws := range s.writes {
		r := find(v)
		writes[r] = append(writes[r], ws...)
	}
	if h := s.l.wf.helper; h != nil {
		h.writes = map[int]shareWrite{}
		k := h.ctxParams()
		for i := k; i < h.sig.Params().Len(); i++ {
			ws := writes[find(h.sig.Params().At(i))]
			if len(ws) == 0 {
				continue
			}
			first := ws[0]
			for _, w := range ws {
				if w.pos < first.pos {
					first = w
				}
			}
			h.writes[i-k] = first
		}
	}
	reported := map[*types.Var]bool{}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].pos < kept[j].pos })
	preserved := s.preservedComponents(kept, find, writes)
	for _, e := range kept {
		r := find(e.dst)
		if reported[r] || !s.stored(e.dst) || preserved[r] || s.refused[e.dst] || s.refused[e.src] {
			continue
		}
		ws := writes[r]
		if len(ws) == 0 {
			continue
		}
		sort.Slice(ws, func(i, j int) bool { return ws[i].pos < ws[j].pos })
		reported[r] = true
		w := ws[0]
		p := s.l.fset.Position(w.pos)
		fix := "copy the value instead (slices.Clone, maps.Clone, or a copy of the struct and of the slices it holds), or recompute it after the checkpoint"
		if e.addr {
			fix = "keep the value itself, or an index into it, instead of a pointer"
		}
		s.l.diags.add(s.l.fset, e.pos, "%s keeps %s across a checkpoint, and that memory is %s at line %d: after a resume %s and what it came from are restored as separate copies, so the write would no longer show in both; %s",
			e.dst.Name(), e.what, w.what, p.Line, e.dst.Name(), fix)
	}
}

// holdsRefs reports whether a value of type t holds a pointer, slice or
// map (or an interface or function) whose memory a copy shares.
func holdsRefs(t types.Type) bool { return holdsRefsSeen(t, map[types.Type]bool{}) }

func holdsRefsSeen(t types.Type, seen map[types.Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" {
		return false // time.Time, time.Duration, time.Location by value
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature, *types.Interface:
		return true
	case *types.Array:
		return holdsRefsSeen(u.Elem(), seen)
	case *types.Struct:
		for i := range u.NumFields() {
			if holdsRefsSeen(u.Field(i).Type(), seen) {
				return true
			}
		}
	}
	return false
}

// sharesRefTypes reports whether memory reachable from a value of type a
// could be reachable from a value of type b: they hold references to a
// common element type.
func sharesRefTypes(a, b types.Type) bool {
	ea, eb := refElems(a), refElems(b)
	for _, x := range ea {
		for _, y := range eb {
			if types.Identical(x, y) {
				return true
			}
		}
	}
	return false
}

// refElems returns the element types of the references a value of type t
// holds.
func refElems(t types.Type) []types.Type {
	var out []types.Type
	seen := map[types.Type]bool{}
	var walk func(t types.Type, top bool)
	walk = func(t types.Type, top bool) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		switch u := t.Underlying().(type) {
		case *types.Pointer:
			out = append(out, u.Elem())
			walk(u.Elem(), false)
		case *types.Slice:
			out = append(out, u.Elem())
			walk(u.Elem(), false)
		case *types.Map:
			out = append(out, u.Elem(), u.Key())
			walk(u.Elem(), false)
		case *types.Array:
			walk(u.Elem(), false)
		case *types.Struct:
			for i := range u.NumFields() {
				walk(u.Field(i).Type(), false)
			}
		case *types.Interface, *types.Signature:
			out = append(out, types.Typ[types.Invalid]) // anything
		}
	}
	walk(t, true)
	return out
}

func builtinOf(info *types.Info, c *ast.CallExpr) (string, bool) {
	id, ok := ast.Unparen(c.Fun).(*ast.Ident)
	if !ok {
		return "", false
	}
	b, ok := info.Uses[id].(*types.Builtin)
	if !ok {
		return "", false
	}
	return b.Name(), true
}

// clonesArgs reports calls known to return a new slice or map.
func clonesArgs(info *types.Info, c *ast.CallExpr) bool {
	fn, _ := info.Uses[calleeIdent(c.Fun)].(*types.Func)
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() + "." + fn.Name() {
	case "slices.Clone", "maps.Clone", "slices.Sorted", "slices.SortedFunc", "slices.Collect", "slices.Concat", "bytes.Clone", "strings.Split", "strings.Fields":
		return true
	}
	return false
}

// readOnlyCall reports calls known not to write through their arguments.
func readOnlyCall(info *types.Info, c *ast.CallExpr) bool {
	fn, _ := info.Uses[calleeIdent(c.Fun)].(*types.Func)
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() {
	case "fmt", "strings", "strconv", "errors", "math", "unicode", "unicode/utf8", "bytes":
		return fn.Type().(*types.Signature).Recv() == nil
	case "slices", "maps":
		switch fn.Name() {
		case "Contains", "ContainsFunc", "Index", "IndexFunc", "Equal", "EqualFunc", "Compare", "Max", "Min", "MaxFunc", "MinFunc", "Clone", "BinarySearch", "Keys", "Values", "All", "Sorted", "Collect", "IsSorted":
			return true
		}
	case "encoding/json":
		return fn.Name() == "Marshal" || fn.Name() == "MarshalIndent"
	case "github.com/durablegen/durable":
		return true
	}
	return false
}

// helperCall records the writes a call of helper h makes through its
// arguments: those it writes through its parameters. The helper's frame
// holds its parameters apart from the caller's variables after a resume,
// so an argument that shares memory with a stored variable of the caller
// is refused when the helper writes through it.
func (s *sharing) helperCall(c *ast.CallExpr, h *helperFn) {
	k := h.ctxParams()
	for i, a := range c.Args[min(k, len(c.Args)):] {
		if h.sig.Variadic() && i >= h.sig.Params().Len()-1-k {
			i = h.sig.Params().Len() - 1 - k
		}
		w, ok := h.writes[i]
		if !ok {
			continue
		}
		if t := s.l.info.TypeOf(a); t == nil || !holdsRefs(t) {
			continue
		}
		line := s.l.fset.Position(w.pos).Line
		root := ast.Unparen(a)
		if u, ok := root.(*ast.UnaryExpr); ok && u.Op == token.AND {
			root = u.X
		}
		if _, ok := s.l.relink(h, i, a); ok {
			// The call's state gives the parameter the caller's memory
			// again after a resume: the write shows in the caller.
		} else if v := s.rootOf(root); v != nil && s.stored(v) {
			fix := "pass the variable itself (or its address) to a helper that does not reassign the parameter, pass a copy (slices.Clone, maps.Clone), or have " + h.name() + " return the new value"
			if h.foreign != nil {
				fix = "pass a copy (slices.Clone, maps.Clone), or have " + h.name() + " return the new value (a helper of another package does not share memory with its caller across a resume)"
			}
			s.l.diags.add(s.l.fset, a.Pos(), "%s is passed to helper %s, whose parameter is %s at line %d, while %s is also kept across its checkpoints: after a resume the two are restored as separate copies, so the write would no longer show in %s; %s",
				exprString(a), h.name(), w.what, line, v.Name(), v.Name(), fix)
			continue
		}
		s.write(root, c.Pos(), "passed to helper "+h.name()+", which writes through it")
	}
}
