package analyzer

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"github.com/durablegen/durable/internal/names"
)

// rangeStmt checks range loops over channels and maps.
func (w *walker) rangeStmt(rs *ast.RangeStmt, stack []ast.Node) {
	if rs.Tok == token.ASSIGN {
		for _, e := range []ast.Expr{rs.Key, rs.Value} {
			if e != nil {
				w.markWrite(e)
			}
		}
	}
	t := w.info.TypeOf(rs.X)
	if t == nil {
		return
	}
	if _, ok := t.Underlying().(*types.Chan); ok {
		w.chanOp(rs, "range over a channel")
		return
	}
	what := ""
	switch {
	case isMapType(t):
		what = "range over map " + types.ExprString(rs.X)
	case w.isMapIter(rs.X):
		what = "range over " + types.ExprString(rs.X)
	default:
		return
	}
	effect := w.orderEffect(rs, stack)
	if effect == "" {
		return
	}
	f := &finding{
		rule: ruleMapOrder, pos: rs.Pos(), end: rs.Body.Lbrace,
		msg:  what + " visits keys in random order, and the loop " + effect + "; iterate over sorted keys: for _, k := range slices.Sorted(maps.Keys(m))",
		desc: "ranges over a map in random order and " + effect,
		why:  "map iteration order is random",
		fix:  "iterate over slices.Sorted(maps.Keys(m))",
	}
	if w.wf != nil && inClosure(stack) == nil {
		f.fixes = w.sortedKeysFix(rs)
	}
	w.add(f)
}

// isMapType reports whether t is a map, or a type parameter whose every
// type is a map.
func isMapType(t types.Type) bool {
	if tp, ok := types.Unalias(t).(*types.TypeParam); ok {
		iface := tp.Constraint().Underlying().(*types.Interface)
		found := false
		for i := 0; i < iface.NumEmbeddeds(); i++ {
			switch e := iface.EmbeddedType(i).(type) {
			case *types.Union:
				for j := 0; j < e.Len(); j++ {
					if _, ok := e.Term(j).Type().Underlying().(*types.Map); !ok {
						return false
					}
					found = true
				}
			default:
				if _, ok := e.Underlying().(*types.Map); !ok {
					return false
				}
				found = true
			}
		}
		return found
	}
	_, ok := t.Underlying().(*types.Map)
	return ok
}

// isMapIter reports whether e is maps.Keys(m), maps.Values(m) or maps.All(m).
func (w *walker) isMapIter(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn := w.callee(call)
	if fn == nil {
		return false
	}
	_, key := funcKey(fn)
	switch key {
	case "maps.Keys", "maps.Values", "maps.All":
		return true
	}
	return false
}

// orderEffect describes what the body of a map range loop does that
// depends on the order of iteration, or returns "".
func (w *walker) orderEffect(rs *ast.RangeStmt, stack []ast.Node) string {
	loopVars := make(map[types.Object]bool)
	for _, e := range []ast.Expr{rs.Key, rs.Value} {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
			if obj := w.info.ObjectOf(id); obj != nil {
				loopVars[obj] = true
			}
		}
	}
	if len(loopVars) == 0 {
		return "" // `for range m` does the same thing len(m) times
	}
	effect := ""
	ast.PreorderStack(rs.Body, nil, func(n ast.Node, inner []ast.Node) bool {
		if effect != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.CallExpr:
			effect = w.callEffect(n)
		case *ast.AssignStmt:
			effect = w.assignEffect(n, rs, inner, loopVars, stack)
		case *ast.SendStmt:
			effect = "sends on a channel"
		case *ast.ReturnStmt:
			for _, r := range n.Results {
				if mentions(w.info, r, loopVars) {
					effect = "returns the first element it visits"
				}
			}
		}
		return true
	})
	return effect
}

// callEffect describes a call whose effect depends on when it happens.
func (w *walker) callEffect(call *ast.CallExpr) string {
	fn := w.callee(call)
	if fn == nil {
		return ""
	}
	switch {
	case isDurable(fn) && (names.IsCheckpointFunc(fn.Name()) || fn.Name() == names.UUID || fn.Name() == names.Random):
		return "calls durable." + fn.Name() + ", so checkpoints happen in a different order on every run"
	case w.c.isStep(fn):
		return "calls step " + localName(fn, w.c.pass.Pkg) + ", so steps run in a different order on every run"
	case w.c.isWorkflow(fn):
		return "starts child workflow " + localName(fn, w.c.pass.Pkg) + " in a different order on every run"
	case w.c.isHelper(fn):
		return "calls helper " + localName(fn, w.c.pass.Pkg) + ", which makes checkpoints, so they happen in a different order on every run"
	}
	pkg, _ := funcKey(fn)
	switch pkg {
	case "fmt", "log", "log/slog":
		if fn.Name() != "Sprint" && fn.Name() != "Sprintf" && fn.Name() != "Sprintln" && fn.Name() != "Errorf" {
			return "writes output in iteration order"
		}
	}
	switch fn.Name() {
	case "Write", "WriteString", "WriteByte", "WriteRune", "Encode":
		return "writes output in iteration order"
	}
	return ""
}

// assignEffect describes an assignment inside a map range loop whose
// result depends on the iteration order.
func (w *walker) assignEffect(n *ast.AssignStmt, rs *ast.RangeStmt, inner []ast.Node, loopVars map[types.Object]bool, stack []ast.Node) string {
	outer := func(e ast.Expr) *types.Var {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok {
			return nil
		}
		v, ok := w.info.ObjectOf(id).(*types.Var)
		if !ok || (v.Pos() >= rs.Pos() && v.Pos() < rs.End()) {
			return nil
		}
		return v
	}
	for i, l := range n.Lhs {
		var r ast.Expr
		if len(n.Rhs) == len(n.Lhs) {
			r = n.Rhs[i]
		}
		if call, ok := ast.Unparen(r).(*ast.CallExpr); ok && w.isBuiltin(call, "append") {
			if v := outer(l); v != nil && !w.sortedAfter(v, rs, stack) {
				return "appends to " + v.Name() + " in iteration order"
			}
			continue
		}
		v := outer(l)
		if v == nil {
			if ix, ok := ast.Unparen(l).(*ast.IndexExpr); ok && !isMapType(w.info.TypeOf(ix.X)) && !mentions(w.info, ix.Index, loopVars) {
				return "fills positions of " + types.ExprString(ix.X) + " in iteration order"
			}
			continue
		}
		isString := false
		if b, ok := v.Type().Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 {
			isString = true
		}
		switch n.Tok {
		case token.ADD_ASSIGN:
			if isString {
				return "concatenates to " + v.Name() + " in iteration order"
			}
		case token.ASSIGN:
			if r == nil || !mentions(w.info, r, loopVars) {
				continue
			}
			if mentions(w.info, r, map[types.Object]bool{v: true}) {
				if isString {
					return "concatenates to " + v.Name() + " in iteration order"
				}
				continue // a reduction such as sum = sum + v
			}
			if guardedBy(w.info, inner, v) {
				continue // a minimum or maximum: if v > max { max = v }
			}
			return "keeps whichever element it visits last in " + v.Name()
		}
	}
	return ""
}

// guardedBy reports whether an enclosing if statement's condition
// mentions v.
func guardedBy(info *types.Info, stack []ast.Node, v *types.Var) bool {
	for _, n := range stack {
		if is, ok := n.(*ast.IfStmt); ok && mentions(info, is.Cond, map[types.Object]bool{v: true}) {
			return true
		}
	}
	return false
}

func (w *walker) isBuiltin(call *ast.CallExpr, name string) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := w.info.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}

// mentions reports whether e refers to one of objs.
func mentions(info *types.Info, e ast.Node, objs map[types.Object]bool) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && objs[info.ObjectOf(id)] {
			found = true
		}
		return !found
	})
	return found
}

// sortedAfter reports whether v is sorted by a statement that follows
// loop in its block.
func (w *walker) sortedAfter(v *types.Var, loop ast.Stmt, stack []ast.Node) bool {
	var list []ast.Stmt
	for i := len(stack) - 1; i >= 0 && list == nil; i-- {
		switch b := stack[i].(type) {
		case *ast.BlockStmt:
			list = b.List
		case *ast.CaseClause:
			list = b.Body
		case *ast.CommClause:
			list = b.Body
		}
	}
	after := false
	for _, s := range list {
		if !after {
			after = s == loop || (s.Pos() <= loop.Pos() && loop.End() <= s.End())
			continue
		}
		if w.sorts(s, v) {
			return true
		}
	}
	return false
}

// sorts reports whether n contains a call that sorts v.
func (w *walker) sorts(n ast.Node, v *types.Var) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found || len(call.Args) == 0 {
			return !found
		}
		fn := w.callee(call)
		if fn == nil {
			return true
		}
		pkg, _ := funcKey(fn)
		if (pkg == "sort" || pkg == "slices") && isSortName(fn.Name()) && mentions(w.info, call.Args[0], map[types.Object]bool{v: true}) {
			found = true
		}
		return !found
	})
	return found
}

func isSortName(name string) bool {
	switch name {
	case "Sort", "SortFunc", "SortStableFunc", "Stable", "Strings", "Ints", "Float64s", "Slice", "SliceStable":
		return true
	}
	return false
}

// unsortedCollect reports keys := slices.Collect(maps.Keys(m)) that is
// not sorted afterwards.
func (w *walker) unsortedCollect(n *ast.AssignStmt, stack []ast.Node) {
	if len(n.Lhs) != 1 || len(n.Rhs) != 1 {
		return
	}
	call, ok := ast.Unparen(n.Rhs[0]).(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return
	}
	fn := w.callee(call)
	if fn == nil {
		return
	}
	_, key := funcKey(fn)
	collect := key == "slices.Collect" && w.isMapIter(call.Args[0])
	if !collect && key != "reflect.Value.MapKeys" {
		return
	}
	id, ok := n.Lhs[0].(*ast.Ident)
	if !ok {
		return
	}
	v, ok := w.info.ObjectOf(id).(*types.Var)
	if !ok || w.sortedAfter(v, n, stack) {
		return
	}
	w.simple(ruleMapOrder, n.Rhs[0], fmt.Sprintf("%s collects map keys in random order and %s is never sorted", types.ExprString(n.Rhs[0]), id.Name),
		"", "", "use slices.Sorted(maps.Keys(m)), or sort "+id.Name)
}

// mapIterCall reports iteration orders the analyzer cannot see into.
func (w *walker) mapIterCall(call *ast.CallExpr, fn *types.Func) {
	_, key := funcKey(fn)
	switch key {
	case "sync.Map.Range", "reflect.Value.MapRange":
		w.simple(ruleMapOrder, call, qualifiedName(fn)+" visits entries in random order",
			"", "", "collect the keys, sort them, then visit them")
	}
}
