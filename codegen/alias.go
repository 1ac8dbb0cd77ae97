package codegen

import (
	"go/ast"
	"go/types"
	"sort"
	"strings"
)

// Memory shared between stored variables, kept shared.
//
// The sharing check (sharing.go) connects the stored variables that may
// share memory. When every copy that connects them goes from a slot to a
// slot — a variable, or a field of one reached without indirection, of
// slice, map or pointer type whose elements hold no references
// themselves: items := in.Items, b := a, x := xs[1:], m2 := m1 — the
// frame stores which slots share (runtime.Encoder.Aliases) and a resume
// makes them share again, so the workflow is not refused. Other copies
// (an element taken out of a container, a composite literal, a call's
// result) still are.

// staticPath reports whether e names a slot path: a variable, or fields
// of one without indirection; src allows a slice expression of a slice
// path (it shares the same backing array).
func (l *lowerer) staticPath(e ast.Expr, src bool) bool {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		v, ok := l.info.ObjectOf(x).(*types.Var)
		return ok && !v.IsField()
	case *ast.SelectorExpr:
		sel := l.info.Selections[x]
		if sel == nil || sel.Kind() != types.FieldVal || sel.Indirect() || isPointer(l.info.TypeOf(x.X)) {
			return false
		}
		return l.staticPath(x.X, false)
	case *ast.SliceExpr:
		if !src {
			return false
		}
		if _, ok := l.info.TypeOf(x.X).Underlying().(*types.Slice); !ok {
			return false
		}
		return l.staticPath(x.X, false)
	}
	return false
}

// slots appends the slot paths of a value of type t at path, and reports
// whether every reference it holds is in one.
func slots(t types.Type, path string, out *[]string, depth int) bool {
	if depth > 8 {
		return false
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" {
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

// preservedComponents returns the components of the sharing check whose
// sharing the frame keeps, and records their slots for the frame.
func (s *sharing) preservedComponents(kept []shareEdge, find func(*types.Var) *types.Var, writes map[*types.Var][]shareWrite) map[*types.Var]bool {
	l := s.l
	static := map[*types.Var]bool{}
	members := map[*types.Var][]*types.Var{}
	for _, e := range kept {
		r := find(e.dst)
		if _, seen := static[r]; !seen {
			static[r] = true
		}
		static[r] = static[r] && e.static && e.src != e.dst
		for _, v := range []*types.Var{e.dst, e.src} {
			if !slicesContains(members[r], v) {
				members[r] = append(members[r], v)
			}
		}
	}
	out := map[*types.Var]bool{}
	var roots []*types.Var
	for r := range static {
		roots = append(roots, r)
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i].Pos() < roots[j].Pos() })
	for _, r := range roots {
		if !static[r] || len(writes[r]) == 0 {
			continue
		}
		var paths []string
		ok := true
		for _, v := range members[r] {
			f := l.frame[v]
			if f == nil || !f.ser {
				continue
			}
			if f.boxed || f.helper != nil || l.closureField(f) || len(f.refs) > 0 || !slots(f.typ, l.fv+"."+f.name, &paths, 0) {
				ok = false
				break
			}
		}
		if !ok || len(paths) < 2 {
			continue
		}
		out[r] = true
		for _, p := range paths {
			if !slicesContains(l.aliasSlots, p) {
				l.aliasSlots = append(l.aliasSlots, p)
			}
		}
	}
	sort.Strings(l.aliasSlots)
	return out
}

func slicesContains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// aliasArgs returns the slots as arguments: &f.a, &f.b.Lines.
func (l *lowerer) aliasArgs() string {
	args := make([]string, len(l.aliasSlots))
	for i, p := range l.aliasSlots {
		args[i] = "&" + p
	}
	return strings.Join(args, ", ")
}

// aliasLayout adds the slots to lay: the stored record names them by
// position.
func (l *lowerer) aliasLayout(lay *Layout) {
	if len(l.aliasSlots) == 0 {
		return
	}
	names := make([]string, len(l.aliasSlots))
	for i, p := range l.aliasSlots {
		names[i] = strings.TrimPrefix(p, l.fv+".")
	}
	lay.Fields = append(lay.Fields, LayoutField{Name: "shared.memory", Type: "slots " + strings.Join(names, " ")})
}
