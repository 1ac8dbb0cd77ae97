package analyzer

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/cfg"
)

// checkpointSite is a checkpoint call in a workflow body with the local
// variables live across it.
type checkpointSite struct {
	call *ast.CallExpr
	name string
	live []*types.Var
}

// liveness computes, for each checkpoint of a workflow body, the local
// variables whose value is used after it: the variables the generated
// machine keeps in its frame.
type liveness struct {
	w       *walker
	index   map[*types.Var]int
	vars    []*types.Var
	rangeKV map[ast.Expr]bool
	// switchVars maps the assignment of a type switch to the variables
	// it declares in each clause.
	switchVars map[ast.Stmt][]*types.Var
}

type bitset []uint64

func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) clear(i int)    { b[i/64] &^= 1 << (i % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

func (b bitset) union(o bitset) bool {
	changed := false
	for i := range b {
		if n := b[i] | o[i]; n != b[i] {
			b[i], changed = n, true
		}
	}
	return changed
}

// checkpoints returns the checkpoint sites of the workflow body.
func (w *walker) checkpoints() []checkpointSite {
	body := w.fi.decl.Body
	l := &liveness{w: w, index: make(map[*types.Var]int), rangeKV: make(map[ast.Expr]bool), switchVars: make(map[ast.Stmt][]*types.Var)}
	l.collect(body)
	if len(l.vars) == 0 {
		return l.sitesWithout(body)
	}
	g := cfg.New(body, func(*ast.CallExpr) bool { return true })
	words := (len(l.vars) + 63) / 64
	in := make([]bitset, len(g.Blocks))
	out := make([]bitset, len(g.Blocks))
	for i := range g.Blocks {
		in[i], out[i] = make(bitset, words), make(bitset, words)
	}
	for changed := true; changed; {
		changed = false
		for i := len(g.Blocks) - 1; i >= 0; i-- {
			b := g.Blocks[i]
			for _, s := range b.Succs {
				out[i].union(in[s.Index])
			}
			live := append(bitset(nil), out[i]...)
			l.transferBlock(b, live, nil)
			if in[i].union(live) {
				changed = true
			}
		}
	}
	var sites []checkpointSite
	for i, b := range g.Blocks {
		live := append(bitset(nil), out[i]...)
		l.transferBlock(b, live, &sites)
	}
	return sites
}

// collect indexes the local variables of the body, but not those
// declared inside closures, and not the workflow context.
func (l *liveness) collect(body *ast.BlockStmt) {
	info := l.w.info
	add := func(v *types.Var) {
		if _, ok := l.index[v]; ok || isDurableContext(v.Type()) {
			return
		}
		l.index[v] = len(l.vars)
		l.vars = append(l.vars, v)
	}
	sig := l.w.fi.obj.Type().(*types.Signature)
	for i := 0; i < sig.Params().Len(); i++ {
		add(sig.Params().At(i))
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.Ident:
			if v, ok := info.Defs[n].(*types.Var); ok && !v.IsField() {
				add(v)
			}
		case *ast.CaseClause:
			if v, ok := info.Implicits[n].(*types.Var); ok {
				add(v)
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if e != nil {
					l.rangeKV[e] = true
				}
			}
		case *ast.TypeSwitchStmt:
			for _, cc := range n.Body.List {
				if v, ok := info.Implicits[cc].(*types.Var); ok {
					l.switchVars[n.Assign] = append(l.switchVars[n.Assign], v)
				}
			}
		}
		return true
	})
}

// transferBlock applies the block's nodes backwards to live; with sites
// set, it records the checkpoints and what is live across them.
func (l *liveness) transferBlock(b *cfg.Block, live bitset, sites *[]checkpointSite) {
	for i := len(b.Nodes) - 1; i >= 0; i-- {
		n := b.Nodes[i]
		if sites != nil {
			after := live
			if s, ok := n.(ast.Stmt); ok && len(l.switchVars[s]) > 0 {
				// The variables of a type switch's clauses are assigned
				// once its subject, checkpoints included, is evaluated:
				// each clause's own, of its own type.
				after = append(bitset(nil), live...)
				for _, v := range l.switchVars[s] {
					if i, ok := l.index[v]; ok {
						after.clear(i)
					}
				}
			}
			for _, call := range l.w.checkpointCalls(n) {
				*sites = append(*sites, checkpointSite{call: call, name: l.w.checkpointName(call), live: l.members(after)})
			}
		}
		l.transferNode(n, live)
	}
	// The key and value of a range loop, and the variable of a type
	// switch case, are assigned at the start of their block.
	switch s := b.Stmt.(type) {
	case *ast.RangeStmt:
		if b.Kind == cfg.KindRangeBody {
			for _, e := range []ast.Expr{s.Key, s.Value} {
				l.kill(e, live)
			}
		}
	case *ast.CaseClause:
		if v, ok := l.w.info.Implicits[s].(*types.Var); ok {
			if i, ok := l.index[v]; ok {
				live.clear(i)
			}
		}
	}
}

func (l *liveness) members(live bitset) []*types.Var {
	var vs []*types.Var
	for i, v := range l.vars {
		if live.has(i) {
			vs = append(vs, v)
		}
	}
	return vs
}

func (l *liveness) kill(e ast.Expr, live bitset) {
	if id, ok := e.(*ast.Ident); ok {
		if v, ok := l.w.info.ObjectOf(id).(*types.Var); ok {
			if i, ok := l.index[v]; ok {
				live.clear(i)
			}
		}
	}
}

// transferNode applies one node: its definitions end liveness, its uses
// start it.
func (l *liveness) transferNode(n ast.Node, live bitset) {
	if s, ok := n.(ast.Stmt); ok {
		for _, v := range l.switchVars[s] {
			if i, ok := l.index[v]; ok {
				live.clear(i)
			}
		}
	}
	switch n := n.(type) {
	case *ast.AssignStmt:
		if n.Tok == token.ASSIGN || n.Tok == token.DEFINE {
			for _, lhs := range n.Lhs {
				l.kill(lhs, live)
			}
			for _, lhs := range n.Lhs {
				if _, ok := lhs.(*ast.Ident); !ok {
					l.uses(lhs, live)
				}
			}
		} else {
			l.uses(n.Lhs[0], live)
		}
		for _, r := range n.Rhs {
			l.uses(r, live)
		}
		return
	case *ast.ValueSpec:
		for _, id := range n.Names {
			l.kill(id, live)
		}
		for _, v := range n.Values {
			l.uses(v, live)
		}
		return
	case ast.Expr:
		if l.rangeKV[n] {
			if _, ok := n.(*ast.Ident); ok {
				return // assigned at the start of the loop body
			}
		}
	}
	l.uses(n, live)
}

// uses marks every tracked variable that n reads, including those read
// by closures it contains.
func (l *liveness) uses(n ast.Node, live bitset) {
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := l.w.info.Uses[id].(*types.Var); ok {
				if i, ok := l.index[v]; ok {
					live.set(i)
				}
			}
		}
		return true
	})
}

// sitesWithout returns the checkpoints of a body without local variables.
func (l *liveness) sitesWithout(body *ast.BlockStmt) []checkpointSite {
	var sites []checkpointSite
	for _, call := range l.w.checkpointCalls(body) {
		sites = append(sites, checkpointSite{call: call, name: l.w.checkpointName(call)})
	}
	return sites
}

// checkpointCalls returns the checkpoint calls in n, outside closures.
func (w *walker) checkpointCalls(n ast.Node) []*ast.CallExpr {
	var calls []*ast.CallExpr
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if w.checkpointName(n) != "" {
				calls = append(calls, n)
			}
		}
		return true
	})
	return calls
}

// checkpointName names the checkpoint that call is, or returns "".
func (w *walker) checkpointName(call *ast.CallExpr) string {
	if v := w.c.cpLitVar(call); v != nil {
		return v.Name()
	}
	fn := w.callee(call)
	switch {
	case fn == nil:
		return ""
	case isDurable(fn):
		if isCheckpoint(fn.Name()) {
			return "durable." + fn.Name()
		}
	case w.c.isStep(fn), w.c.isWorkflow(fn), w.c.isHelper(fn), w.c.isForeignHelper(fn):
		return localName(fn, w.c.pass.Pkg)
	}
	return ""
}
