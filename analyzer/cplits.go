package analyzer

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/types/typeutil"

	"github.com/durablegen/durable/internal/cplit"
	"github.com/durablegen/durable/internal/names"
)

// Function literals that make checkpoints are compiled by durablegen like
// helpers when they are defined once to a variable that is only called by
// name (see internal/cplit). The analyzer accepts the same literals: their
// capture of the workflow context is not misuse, the variable holding one
// is not a function value kept across a checkpoint, and a call of it is a
// checkpoint. Those the generator refuses it leaves to the generator,
// which says why.

// findCheckpointLits records the literals of the package's functions
// that take a durable.Context first which durablegen compiles as helpers.
func (c *checker) findCheckpointLits() {
	if c.std {
		return
	}
	if c.cpLits == nil {
		c.cpLits, c.cpVars = map[*ast.FuncLit]*types.Var{}, map[*types.Var]bool{}
	}
	for _, f := range c.funcs {
		if f.decl == nil || f.decl.Body == nil {
			continue
		}
		sig := f.obj.Type().(*types.Signature)
		if sig.Params().Len() == 0 || !isDurableContext(sig.Params().At(0).Type()) {
			continue
		}
		ctx := sig.Params().At(0)
		makes := func(lit *ast.FuncLit) bool { return c.litMakesCheckpoints(lit, ctx) }
		for _, l := range cplit.Find(c.pass.Fset, c.pass.TypesInfo, f.decl.Body, makes) {
			if l.OK() {
				c.cpLits[l.Lit] = l.V
				if l.V != nil {
					c.cpVars[l.V] = true
				}
				f.cpLits = true
			}
		}
	}
}

// litMakesCheckpoints reports whether lit makes a checkpoint outside its
// own literals: a checkpoint of package durable, a compensation, or a
// step, workflow or helper called with ctx or the literal's own
// durable.Context.
func (c *checker) litMakesCheckpoints(lit *ast.FuncLit, ctx *types.Var) bool {
	info := c.pass.TypesInfo
	ctxs := map[types.Object]bool{ctx: true}
	if sig, ok := info.TypeOf(lit).(*types.Signature); ok && sig.Params().Len() > 0 && isDurableContext(sig.Params().At(0).Type()) {
		ctxs[sig.Params().At(0)] = true
	}
	found := false
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			fn, _ := typeutil.Callee(info, n).(*types.Func)
			if fn == nil {
				return true
			}
			fn = fn.Origin()
			switch {
			case isDurable(fn):
				found = isCheckpoint(fn.Name()) || fn.Name() == names.Compensate
			case c.isStep(fn) || c.isWorkflow(fn) || c.isHelper(fn) || c.isForeignHelper(fn):
				for _, a := range n.Args {
					if id, ok := ast.Unparen(a).(*ast.Ident); ok && ctxs[info.Uses[id]] {
						found = true
					}
				}
			}
		}
		return true
	})
	return found
}

// cpLitVar returns the variable of the literal compiled as a helper that
// call calls, or nil.
func (c *checker) cpLitVar(call *ast.CallExpr) *types.Var {
	if lit, ok := ast.Unparen(call.Fun).(*ast.FuncLit); ok {
		if _, ok := c.cpLits[lit]; ok {
			return types.NewVar(lit.Pos(), c.pass.Pkg, "func literal", c.pass.TypesInfo.TypeOf(lit))
		}
		return nil
	}
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return nil
	}
	v, _ := c.pass.TypesInfo.Uses[id].(*types.Var)
	if v == nil || !c.cpVars[v] {
		return nil
	}
	return v
}

// isCPLit reports whether durablegen compiles lit as a helper.
func (c *checker) isCPLit(lit *ast.FuncLit) bool {
	_, ok := c.cpLits[lit]
	return ok
}
