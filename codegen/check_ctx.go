package codegen

import (
	"fmt"
	"go/ast"
	"go/types"
)

// ctxStored reports the workflow's context stored in a value: an element
// or field of a composite literal, a field or element assigned, or an
// element appended. A durable.Context belongs to the call of the
// workflow it was passed to: a stored one cannot be stored in the frame,
// nor would it mean anything after a resume.
func (c *checker) ctxStored(wf *workflow, n ast.Node) {
	report := func(e ast.Expr, where string) {
		c.errorf(e.Pos(), "the workflow context cannot be stored in %s: it must be passed as a parameter to the functions that need it", where)
	}
	switch n := n.(type) {
	case *ast.CompositeLit:
		for _, el := range n.Elts {
			v := el
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				v = kv.Value
			}
			if c.isWorkflowContext(wf, v) {
				report(v, "a "+types.TypeString(c.info.TypeOf(n), qualifier(wf.pkg.Types))+" literal")
			}
		}
	case *ast.AssignStmt:
		if len(n.Lhs) != len(n.Rhs) {
			return
		}
		for i, r := range n.Rhs {
			switch l := ast.Unparen(n.Lhs[i]).(type) {
			case *ast.SelectorExpr:
				if c.isWorkflowContext(wf, r) {
					report(r, "field "+exprString(l))
				}
			case *ast.IndexExpr:
				if c.isWorkflowContext(wf, r) {
					report(r, "an element of "+exprString(l.X))
				}
			}
		}
	case *ast.CallExpr:
		id, ok := ast.Unparen(n.Fun).(*ast.Ident)
		if b, isB := c.info.Uses[id].(*types.Builtin); !ok || !isB || b.Name() != "append" {
			return
		}
		for _, a := range n.Args[min(1, len(n.Args)):] {
			if c.isWorkflowContext(wf, a) {
				report(a, fmt.Sprintf("a slice (append to %s)", exprString(n.Args[0])))
			}
		}
	}
}

// qualifier names packages other than pkg by their names, in messages.
func qualifier(pkg *types.Package) types.Qualifier {
	return func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		return p.Name()
	}
}

// isWorkflowContext reports whether e is the workflow's context parameter.
func (c *checker) isWorkflowContext(wf *workflow, e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && c.info.Uses[id] == wf.ctx
}
