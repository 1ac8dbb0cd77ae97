package analyzer

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
)

// A workflow method's receiver is shared by every instance and is not
// saved at a checkpoint, so writing through it is global state (DG011),
// whether the workflow writes it itself or calls a method of the package
// on it that does. recvWrite records, for such a method, the write it
// reaches through its receiver.
type recvWrite struct {
	pos   token.Pos
	what  string      // "s.orders", as written in the method that writes it
	via   *types.Func // the method called on the receiver that writes, nil for a direct write
	depth int
}

// receiverWrites returns the methods of the package that write through
// their receiver, directly or by calling another such method on it.
func (c *checker) receiverWrites() map[*types.Func]*recvWrite {
	if c.recvWrites != nil {
		return c.recvWrites
	}
	c.recvWrites = make(map[*types.Func]*recvWrite)
	type edge struct {
		from, to *types.Func
		pos      token.Pos
	}
	var edges []edge
	for _, f := range c.funcs {
		recv := f.obj.Type().(*types.Signature).Recv()
		if f.decl == nil || recv == nil || f.kind != kindPlain {
			continue
		}
		_, byPtr := recv.Type().Underlying().(*types.Pointer)
		w := newWalker(c, f, nil)
		ast.Inspect(f.body, func(n ast.Node) bool {
			var written []ast.Expr
			switch n := n.(type) {
			case *ast.AssignStmt:
				if n.Tok != token.DEFINE {
					written = n.Lhs
				}
			case *ast.IncDecStmt:
				written = []ast.Expr{n.X}
			case *ast.CallExpr:
				if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && w.isVar(w.rootIdent(sel.X), recv) {
					if fn := w.callee(n); fn != nil && fn.Pkg() == c.pass.Pkg {
						edges = append(edges, edge{f.obj, fn, n.Pos()})
					}
				}
			}
			for _, e := range written {
				if _, ok := c.recvWrites[f.obj]; ok || !w.isVar(w.rootIdent(e), recv) {
					continue
				}
				if ast.Unparen(e) != w.rootIdent(e) && (byPtr || throughMemory(e)) {
					c.recvWrites[f.obj] = &recvWrite{pos: e.Pos(), what: types.ExprString(e)}
				}
			}
			return true
		})
	}
	for changed := true; changed; {
		changed = false
		for _, e := range edges {
			to, ok := c.recvWrites[e.to]
			if _, done := c.recvWrites[e.from]; done || !ok || to.depth >= maxChain {
				continue
			}
			c.recvWrites[e.from] = &recvWrite{pos: e.pos, what: to.what, via: e.to, depth: to.depth + 1}
			changed = true
		}
	}
	return c.recvWrites
}

// isVar reports whether id denotes v.
func (w *walker) isVar(id *ast.Ident, v *types.Var) bool {
	return id != nil && w.info.Uses[id] == v
}

// throughMemory reports whether writing e writes memory that a copy of
// its root variable shares: an element of a slice or map, or what a
// pointer points to.
func throughMemory(e ast.Expr) bool {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.IndexExpr, *ast.StarExpr:
			return true
		case *ast.SelectorExpr:
			e = x.X
		default:
			return false
		}
	}
}

// receiverCall reports a call, in a workflow method, of a method of the
// package on the workflow's receiver that writes through it.
func (w *walker) receiverCall(call *ast.CallExpr, fn *types.Func) {
	if w.wf.recv == nil || fn.Pkg() != w.c.pass.Pkg || w.c.isHelper(fn) {
		return // a helper method is checked as workflow code of its own
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || !w.isVar(w.rootIdent(sel.X), w.wf.recv) {
		return
	}
	writes := w.c.receiverWrites()
	rw := writes[fn]
	if rw == nil {
		return
	}
	var related []analysis.RelatedInformation
	for m, r := fn, rw; r != nil; m, r = r.via, writes[r.via] {
		what := "writes " + r.what
		if r.via != nil {
			what = "calls " + localName(r.via, w.c.pass.Pkg) + " on its receiver"
		}
		related = append(related, analysis.RelatedInformation{Pos: r.pos, Message: qualifiedName(m) + " " + what})
		if r.via == nil {
			break
		}
	}
	w.add(&finding{
		rule: ruleGlobal, pos: call.Pos(), end: call.End(),
		msg: fmt.Sprintf("%s calls %s, which writes %s: the receiver is shared by every instance and is not saved at a checkpoint; keep state in local variables",
			w.wf.title(), types.ExprString(call.Fun), rw.what),
		related: related,
	})
}
