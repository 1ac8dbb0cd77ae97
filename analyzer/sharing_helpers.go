package analyzer

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

// Memory passed to helpers that make checkpoints (see sharing.go).

// helperCall records the writes a call of helper fn makes through its
// arguments: those it writes through its parameters. The helper's frame
// holds its parameters apart from the caller's variables after a resume,
// so an argument that shares memory with a stored variable of the caller
// is refused when the helper writes through it, unless the call gives
// the parameter the caller's memory again on every entry.
func (s *sharing) helperCall(c *ast.CallExpr, fn *types.Func) {
	h := s.w.c.byObj[fn.Origin()]
	if h == nil || len(c.Args) == 0 {
		return
	}
	sig := h.obj.Type().(*types.Signature)
	hw := s.w.c.helperWrites(h)
	for i, a := range c.Args[1:] {
		if sig.Variadic() && i >= sig.Params().Len()-2 {
			i = sig.Params().Len() - 2
		}
		w, ok := hw.writes[i]
		if !ok {
			continue
		}
		if t := s.w.info.TypeOf(a); t == nil || !holdsRefs(t) {
			continue
		}
		root := ast.Unparen(a)
		if u, ok := root.(*ast.UnaryExpr); ok && u.Op == token.AND {
			root = u.X
		}
		if s.relinks(hw, sig, i, a) {
			// The call gives the parameter the caller's memory again
			// after a resume: the write shows in the caller.
		} else if v := s.rootOf(root); v != nil && s.stored[v] {
			name := localName(fn, s.w.c.pass.Pkg)
			s.w.simple(ruleAlias, a, fmt.Sprintf("%s is passed to helper %s, whose parameter is %s at line %d, while %s is also kept across its checkpoints: after a resume the two are restored as separate copies, so the write would no longer show in %s",
				exprString(a), name, w.what, s.w.c.pass.Fset.Position(w.pos).Line, v.Name(), v.Name()), "", "",
				fmt.Sprintf("pass the variable itself (or its address) to a helper that does not reassign the parameter, pass a copy (slices.Clone, maps.Clone), or have %s return the new value", name))
			continue
		}
		s.write(root, c.Pos(), "passed to helper "+localName(fn, s.w.c.pass.Pkg)+", which writes through it")
	}
}

// relinks reports whether the call's state gives parameter i of a
// helper the caller's memory again on each entry: for an argument that
// names a stored variable, a field of one or its address (at constant
// array indices), when the helper never reassigns the parameter.
func (s *sharing) relinks(hw *paramWrites, sig *types.Signature, i int, arg ast.Expr) bool {
	if hw.reassigned[i] || sig.Variadic() && i == sig.Params().Len()-2 {
		return false
	}
	e := ast.Unparen(arg)
	u, isAddr := e.(*ast.UnaryExpr)
	isAddr = isAddr && u.Op == token.AND
	if isAddr {
		e = ast.Unparen(u.X)
	}
	if !constIndices(s.w.info, e) {
		return false
	}
	v := addressedVar(s.w.info, e)
	if v == nil || !s.stored[v] {
		return false
	}
	return isAddr || holdsRefs(s.w.info.TypeOf(arg))
}

// paramWrites are the writes a helper makes through its parameters after
// the context, and the parameters it reassigns.
type paramWrites struct {
	writes     map[int]shareWrite
	reassigned map[int]bool
}

// helperWrites returns the writes helper h makes through its parameters,
// computed once.
func (c *checker) helperWrites(h *funcInfo) *paramWrites {
	if c.paramWrites == nil {
		c.paramWrites = make(map[*funcInfo]*paramWrites)
	}
	if pw, ok := c.paramWrites[h]; ok {
		return pw
	}
	pw := &paramWrites{writes: map[int]shareWrite{}, reassigned: reassignedParams(c.pass.TypesInfo, h)}
	c.paramWrites[h] = pw // a recursive helper (refused as DG014) sees none
	w := newWalker(c, h, newWorkflow(c, h))
	sites := w.checkpoints()
	fv := w.findFuncVars()
	w.addCaptured(sites, fv)
	s := w.sharingOf(sites, fv.rebuilt(w), nil)
	s.report(false)
	pw.writes = s.params
	return pw
}

// reassignedParams returns the parameters after the context that h
// assigns, or whose address it takes.
func reassignedParams(info *types.Info, h *funcInfo) map[int]bool {
	sig := h.obj.Type().(*types.Signature)
	index := make(map[*types.Var]int)
	for i := 1; i < sig.Params().Len(); i++ {
		index[sig.Params().At(i)] = i - 1
	}
	out := make(map[int]bool)
	mark := func(e ast.Expr) {
		if v := addressedVar(info, e); v != nil {
			if i, ok := index[v]; ok {
				out[i] = true
			}
		}
	}
	ast.Inspect(h.body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, lhs := range n.Lhs {
				mark(lhs)
			}
		case *ast.IncDecStmt:
			mark(n.X)
		case *ast.RangeStmt:
			if n.Key != nil {
				mark(n.Key)
			}
			if n.Value != nil {
				mark(n.Value)
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				mark(n.X)
			}
		}
		return true
	})
	return out
}

// constIndices reports whether every index on the path of e is a
// constant.
func constIndices(info *types.Info, e ast.Expr) bool {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			if tv, ok := info.Types[x.Index]; !ok || tv.Value == nil {
				return false
			}
			e = x.X
		default:
			return true
		}
	}
}
