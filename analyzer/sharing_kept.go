package analyzer

import (
	"go/ast"
	"go/types"
	"slices"
)

// The sharing the frame keeps (see sharing.go): pointers stored as
// references to what they point at, and slots stored as sharing.

// preservePointer reports whether the address copy e is one the frame
// stores as a reference, and records it.
func (s *sharing) preservePointer(e shareEdge) bool {
	if !e.addr || e.target == nil || !s.stored[e.src] || !s.stored[e.dst] || s.boxed[e.dst] || s.rebuilt[e.dst] {
		return false
	}
	pt, ok := e.dst.Type().Underlying().(*types.Pointer)
	if !ok {
		return false
	}
	info := s.w.info
	target := ast.Unparen(e.target)
	base, elem := target, false
	if ix, ok := target.(*ast.IndexExpr); ok {
		switch info.TypeOf(ix.X).Underlying().(type) {
		case *types.Slice, *types.Array:
		default:
			return false
		}
		base, elem = ix.X, true
	}
	if addressedVar(info, base) != e.src || hasIndex(base) {
		return false
	}
	pointee := info.TypeOf(base)
	if elem {
		switch u := pointee.Underlying().(type) {
		case *types.Slice:
			pointee = u.Elem()
		case *types.Array:
			pointee = u.Elem()
		}
	}
	if !types.Identical(pt.Elem(), pointee) {
		return false
	}
	layout := exprString(base)
	if elem {
		layout += "[i]"
	}
	if !slices.Contains(s.refs[e.dst], layout) {
		s.refs[e.dst] = append(s.refs[e.dst], layout)
	}
	return true
}

// hasIndex reports whether a field path indexes an array on the way.
func hasIndex(e ast.Expr) bool {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			return true
		default:
			return false
		}
	}
}

// staticPath reports whether e names a slot path: a variable, or fields
// of one without indirection; src allows a slice expression of a slice
// path (it shares the same backing array).
func (s *sharing) staticPath(e ast.Expr, src bool) bool {
	info := s.w.info
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		v, ok := info.ObjectOf(x).(*types.Var)
		return ok && !v.IsField()
	case *ast.SelectorExpr:
		sel := info.Selections[x]
		if sel == nil || sel.Kind() != types.FieldVal || sel.Indirect() || isPointer(info.TypeOf(x.X)) {
			return false
		}
		return s.staticPath(x.X, false)
	case *ast.SliceExpr:
		if !src {
			return false
		}
		if _, ok := info.TypeOf(x.X).Underlying().(*types.Slice); !ok {
			return false
		}
		return s.staticPath(x.X, false)
	}
	return false
}

// slots appends the slot paths of a value of type t at path, and reports
// whether every reference it holds is in one.
func slots(t types.Type, path string, out *[]string, depth int) bool {
	if depth > 8 {
		return false
	}
	if isTimeType(t) {
		return true
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		if holdsRefs(u.Elem()) {
			return false
		}
		*out = append(*out, path)
	case *types.Slice:
		if holdsRefs(u.Elem()) {
			return false
		}
		*out = append(*out, path)
	case *types.Map:
		if holdsRefs(u.Elem()) || holdsRefs(u.Key()) {
			return false
		}
		*out = append(*out, path)
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if holdsRefs(f.Type()) && !slots(f.Type(), path+"."+f.Name(), out, depth+1) {
				return false
			}
		}
	case *types.Array:
		return !holdsRefs(u.Elem())
	case *types.Interface, *types.Signature, *types.Chan:
		return false
	}
	return true
}

// preservedComponents returns the components whose sharing the frame
// keeps: every copy that connects them goes from a slot to a slot.
func (s *sharing) preservedComponents(kept []shareEdge, find func(*types.Var) *types.Var, writes map[*types.Var][]shareWrite) map[*types.Var]bool {
	static := make(map[*types.Var]bool)
	members := make(map[*types.Var][]*types.Var)
	for _, e := range kept {
		r := find(e.dst)
		if _, seen := static[r]; !seen {
			static[r] = true
		}
		static[r] = static[r] && e.static && e.src != e.dst
		for _, v := range []*types.Var{e.dst, e.src} {
			if !slices.Contains(members[r], v) {
				members[r] = append(members[r], v)
			}
		}
	}
	out := make(map[*types.Var]bool)
	for r, ok := range static {
		if !ok || len(writes[r]) == 0 {
			continue
		}
		var paths []string
		for _, v := range members[r] {
			if !s.stored[v] {
				continue
			}
			if s.boxed[v] || s.rebuilt[v] || len(s.refs[v]) > 0 || !slots(v.Type(), v.Name(), &paths, 0) {
				ok = false
				break
			}
		}
		if ok && len(paths) >= 2 {
			out[r] = true
		}
	}
	return out
}
