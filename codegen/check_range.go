package codegen

import (
	"fmt"
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/types/typeutil"
)

// A range over a function iterator (maps.Keys(m), slices.All(s), an
// iter.Seq) runs its body inside the iterator's own call, whose state no
// frame can hold: such a loop is compiled as it is written when neither
// its body nor its range expression makes a checkpoint, and refused
// otherwise, with the loop to write instead.

// rangeFunc checks a range over a function iterator.
func (c *checker) rangeFunc(n *ast.RangeStmt) {
	if cp := c.firstCheckpoint(n.X); cp != nil {
		c.errorf(cp.Pos(), "%s makes a checkpoint in the range expression of a loop over a function iterator: call it before the loop, and build the iterator from its result", exprString(cp.Fun))
	}
	cp := c.firstCheckpoint(n.Body)
	if cp == nil {
		return
	}
	c.errorf(n.Pos(), "range over the function iterator %s with a checkpoint in its body (%s at line %d): the iterator's state cannot be stored across a checkpoint; %s",
		exprString(n.X), exprString(cp.Fun), c.fset.Position(cp.Pos()).Line, c.rangeFuncFix(n))
}

// firstCheckpoint returns the first call in n, outside function literals,
// that is a checkpoint or registers a compensation (which the loop would
// have to be lowered for).
func (c *checker) firstCheckpoint(n ast.Node) *ast.CallExpr {
	var found *ast.CallExpr
	ast.Inspect(n, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if c.cls.classify(n).kind != cpNone || isCompensate(c.info, n) {
				found = n
			}
		}
		return true
	})
	return found
}

// rangeFuncFix returns the loop to write instead of range loop n over a
// function iterator.
func (c *checker) rangeFuncFix(n *ast.RangeStmt) string {
	x := exprString(n.X)
	name := func(e ast.Expr, def string) string {
		if e == nil {
			return def
		}
		return exprString(e)
	}
	if call, ok := ast.Unparen(n.X).(*ast.CallExpr); ok && len(call.Args) == 1 {
		if fn, ok := typeutil.Callee(c.info, call).(*types.Func); ok && fn.Pkg() != nil {
			arg := exprString(call.Args[0])
			switch fn.Pkg().Path() + "." + fn.Name() {
			case "slices.All":
				return fmt.Sprintf("range over the slice itself: for %s, %s := range %s", name(n.Key, "i"), name(n.Value, "v"), arg)
			case "slices.Values":
				return fmt.Sprintf("range over the slice itself: for _, %s := range %s", name(n.Key, "v"), arg)
			case "maps.All":
				k := name(n.Key, "k")
				return fmt.Sprintf("range over its sorted keys: for _, %s := range slices.Sorted(maps.Keys(%s)) { %s := %s[%s] ... }", k, arg, name(n.Value, "v"), arg, k)
			case "maps.Keys":
				return fmt.Sprintf("range over its sorted keys: for _, %s := range slices.Sorted(%s)", name(n.Key, "k"), x)
			}
		}
	}
	sig, _ := c.info.TypeOf(n.X).Underlying().(*types.Signature)
	if sig != nil && sig.Params().Len() == 1 {
		if yield, ok := sig.Params().At(0).Type().Underlying().(*types.Signature); ok && yield.Params().Len() == 1 {
			return fmt.Sprintf("collect the values into a slice first: for _, %s := range slices.Collect(%s)", name(n.Key, "v"), x)
		}
	}
	return "collect what it yields into a slice first, in a loop without checkpoints, and range over that slice"
}
