package analyzer

import (
	"fmt"
	"go/ast"
	"go/types"
)

var errorType = types.Universe.Lookup("error").Type()

// checkSignature reports a workflow whose signature is not
// func(ctx durable.Context, in In) (Out, error) with saveable In and Out.
func (c *checker) checkSignature(wf *workflow) {
	decl := wf.fi.decl
	sig := wf.fi.obj.Type().(*types.Signature)
	report := func(n ast.Node, format string, args ...any) {
		c.report(&finding{rule: ruleSignature, pos: n.Pos(), end: n.End(), msg: fmt.Sprintf(format, args...)})
	}
	params := sig.Params()
	switch {
	case params.Len() == 0 || !isDurableContext(params.At(0).Type()):
		report(decl.Name, "workflow %s must take a durable.Context as its first parameter", wf.name)
	case params.Len() > 2:
		report(decl.Type.Params, "workflow %s takes %d inputs; take a single input value (a struct) after the context", wf.name, params.Len()-1)
	case params.Len() == 2:
		if why := c.unsaveable(params.At(1).Type(), make(map[types.Type]bool)); why != "" {
			report(fieldAt(decl.Type.Params, 1), "the input of workflow %s cannot be saved: %s", wf.name, why)
		}
	}
	res := sig.Results()
	if res.Len() != 2 || !types.Identical(res.At(1).Type(), errorType) {
		var n ast.Node = decl.Name
		if decl.Type.Results != nil {
			n = decl.Type.Results
		}
		report(n, "workflow %s must return (T, error)", wf.name)
		return
	}
	if why := c.unsaveable(res.At(0).Type(), make(map[types.Type]bool)); why != "" {
		report(fieldAt(decl.Type.Results, 0), "the result of workflow %s cannot be saved: %s", wf.name, why)
	}
}

// checkStepSignature reports a step that does not take a context.Context
// first or whose result cannot be checkpointed.
func (c *checker) checkStepSignature(f *funcInfo) {
	decl := f.decl
	sig := f.obj.Type().(*types.Signature)
	name := localName(f.obj, c.pass.Pkg)
	report := func(n ast.Node, format string, args ...any) {
		c.report(&finding{rule: ruleSignature, pos: n.Pos(), end: n.End(), msg: fmt.Sprintf(format, args...)})
	}
	if sig.Params().Len() == 0 || !isContext(sig.Params().At(0).Type()) {
		report(decl.Name, "step %s must take a context.Context as its first parameter", name)
	}
	// Any results, the last one optionally an error: each value is
	// checkpointed.
	res := sig.Results()
	n := res.Len()
	if n > 0 && types.Identical(res.At(n-1).Type(), errorType) {
		n--
	}
	for i := range n {
		if why := c.unsaveable(res.At(i).Type(), make(map[types.Type]bool)); why != "" {
			what := "the result"
			if n > 1 {
				what = fmt.Sprintf("result %d", i+1)
			}
			report(fieldAt(decl.Type.Results, i), "%s of step %s is checkpointed but cannot be saved: %s", what, name, why)
		}
	}
}

// isContext reports whether t is context.Context.
func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// fieldAt returns the syntax of the i-th parameter or result of list.
func fieldAt(list *ast.FieldList, i int) ast.Node {
	for _, f := range list.List {
		n := len(f.Names)
		if n == 0 {
			n = 1
		}
		if i < n {
			return f.Type
		}
		i -= n
	}
	return list
}
