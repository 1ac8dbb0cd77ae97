package analyzer

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"sort"
)

// Memory shared between stored variables (DG013).
//
// After a resume every variable of the frame is decoded on its own, so
// memory that two of them shared is no longer shared unless the frame
// keeps the sharing. durablegen keeps
//
//   - a pointer variable given the address of a stored variable, of a
//     field path of one (no indirection on the way), or of an element of
//     a stored slice or array (p := &n, o := &in.Order, it := &items[i]):
//     the frame stores where it points;
//   - copies from slot to slot, a variable or such a field path of
//     slice, map or pointer type whose elements hold no references
//     (items := in.Items, b := a, ys := xs[1:3], m2 := m): the frame
//     stores which slots share;
//
// and refuses the other sharing between stored variables when the
// memory shared is written through (or compared by pointer identity)
// anywhere in the body: a pointer stored inside a container, a slice as
// a map value, a copy out of a map element, a container whose elements
// hold references. This file mirrors its
// sharing check (codegen/sharing.go, alias.go, pointers.go), flow
// insensitive and conservative as it is, and reports what it refuses in
// its words.

// shareEdge is one statement that copies a reference from src into dst.
type shareEdge struct {
	dst, src *types.Var
	pos      token.Pos
	addr     bool     // &src
	loop     ast.Node // innermost loop around the copy, if any
	what     string   // what is copied, for messages
	target   ast.Expr // for addr: the operand of &
	static   bool     // from a slot to a slot of stored variables
}

// shareWrite is a write through a reference, or a pointer comparison.
type shareWrite struct {
	pos  token.Pos
	what string
}

type sharing struct {
	w        *walker
	stored   map[*types.Var]bool // live across a checkpoint
	rebuilt  map[*types.Var]bool // function variables rebuilt on resume
	refused  map[*types.Var]bool // reported by DG012: no finding about their sharing
	edges    []shareEdge
	writes   map[*types.Var][]shareWrite
	uses     map[*types.Var]int // occurrences other than declarations
	loops    []ast.Node
	declLoop map[*types.Var]ast.Node // innermost loop around each declaration
	addrs    map[*types.Var]bool     // address taken or captured by a literal
	boxed    map[*types.Var]bool     // per-iteration variables that are boxed
	refs     map[*types.Var][]string // the kept pointer references of each variable
	// params are the writes through each parameter after the context,
	// for a helper.
	params map[int]shareWrite
}

// checkSharing reports, in the body walked, memory shared between stored
// variables that a resume would split while the body writes through it;
// refused are the variables reported as unsaveable.
func (w *walker) checkSharing(sites []checkpointSite, rebuilt, refused map[*types.Var]bool) {
	s := w.sharingOf(sites, rebuilt, refused)
	s.report(true)
}

// sharingOf runs the sharing check of the body walked up to its report.
func (w *walker) sharingOf(sites []checkpointSite, rebuilt, refused map[*types.Var]bool) *sharing {
	body := w.fi.decl.Body
	s := &sharing{
		w: w, stored: make(map[*types.Var]bool), rebuilt: rebuilt, refused: refused,
		writes: make(map[*types.Var][]shareWrite), uses: make(map[*types.Var]int),
		declLoop: make(map[*types.Var]ast.Node), addrs: referencedVars(w.info, body, w.c.pass.Pkg),
		refs: make(map[*types.Var][]string),
	}
	for _, site := range sites {
		for _, v := range site.live {
			s.stored[v] = true
		}
	}
	s.boxed = w.boxedVars(body, s.addrs)
	s.walk(body)
	return s
}

// boxedVars returns the variables declared in a loop that makes
// checkpoints whose address is taken or that a literal captures: each
// iteration has its own.
func (w *walker) boxedVars(body *ast.BlockStmt, referenced map[*types.Var]bool) map[*types.Var]bool {
	out := make(map[*types.Var]bool)
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ForStmt, *ast.RangeStmt:
			if len(w.checkpointCalls(n)) == 0 {
				return true
			}
			ast.Inspect(n, func(m ast.Node) bool {
				switch m := m.(type) {
				case *ast.FuncLit:
					return false
				case *ast.Ident:
					if v, ok := w.info.Defs[m].(*types.Var); ok && referenced[v] {
						out[v] = true
					}
				case *ast.TypeSwitchStmt:
					for _, c := range m.Body.List {
						if v, ok := w.info.Implicits[c].(*types.Var); ok && referenced[v] {
							out[v] = true
						}
					}
				}
				return true
			})
			return false
		}
		return true
	})
	return out
}

func (s *sharing) walk(body ast.Node) {
	info := s.w.info
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
		} else if v, ok := s.w.info.Uses[id].(*types.Var); ok && s.addrs[v] {
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
	xt := s.w.info.TypeOf(r.X)
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
	s.rangeCopy(r, xt)
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

// rangeCopy records a loop with checkpoints that ranges over a copy of
// a slice or map variable (or field path), because its body assigns it:
// the copy shares the elements with the variable.
func (s *sharing) rangeCopy(r *ast.RangeStmt, xt types.Type) {
	switch xt.Underlying().(type) {
	case *types.Slice, *types.Map:
	default:
		return
	}
	if !holdsRefs(xt) || len(s.w.checkpointCalls(r)) == 0 {
		return
	}
	v := s.fieldPathRoot(r.X)
	if v == nil || !assignsPath(s.w.info, r.Body, v, r.X) {
		return
	}
	s.edges = append(s.edges, shareEdge{dst: v, src: v, pos: r.X.Pos(), what: exprString(r.X) + " (the loop ranges over a copy of it, because its body assigns it)"})
}

// fieldPathRoot returns the local variable of a path v or v.a.b (no
// indirection), or nil.
func (s *sharing) fieldPathRoot(e ast.Expr) *types.Var {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		return s.rootOf(x)
	case *ast.SelectorExpr:
		if sel := s.w.info.Selections[x]; sel != nil && sel.Kind() == types.FieldVal && !sel.Indirect() {
			return s.fieldPathRoot(x.X)
		}
	}
	return nil
}

// assignsPath reports whether n may change what path (v or v.a.b) holds:
// it assigns v or a prefix of path, takes the address of one, or calls a
// method on one.
func assignsPath(info *types.Info, n ast.Node, v *types.Var, path ast.Expr) bool {
	prefixes := make(map[string]bool)
	for e := ast.Unparen(path); ; {
		prefixes[exprString(e)] = true
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			break
		}
		e = ast.Unparen(sel.X)
	}
	isV := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && info.Uses[id] == v
	}
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.AssignStmt:
			for _, lhs := range m.Lhs {
				found = found || isV(lhs) || prefixes[exprString(ast.Unparen(lhs))]
			}
		case *ast.UnaryExpr:
			found = found || m.Op == token.AND && (isV(m.X) || prefixes[exprString(ast.Unparen(m.X))])
		case *ast.SelectorExpr:
			if sel := info.Selections[m]; sel != nil && sel.Kind() != types.FieldVal && prefixes[exprString(ast.Unparen(m.X))] {
				found = true
			}
		}
		return !found
	})
	return found
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
		src.static = src.static && s.staticPath(lhs, false)
		s.edges = append(s.edges, src)
	}
}

// sources returns the variables whose memory the value of e may share,
// as edges without a destination. self is the assignment's target: s =
// append(s, ...) does not share s with itself.
func (s *sharing) sources(e ast.Expr, self ast.Expr) []shareEdge {
	info := s.w.info
	e = ast.Unparen(e)
	switch x := e.(type) {
	case *ast.Ident, *ast.SelectorExpr, *ast.IndexExpr, *ast.SliceExpr, *ast.StarExpr:
		t := info.TypeOf(x)
		if !holdsRefs(t) {
			return nil
		}
		if _, isFunc := t.Underlying().(*types.Signature); isFunc {
			return nil // a function shares no memory a write goes through
		}
		if v := s.rootOf(x); v != nil {
			return []shareEdge{{src: v, pos: x.Pos(), what: exprString(x), static: s.staticPath(x, true)}}
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

// isCheckpointCall reports whether c is a checkpoint other than a helper:
// its result is decoded or fresh, and it is given its arguments as values.
func (s *sharing) isCheckpointCall(c *ast.CallExpr) bool {
	if s.w.checkpointName(c) == "" {
		return false
	}
	fn := s.w.callee(c)
	return fn == nil || !s.w.c.isHelper(fn)
}

// callSources: what a call's result may share with its arguments.
func (s *sharing) callSources(c *ast.CallExpr, self ast.Expr) []shareEdge {
	info := s.w.info
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
	if s.isCheckpointCall(c) {
		return nil
	}
	if b, ok := builtinOf(info, c); ok {
		if b != "append" {
			return nil
		}
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
	info := s.w.info
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
	if fn := s.w.callee(c); fn != nil && s.w.c.isHelper(fn) {
		s.helperCall(c, fn)
		return
	}
	if readOnlyCall(info, c) || s.isCheckpointCall(c) {
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
	r := sharingRoot(e)
	id, ok := r.(*ast.Ident)
	if !ok {
		if st, ok := r.(*ast.StarExpr); ok {
			return s.rootOf(st.X)
		}
		return nil
	}
	v, ok := s.w.info.ObjectOf(id).(*types.Var)
	if !ok || v.IsField() || v.Parent() == nil || isPackageVar(v) || v.Pkg() != s.w.c.pass.Pkg || v == s.w.wf.ctx || v == s.w.wf.recv {
		return nil
	}
	return v
}

// sharingRoot strips fields, indices and slicing from e.
func sharingRoot(e ast.Expr) ast.Expr {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.SliceExpr:
			e = x.X
		default:
			return x
		}
	}
}

// moves reports whether edge e moves its source rather than sharing it:
// the source is not stored at any checkpoint, is not used anywhere else,
// and is declared in the loop that repeats the copy.
func (s *sharing) moves(e shareEdge) bool {
	if s.stored[e.src] || e.src == e.dst {
		return false
	}
	if s.uses[e.src] != 1 || len(s.writes[e.src]) > 0 && e.addr {
		return false
	}
	return e.loop == nil || s.declLoop[e.src] == e.loop
}

// report connects the variables the edges share memory between and,
// with emit set, reports the components a resume would split that are
// written through. It records the writes through a helper's parameters.
func (s *sharing) report(emit bool) {
	parent := make(map[*types.Var]*types.Var)
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
		// memory it points into, but a resume does not split the two.
		if !s.preservePointer(e) {
			kept = append(kept, e)
		}
		if a, b := find(e.dst), find(e.src); a != b {
			parent[a] = b
		}
	}
	writes := make(map[*types.Var][]shareWrite)
	for v, ws := range s.writes {
		r := find(v)
		writes[r] = append(writes[r], ws...)
	}
	if s.w.wf.helper {
		s.params = make(map[int]shareWrite)
		sig := s.w.fi.obj.Type().(*types.Signature)
		for i := 1; i < sig.Params().Len(); i++ {
			ws := writes[find(sig.Params().At(i))]
			if len(ws) == 0 {
				continue
			}
			first := ws[0]
			for _, w := range ws {
				if w.pos < first.pos {
					first = w
				}
			}
			s.params[i-1] = first
		}
	}
	if !emit {
		return
	}
	reported := make(map[*types.Var]bool)
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].pos < kept[j].pos })
	preserved := s.preservedComponents(kept, find, writes)
	for _, e := range kept {
		r := find(e.dst)
		if reported[r] || !s.stored[e.dst] || preserved[r] || s.refused[e.dst] || s.refused[e.src] {
			continue
		}
		ws := writes[r]
		if len(ws) == 0 {
			continue
		}
		sort.Slice(ws, func(i, j int) bool { return ws[i].pos < ws[j].pos })
		reported[r] = true
		w := ws[0]
		fix := "copy the value instead (slices.Clone, maps.Clone, or a copy of the struct and of the slices it holds), or recompute it after the checkpoint"
		if e.addr {
			fix = "keep the value itself, or an index into it, instead of a pointer"
		}
		s.w.simple(ruleAlias, &ast.Ident{NamePos: e.pos}, fmt.Sprintf("%s keeps %s across a checkpoint, and that memory is %s at line %d: after a resume %s and what it came from are restored as separate copies, so the write would no longer show in both",
			e.dst.Name(), e.what, w.what, s.w.c.pass.Fset.Position(w.pos).Line, e.dst.Name()), "", "", fix)
	}
}
