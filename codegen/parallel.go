package codegen

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/types/typeutil"

	"github.com/durablegen/durable/internal/names"
)

// A future started with durable.Go keeps its step function in memory
// until durable.All runs it; a checkpoint in between would store the
// future without it. goBeforeAll rejects such a checkpoint, in source
// order and across the iterations of a loop.

// isDurableFunc reports whether call calls durable.name.
func isDurableFunc(info *types.Info, call *ast.CallExpr, name string) bool {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == names.DurablePkg && fn.Name() == name
}

// goScan is the state of a scan of statements in execution order.
type goScan struct {
	c       *checker
	pending token.Pos // the first durable.Go not yet followed by an All
	other   bool      // a checkpoint other than All was seen
}

// scan visits n's calls outside function literals in source order.
func (g *goScan) scan(n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ForStmt, *ast.RangeStmt:
			g.loop(n)
			return false
		case *ast.CallExpr:
			g.call(n)
		}
		return true
	})
}

func (g *goScan) call(call *ast.CallExpr) {
	if isDurableFunc(g.c.info, call, names.Go) {
		if !g.pending.IsValid() {
			g.pending = call.Pos()
		}
		return
	}
	switch g.c.cls.classify(call).kind {
	case cpNone:
	case cpAll, cpSelect:
		g.pending = token.NoPos
	default:
		g.other = true
		if g.pending.IsValid() {
			g.c.errorf(call.Pos(), "a checkpoint between durable.Go (line %d) and the durable.All that runs it: the future would be stored without its step; call durable.All first", g.c.fset.Position(g.pending).Line)
			g.pending = token.NoPos
		}
	}
}

// loop scans a loop: its header and body in order, then, if a durable.Go
// of the body is still pending at the end of an iteration and the body
// makes another checkpoint, the next iteration would make it first.
func (g *goScan) loop(n ast.Node) {
	var body *ast.BlockStmt
	switch n := n.(type) {
	case *ast.ForStmt:
		for _, s := range []ast.Node{n.Init, n.Cond, n.Post} {
			if s != nil {
				g.scan(s)
			}
		}
		body = n.Body
	case *ast.RangeStmt:
		g.scan(n.X)
		body = n.Body
	}
	inner := &goScan{c: g.c, pending: g.pending}
	inner.scan(body)
	if inner.pending.IsValid() && inner.pending != g.pending && inner.other {
		g.c.errorf(inner.pending, "durable.Go in a loop whose next iteration makes a checkpoint before durable.All runs it: the future would be stored without its step; call durable.All in the same iteration, or start the steps after the loop's checkpoints")
		inner.pending = token.NoPos
	}
	g.pending = inner.pending
	g.other = g.other || inner.other
}

// goBeforeAll checks the durable.Go and durable.All calls of wf's body.
func (c *checker) goBeforeAll(wf *workflow) {
	g := &goScan{c: c}
	g.scan(wf.decl.Body)
	if g.pending.IsValid() {
		c.errorf(g.pending, "durable.Go without a durable.All after it: its step never runs; await the future with durable.All")
	}
}
