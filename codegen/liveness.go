package codegen

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/cfg"
)

// varSet is a set of local variables.
type varSet map[*types.Var]bool

// liveness computes, with go/cfg and a backward dataflow over the
// workflow body, the local variables live across some checkpoint: the
// ones a frame must serialize.
type liveness struct {
	info   *types.Info
	locals varSet
	isCP   func(*ast.CallExpr) bool
	// rereadsArgs reports a checkpoint that evaluates its arguments again
	// when it resumes (a step whose retry was suspended).
	rereadsArgs func(*ast.CallExpr) bool
	// onceArgs reports a checkpoint whose arguments with effects are
	// evaluated once into the frame (steps and child workflows).
	onceArgs func(*ast.CallExpr) bool
	results  []*types.Var        // named results, used by a bare return
	defsAt   map[ast.Node]varSet // range keys/values and type-switch assigns: definitions
	// atCP are, for each node of the body that holds a checkpoint, the
	// variables live across it (what resuming there may read).
	atCP map[ast.Node]varSet
}

// localVars returns the variables declared by the function decl (its
// parameters, named results and every local), except skip.
func localVars(info *types.Info, decl *ast.FuncDecl, skip *types.Var) varSet {
	s := varSet{}
	ast.Inspect(decl, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if v, ok := info.Defs[n].(*types.Var); ok && !v.IsField() && v != skip {
				s[v] = true
			}
		case *ast.CaseClause:
			if v, ok := info.Implicits[n].(*types.Var); ok {
				s[v] = true
			}
		}
		return true
	})
	return s
}

// liveAcross returns the locals live across a checkpoint of body.
func (l *liveness) liveAcross(body *ast.BlockStmt) varSet {
	l.defsAt = map[ast.Node]varSet{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.RangeStmt:
			if n.Tok != token.ILLEGAL {
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if e != nil {
						l.defsAt[e] = l.identDefs(e)
					}
				}
			}
		case *ast.TypeSwitchStmt:
			d := varSet{}
			for _, c := range n.Body.List {
				if v, ok := l.info.Implicits[c].(*types.Var); ok {
					d[v] = true
				}
			}
			l.defsAt[n.Assign] = d
		}
		return true
	})
	g := cfg.New(body, func(call *ast.CallExpr) bool {
		id, ok := ast.Unparen(call.Fun).(*ast.Ident)
		if !ok {
			return true
		}
		b, ok := l.info.Uses[id].(*types.Builtin)
		return !ok || b.Name() != "panic"
	})
	uses := make(map[ast.Node]varSet)
	defs := make(map[ast.Node]varSet)
	for _, b := range g.Blocks {
		for _, n := range b.Nodes {
			uses[n], defs[n] = l.useDef(n)
		}
	}
	// Backward dataflow to a fixed point: liveIn(b) from liveOut(b).
	liveIn := make([]varSet, len(g.Blocks))
	for i := range liveIn {
		liveIn[i] = varSet{}
	}
	outOf := func(b *cfg.Block) varSet {
		out := varSet{}
		for _, s := range b.Succs {
			for v := range liveIn[s.Index] {
				out[v] = true
			}
		}
		return out
	}
	for changed := true; changed; {
		changed = false
		for i := len(g.Blocks) - 1; i >= 0; i-- {
			b := g.Blocks[i]
			live := outOf(b)
			for j := len(b.Nodes) - 1; j >= 0; j-- {
				n := b.Nodes[j]
				for v := range defs[n] {
					delete(live, v)
				}
				for v := range uses[n] {
					live[v] = true
				}
			}
			if len(live) != len(liveIn[i]) {
				liveIn[i], changed = live, true
			}
		}
	}
	// Walk each block once more: at a node holding a checkpoint, what is
	// live after the node or used by it crosses the checkpoint.
	across := varSet{}
	l.atCP = map[ast.Node]varSet{}
	for _, b := range g.Blocks {
		live := outOf(b)
		for j := len(b.Nodes) - 1; j >= 0; j-- {
			n := b.Nodes[j]
			if l.hasCheckpoint(n) {
				at := varSet{}
				after, whole := l.usesAfter(n, uses[n])
				for v := range live {
					// A checkpoint's results are stored before it commits;
					// what a node assigns around nested checkpoints is
					// assigned after them.
					if whole || !defs[n][v] {
						across[v], at[v] = true, true
					}
				}
				for v := range after {
					across[v], at[v] = true, true
				}
				l.atCP[n] = at
			}
			for v := range defs[n] {
				delete(live, v)
			}
			for v := range uses[n] {
				live[v] = true
			}
		}
	}
	return across
}

func (l *liveness) identDefs(e ast.Expr) varSet {
	s := varSet{}
	if id, ok := ast.Unparen(e).(*ast.Ident); ok {
		if v := l.local(id); v != nil {
			s[v] = true
		}
	}
	return s
}

func (l *liveness) local(id *ast.Ident) *types.Var {
	obj := l.info.Defs[id]
	if obj == nil {
		obj = l.info.Uses[id]
	}
	if v, ok := obj.(*types.Var); ok && l.locals[v] {
		return v
	}
	return nil
}

// useDef returns the locals a CFG node reads and the ones it overwrites.
func (l *liveness) useDef(n ast.Node) (use, def varSet) {
	use, def = varSet{}, varSet{}
	if d, ok := l.defsAt[n]; ok {
		for v := range d {
			def[v] = true
		}
		if as, ok := n.(*ast.AssignStmt); ok {
			l.uses(as.Rhs[0], use)
		}
		if es, ok := n.(*ast.ExprStmt); ok {
			l.uses(es.X, use)
		}
		return use, def
	}
	switch n := n.(type) {
	case *ast.AssignStmt:
		for _, r := range n.Rhs {
			l.uses(r, use)
		}
		for _, lhs := range n.Lhs {
			id, ok := ast.Unparen(lhs).(*ast.Ident)
			if !ok {
				l.uses(lhs, use)
				continue
			}
			if v := l.local(id); v != nil {
				if n.Tok != token.DEFINE && n.Tok != token.ASSIGN {
					use[v] = true
				}
				def[v] = true
			}
		}
	case *ast.IncDecStmt:
		l.uses(n.X, use)
	case *ast.ValueSpec:
		for _, v := range n.Values {
			l.uses(v, use)
		}
		for _, id := range n.Names {
			if v := l.local(id); v != nil {
				def[v] = true
			}
		}
	case *ast.ReturnStmt:
		if len(n.Results) == 0 {
			for _, v := range l.results {
				use[v] = true
			}
		}
		l.uses(n, use)
	default:
		l.uses(n, use)
	}
	return use, def
}

// uses adds the locals read in n, including the ones captured by closures.
func (l *liveness) uses(n ast.Node, into varSet) {
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := l.info.Uses[id].(*types.Var); ok && l.locals[v] {
				into[v] = true
			}
		}
		return true
	})
}

// usesAfter returns the variables node n reads after its checkpoint, and
// whether the checkpoint is the whole right-hand side (x, err :=
// step(ctx, a, b)), whose results are stored before it commits. Such a
// checkpoint reads its arguments before it commits, except that a step
// (or durable.Do) reads them again when a suspended retry resumes it; so
// only for the other checkpoints, and only when no argument makes a
// checkpoint of its own, do the arguments not count.
func (l *liveness) usesAfter(n ast.Node, all varSet) (varSet, bool) {
	var rhs []ast.Expr
	var lhs []ast.Expr
	switch n := n.(type) {
	case *ast.AssignStmt:
		rhs, lhs = n.Rhs, n.Lhs
	case *ast.ExprStmt:
		rhs = []ast.Expr{n.X}
	case *ast.ValueSpec:
		rhs = n.Values
	case *ast.ReturnStmt:
		rhs = n.Results
	}
	if len(rhs) != 1 {
		return all, false
	}
	call, ok := ast.Unparen(rhs[0]).(*ast.CallExpr)
	if !ok || !l.isCP(call) {
		return all, false
	}
	if l.rereadsArgs(call) && !l.onceArgs(call) {
		return all, true
	}
	for _, a := range call.Args {
		if l.hasCheckpoint(a) {
			// Arguments after a nested checkpoint are evaluated after it.
			return all, true
		}
	}
	if l.rereadsArgs(call) {
		// A resumed step (or waiting parent) reads again the arguments
		// that are read in place; the others were evaluated once into
		// the frame before it (see lowerer.evalOnce).
		out := varSet{}
		args := call.Args[min(1, len(call.Args)):]
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && l.info.Selections[sel] != nil {
			args = append([]ast.Expr{sel.X}, args...)
		}
		for _, a := range args {
			if stableExpr(l.info, a) || l.hasCheckpoint(a) {
				l.uses(a, out)
			}
		}
		for _, e := range lhs {
			if _, isIdent := ast.Unparen(e).(*ast.Ident); !isIdent {
				l.uses(e, out)
			}
		}
		return out, true
	}
	for _, a := range call.Args {
		if l.hasCheckpoint(a) {
			return all, true
		}
	}
	out := varSet{}
	for _, e := range lhs {
		if _, isIdent := ast.Unparen(e).(*ast.Ident); !isIdent {
			l.uses(e, out)
		}
	}
	return out, true
}

func (l *liveness) hasCheckpoint(n ast.Node) bool { return containsCheckpoint(n, l.isCP) }

// containsCheckpoint reports whether n holds a call isCP accepts, outside
// function literals.
func containsCheckpoint(n ast.Node, isCP func(*ast.CallExpr) bool) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			found = isCP(n)
		}
		return true
	})
	return found
}
