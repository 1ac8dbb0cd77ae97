package codegen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"

	"golang.org/x/tools/go/types/typeutil"

	"github.com/durablegen/durable/internal/names"
)

// Errors that cross a checkpoint.
//
// A step's error, a child's, or any error held by a variable live across
// a checkpoint, is restored from the frame after a resume. The runtime
// restores a known error as itself and a value of a known error type as
// an equal value (see durable.Workflow.WithErrors); everything else comes
// back as a *durable.Error with the message. So the workflow's identity
// tests on errors — ==, !=, switch cases, errors.Is, errors.As, type
// assertions and type switches — behave as in the direct call exactly
// when what they test against is known. errorUses finds these tests in a
// workflow body: the package-level error variables and the error types
// they name become the descriptor's known errors, and a test whose
// outcome would depend on whether a crash happened is refused at the
// comparison.

// errorUses are the known errors and error types of a workflow.
type errorUses struct {
	sentinels []types.Object // package-level variables and constants
	types     []types.Type
	// foreign are the helpers of other packages the unit calls, directly
	// or not: their packages list their errors (see foreign_helpers.go).
	foreign []*helperFn
}

// crossing says whether the value of an expression may have been restored
// from a checkpoint.
type crossing int

const (
	notCrossed crossing = iota
	crossed             // restored by the error codec: known errors keep their identity
	futureErr           // from durable.Future.Get: only the message survives
)

// errorChecker walks one workflow body.
type errorChecker struct {
	l       *lowerer
	errIf   *types.Interface
	tainted map[*types.Var]crossing
	uses    errorUses
	// helpers are the functions of the package, by object; a helper given
	// an error that may cross a checkpoint is checked like the body.
	helpers map[*types.Func]*ast.FuncDecl
	queue   []*ast.FuncDecl
	queued  map[*ast.FuncDecl]bool
}

// checkErrors records the workflow's known errors and reports the identity
// tests on errors that could not survive a checkpoint.
func (l *lowerer) checkErrors() {
	c := &errorChecker{
		l:       l,
		errIf:   types.Universe.Lookup("error").Type().Underlying().(*types.Interface),
		tainted: map[*types.Var]crossing{},
		helpers: map[*types.Func]*ast.FuncDecl{},
		queued:  map[*ast.FuncDecl]bool{},
	}
	for _, f := range l.wf.pkg.Syntax {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil && fd.Type.TypeParams == nil {
				if fn, ok := l.info.Defs[fd.Name].(*types.Func); ok {
					c.helpers[fn] = fd
				}
			}
		}
	}
	for v := range l.live {
		c.tainted[v] = crossed
	}
	for v, f := range l.frame {
		if f.ser {
			c.tainted[v] = crossed
		}
	}
	// Taint to a fixed point over the body and the helpers it passes
	// errors to, then check them all.
	bodies := []*ast.BlockStmt{l.wf.decl.Body}
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(bodies); i++ {
			if c.taint(bodies[i]) {
				changed = true
			}
			ast.Inspect(bodies[i], func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok && c.helperCall(call) {
					changed = true
				}
				return true
			})
			for _, fd := range c.queue {
				bodies = append(bodies, fd.Body)
			}
			c.queue = c.queue[:0]
		}
	}
	for _, b := range bodies {
		c.inspect(b)
	}
	sort.Slice(c.uses.sentinels, func(i, j int) bool {
		a, b := c.uses.sentinels[i], c.uses.sentinels[j]
		if a.Pkg().Path() != b.Pkg().Path() {
			return a.Pkg().Path() < b.Pkg().Path()
		}
		return a.Name() < b.Name()
	})
	l.errs = c.uses
}

// inspect checks the identity tests on errors in body.
func (c *errorChecker) inspect(body *ast.BlockStmt) {
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				c.compare(n, n.X, n.Y)
			}
		case *ast.SwitchStmt:
			c.switchStmt(n)
		case *ast.TypeSwitchStmt:
			c.typeSwitch(n)
		case *ast.TypeAssertExpr:
			if n.Type != nil {
				c.assert(n.X, c.l.info.TypeOf(n.Type), n.Type.Pos(), "type assertion")
			}
		case *ast.CallExpr:
			c.call(n)
		}
		return true
	})
}

// helperCall taints the parameters of a function of the package that is
// given an error that may cross a checkpoint, and queues its body to be
// checked like the workflow's. It reports whether it tainted anything.
func (c *errorChecker) helperCall(call *ast.CallExpr) bool {
	l := c.l
	fn, _ := typeutil.Callee(l.info, call).(*types.Func)
	fd := c.helpers[fn]
	if fd == nil || fd == l.wf.decl || l.cls.classify(call).kind != cpNone {
		return false
	}
	sig := fn.Type().(*types.Signature)
	changed := false
	taint := func(v *types.Var, cr crossing) {
		if v != nil && cr > c.tainted[v] && c.mayHoldError(v.Type()) {
			c.tainted[v] = cr
			changed = true
		}
	}
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && sig.Recv() != nil {
		taint(sig.Recv(), c.crosses(sel.X))
	}
	for i, a := range call.Args {
		if sig.Params().Len() == 0 {
			break
		}
		p := sig.Params().At(min(i, sig.Params().Len()-1))
		taint(p, c.crosses(a))
	}
	if changed && !c.queued[fd] {
		c.queued[fd] = true
		c.queue = append(c.queue, fd)
	}
	return changed
}

// taint finds the local variables that may hold a restored value: those
// stored in the frame, and those assigned from an expression that may be
// restored (to a fixed point, flow-insensitively).
func (c *errorChecker) taint(body *ast.BlockStmt) (grew bool) {
	l := c.l
	for changed := true; changed; {
		changed = false
		mark := func(lhs ast.Expr, cr crossing) {
			id, ok := ast.Unparen(lhs).(*ast.Ident)
			if !ok || cr == notCrossed {
				return
			}
			v, _ := l.info.ObjectOf(id).(*types.Var)
			if v == nil || v.Parent() == nil || v.Parent() == v.Pkg().Scope() || c.tainted[v] >= cr {
				return
			}
			c.tainted[v] = cr
			changed, grew = true, true
		}
		assign := func(lhs, rhs []ast.Expr) {
			switch {
			case len(lhs) == len(rhs):
				for i := range lhs {
					mark(lhs[i], c.crosses(rhs[i]))
				}
			case len(rhs) == 1:
				cr := c.crosses(rhs[0])
				for _, e := range lhs {
					mark(e, cr)
				}
			}
		}
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				assign(n.Lhs, n.Rhs)
			case *ast.ValueSpec:
				lhs := make([]ast.Expr, len(n.Names))
				for i, id := range n.Names {
					lhs[i] = id
				}
				assign(lhs, n.Values)
			case *ast.RangeStmt:
				cr := c.crosses(n.X)
				if n.Key != nil {
					mark(n.Key, cr)
				}
				if n.Value != nil {
					mark(n.Value, cr)
				}
			case *ast.TypeSwitchStmt:
				if a, ok := n.Assign.(*ast.AssignStmt); ok && len(a.Lhs) == 1 && len(a.Rhs) == 1 {
					cr := c.crosses(a.Rhs[0])
					for _, cl := range n.Body.List {
						if v, ok := l.info.Implicits[cl].(*types.Var); ok && cr > c.tainted[v] {
							c.tainted[v] = cr
							changed, grew = true, true
						}
					}
				}
			}
			return true
		})
	}
	return grew
}

// crosses reports whether the value of e may have been restored from a
// checkpoint: it reads a tainted variable, or is the result of a
// checkpoint, or of a call given such a value (an error can flow through
// a call only in a value whose type can hold one).
func (c *errorChecker) crosses(e ast.Expr) crossing {
	l := c.l
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		if v, ok := l.info.ObjectOf(e).(*types.Var); ok {
			return c.tainted[v]
		}
	case *ast.SelectorExpr:
		if _, isPkg := l.info.ObjectOf(unparenIdent(e.X)).(*types.PkgName); isPkg {
			return notCrossed
		}
		return c.crosses(e.X)
	case *ast.IndexExpr:
		return c.crosses(e.X)
	case *ast.SliceExpr:
		return c.crosses(e.X)
	case *ast.StarExpr:
		return c.crosses(e.X)
	case *ast.UnaryExpr:
		return c.crosses(e.X)
	case *ast.TypeAssertExpr:
		return c.crosses(e.X)
	case *ast.CompositeLit:
		cr := notCrossed
		for _, el := range e.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				el = kv.Value
			}
			cr = max(cr, c.crosses(el))
		}
		return cr
	case *ast.CallExpr:
		return c.callCrosses(e)
	}
	return notCrossed
}

func (c *errorChecker) callCrosses(call *ast.CallExpr) crossing {
	l := c.l
	if tv, ok := l.info.Types[call.Fun]; ok && tv.IsType() {
		if len(call.Args) == 1 {
			return c.crosses(call.Args[0]) // a conversion
		}
		return notCrossed
	}
	if isFutureGet(l.info, call) {
		return futureErr
	}
	if l.cls.classify(call).kind != cpNone {
		return crossed
	}
	callee := typeutil.Callee(l.info, call)
	if _, builtin := callee.(*types.Builtin); builtin {
		return notCrossed
	}
	cr := notCrossed
	if callee == nil && c.mayHoldError(l.info.TypeOf(call)) {
		cr = crossed // a function value: it may return a captured error
	}
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		if s := l.info.Selections[sel]; s != nil && s.Kind() == types.MethodVal && c.mayHoldError(s.Recv()) {
			cr = max(cr, c.crosses(sel.X))
		}
	}
	for _, a := range call.Args {
		if c.mayHoldError(l.info.TypeOf(a)) {
			cr = max(cr, c.crosses(a))
		}
	}
	return cr
}

// mayHoldError reports whether a value of type t can hold an error.
func (c *errorChecker) mayHoldError(t types.Type) bool {
	return mayHold(t, map[types.Type]bool{})
}

func mayHold(t types.Type, seen map[types.Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	switch u := t.Underlying().(type) {
	case *types.Interface, *types.Signature, *types.TypeParam:
		return true
	case *types.Pointer:
		return mayHold(u.Elem(), seen)
	case *types.Slice:
		return mayHold(u.Elem(), seen)
	case *types.Array:
		return mayHold(u.Elem(), seen)
	case *types.Map:
		return mayHold(u.Key(), seen) || mayHold(u.Elem(), seen)
	case *types.Chan:
		return mayHold(u.Elem(), seen)
	case *types.Struct:
		for i := range u.NumFields() {
			if mayHold(u.Field(i).Type(), seen) {
				return true
			}
		}
	case *types.Tuple:
		for i := range u.Len() {
			if mayHold(u.At(i).Type(), seen) {
				return true
			}
		}
	}
	return false
}

// isErrorValue reports whether e is an interface value that may hold an
// error: the subject of an identity test.
func (c *errorChecker) isErrorValue(e ast.Expr) bool {
	t := c.l.info.TypeOf(e)
	if t == nil {
		return false
	}
	_, isIface := t.Underlying().(*types.Interface)
	return isIface && types.Implements(t, c.errIf)
}

// operand kinds of an identity test.
type operandKind int

const (
	otherOperand operandKind = iota
	nilOperand
	sentinelOperand // a package-level error variable or constant: registered
	valueOperand    // a value of an error type compared by value: registered
)

func (c *errorChecker) operand(e ast.Expr) operandKind {
	l := c.l
	tv, ok := l.info.Types[e]
	if !ok {
		return otherOperand
	}
	if tv.IsNil() {
		return nilOperand
	}
	if obj := packageLevel(l.info, e); obj != nil && types.Implements(obj.Type(), c.errIf) {
		c.addSentinel(obj)
		return sentinelOperand
	}
	if _, isIface := tv.Type.Underlying().(*types.Interface); !isIface && types.Implements(tv.Type, c.errIf) && c.comparesByValue(tv.Type) && c.storable(tv.Type) == "" && c.nameable(tv.Type) == "" {
		c.addType(tv.Type)
		return valueOperand
	}
	return otherOperand
}

// compare checks x == y (or !=) and the cases of a switch on an error.
func (c *errorChecker) compare(n ast.Node, x, y ast.Expr) {
	if !c.isErrorValue(x) && !c.isErrorValue(y) {
		return
	}
	kx, ky := c.operand(x), c.operand(y)
	if kx == nilOperand || ky == nilOperand {
		return
	}
	cr := max(c.crosses(x), c.crosses(y))
	switch {
	case cr == futureErr:
		c.futureError(n.Pos())
	case cr == crossed && kx == otherOperand && ky == otherOperand:
		c.l.diags.add(c.l.fset, n.Pos(), "%s is compared with %s, which is not a package-level error variable: an error restored from a checkpoint is a new value, so the comparison would change after a resume; compare with a package-level variable (var ErrX = errors.New(...)), which the workflow then knows, or use errors.Is with one", exprString(x), exprString(y))
	}
}

// switchStmt checks switch err { case ErrX: ... }.
func (c *errorChecker) switchStmt(s *ast.SwitchStmt) {
	if s.Tag == nil || !c.isErrorValue(s.Tag) {
		return
	}
	for _, cl := range s.Body.List {
		for _, e := range cl.(*ast.CaseClause).List {
			c.compare(e, s.Tag, e)
		}
	}
}

// typeSwitch checks switch e := err.(type) { case *T: ... }.
func (c *errorChecker) typeSwitch(s *ast.TypeSwitchStmt) {
	var x ast.Expr
	switch a := s.Assign.(type) {
	case *ast.AssignStmt:
		x = a.Rhs[0].(*ast.TypeAssertExpr).X
	case *ast.ExprStmt:
		x = a.X.(*ast.TypeAssertExpr).X
	}
	for _, cl := range s.Body.List {
		for _, e := range cl.(*ast.CaseClause).List {
			if tv := c.l.info.Types[e]; tv.IsNil() {
				continue
			}
			c.assert(x, c.l.info.TypeOf(e), e.Pos(), "type switch case")
		}
	}
}

// assert checks that a type assertion (or errors.As) of x to t behaves
// the same after a resume.
func (c *errorChecker) assert(x ast.Expr, t types.Type, pos token.Pos, what string) {
	if t == nil || !c.isErrorValue(x) {
		return
	}
	cr := c.crosses(x)
	if _, isIface := t.Underlying().(*types.Interface); isIface {
		if types.Identical(t, types.Universe.Lookup("error").Type()) || types.Implements(c.l.info.TypeOf(x), t.Underlying().(*types.Interface)) {
			return // always holds for a non-nil error
		}
		switch cr {
		case futureErr:
			c.futureError(pos)
		case crossed:
			c.l.diags.add(c.l.fset, pos, "%s to interface type %s on an error that may cross a checkpoint: it is restored as a value of a known concrete type or as a *durable.Error, so the result would change after a resume; match a concrete error type with exported fields, or test the error inside the step and return a package-level error variable", what, c.typeName(t))
		}
		return
	}
	if !types.Implements(t, c.errIf) {
		return // the compiler reports it, or an As target that never matches
	}
	why := c.storable(t)
	if why == "" {
		why = c.nameable(t)
	}
	if why == "" {
		c.addType(t)
	}
	switch {
	case cr == futureErr:
		c.futureError(pos)
	case cr == crossed && why != "":
		c.l.diags.add(c.l.fset, pos, "%s to %s on an error that may cross a checkpoint would no longer match after a resume: %s; or test the error inside the step and return a package-level error variable", what, c.typeName(t), why)
	}
}

// call checks errors.Is, errors.As and errors.Unwrap.
func (c *errorChecker) call(call *ast.CallExpr) {
	fn, _ := typeutil.Callee(c.l.info, call).(*types.Func)
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != "errors" || len(call.Args) == 0 {
		return
	}
	x := call.Args[0]
	switch fn.Name() {
	case "Is":
		if len(call.Args) != 2 {
			return
		}
		target := call.Args[1]
		k := c.operand(target)
		cr := max(c.crosses(x), c.crosses(target))
		switch {
		case k == nilOperand:
		case cr == futureErr:
			c.futureError(target.Pos())
		case cr == crossed && k == otherOperand:
			c.l.diags.add(c.l.fset, target.Pos(), "errors.Is target %s is not a package-level error variable: the workflow cannot know it, so an error restored from a checkpoint would no longer match it after a resume; declare it as a package-level variable (var ErrX = errors.New(...)) and pass that", exprString(target))
		}
	case "As":
		if len(call.Args) != 2 {
			return
		}
		target := call.Args[1]
		p, ok := c.l.info.TypeOf(target).Underlying().(*types.Pointer)
		if !ok {
			if c.crosses(x) != notCrossed {
				c.l.diags.add(c.l.fset, target.Pos(), "errors.As target %s is not a pointer to a known type: pass the address of a variable of the concrete error type (var rl *RateLimited; errors.As(err, &rl))", exprString(target))
			}
			return
		}
		c.assert(x, p.Elem(), target.Pos(), "errors.As")
	case "Unwrap":
		switch c.crosses(x) {
		case futureErr:
			c.futureError(call.Pos())
		case crossed:
			c.l.diags.add(c.l.fset, call.Pos(), "errors.Unwrap of an error that may cross a checkpoint: it is restored without the errors it wrapped, so Unwrap would return nil after a resume; use errors.Is or errors.As")
		}
	}
}

// typeName prints t as the workflow's source would name it.
func (c *errorChecker) typeName(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == c.l.pkg {
			return ""
		}
		return p.Name()
	})
}

func (c *errorChecker) futureError(pos token.Pos) {
	c.l.diags.add(c.l.fset, pos, "the error of durable.Future.Get keeps only its message across a checkpoint, so this test would change after a resume; test the error inside the future's function and return a result that says what happened")
}

func (c *errorChecker) addSentinel(obj types.Object) {
	for _, o := range c.uses.sentinels {
		if o == obj {
			return
		}
	}
	c.uses.sentinels = append(c.uses.sentinels, obj)
}

func (c *errorChecker) addType(t types.Type) {
	for _, o := range c.uses.types {
		if types.Identical(o, t) {
			return
		}
	}
	c.uses.types = append(c.uses.types, t)
}

// comparesByValue reports whether == on values of t compares only values
// the codec restores: no pointers, interfaces, channels inside.
func (c *errorChecker) comparesByValue(t types.Type) bool {
	if !types.Comparable(t) {
		return false
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Kind() != types.UnsafePointer
	case *types.Array:
		return c.comparesByValue(u.Elem())
	case *types.Struct:
		for i := range u.NumFields() {
			if !c.comparesByValue(u.Field(i).Type()) {
				return false
			}
		}
		return true
	}
	return false
}

// storable returns why a value of error type t cannot be stored by the
// error codec, or "".
func (c *errorChecker) storable(t types.Type) string {
	if why := nestedInterface(t, "", map[types.Type]bool{}); why != "" {
		return "the frame cannot store it (" + why + "); give it fields of plain types"
	}
	if why := unserializable(t, c.l.wf.module()); why != "" {
		return "the frame cannot store it (" + why + ")"
	}
	return ""
}

// nestedInterface returns the field path of an interface (an error, say)
// inside t, which the JSON codec cannot restore.
func nestedInterface(t types.Type, path string, seen map[types.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	if n, ok := types.Unalias(t).(*types.Named); ok && ((method(n, "MarshalJSON", true) != nil && method(n, "UnmarshalJSON", false) != nil) || hasTextMarshaler(n)) {
		return ""
	}
	switch u := t.Underlying().(type) {
	case *types.Interface:
		if path == "" {
			return ""
		}
		return fmt.Sprintf("field %s is an interface (%s), which the codec cannot restore", path, t)
	case *types.Pointer:
		return nestedInterface(u.Elem(), path, seen)
	case *types.Slice:
		return nestedInterface(u.Elem(), path, seen)
	case *types.Array:
		return nestedInterface(u.Elem(), path, seen)
	case *types.Map:
		return nestedInterface(u.Elem(), path, seen)
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			p := f.Name()
			if path != "" {
				p = path + "." + p
			}
			if why := nestedInterface(f.Type(), p, seen); why != "" {
				return why
			}
		}
	}
	return ""
}

// nameable returns why the generated descriptor cannot name t, or "".
func (c *errorChecker) nameable(t types.Type) string {
	n, ok := types.Unalias(deref(t)).(*types.Named)
	if !ok {
		return "the type has no name the workflow's descriptor can register"
	}
	obj := n.Obj()
	if n.TypeArgs().Len() > 0 {
		return "generic error types cannot be registered"
	}
	if obj.Pkg() == nil {
		return "" // error itself
	}
	if obj.Pkg() != c.l.pkg && !obj.Exported() {
		return fmt.Sprintf("type %s is unexported in another package, so the workflow's descriptor cannot register it", obj.Name())
	}
	if obj.Parent() != obj.Pkg().Scope() {
		if _, hoisted := c.l.tp.local[obj]; !hoisted {
			return fmt.Sprintf("type %s is declared inside the workflow, so its descriptor cannot register it; declare it at package level", obj.Name())
		}
	}
	return ""
}

// packageLevel returns the package-level variable or constant e names
// (ErrX, pkg.ErrX), or nil.
func packageLevel(info *types.Info, e ast.Expr) types.Object {
	var id *ast.Ident
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		id = e
	case *ast.SelectorExpr:
		if _, isPkg := info.ObjectOf(unparenIdent(e.X)).(*types.PkgName); !isPkg {
			return nil
		}
		id = e.Sel
	default:
		return nil
	}
	obj := info.ObjectOf(id)
	switch obj.(type) {
	case *types.Var, *types.Const:
	default:
		return nil
	}
	if obj.Pkg() == nil || obj.Parent() != obj.Pkg().Scope() {
		return nil
	}
	return obj
}

func unparenIdent(e ast.Expr) *ast.Ident {
	id, _ := ast.Unparen(e).(*ast.Ident)
	return id
}

// isFutureGet reports whether call is (*durable.Future[T]).Get.
func isFutureGet(info *types.Info, call *ast.CallExpr) bool {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	if fn == nil || fn.Name() != "Get" || fn.Pkg() == nil || fn.Pkg().Path() != names.DurablePkg {
		return false
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return false
	}
	n, ok := types.Unalias(deref(recv.Type())).(*types.Named)
	return ok && n.Obj().Name() == "Future"
}

// errorsText returns the calls that register the workflow's known errors
// on its descriptor: ".WithErrors(...).WithErrorTypes(...)".
func (l *lowerer) errorsText() string {
	text := ""
	for _, h := range l.errs.foreign {
		if h.foreign.errors {
			text += ".WithErrors(" + l.q.marker(h.foreign.pkg.Path(), exportErrorsName(h.obj.Name())) + "...)"
		}
		if h.foreign.errorTypes {
			text += ".WithErrorTypes(" + l.q.marker(h.foreign.pkg.Path(), exportTypesName(h.obj.Name())) + "...)"
		}
	}
	if len(l.errs.sentinels) > 0 {
		text += ".WithErrors("
		for i, obj := range l.errs.sentinels {
			if i > 0 {
				text += ", "
			}
			if obj.Pkg() == l.pkg {
				text += obj.Name()
			} else {
				text += l.q.marker(obj.Pkg().Path(), obj.Name())
			}
		}
		text += ")"
	}
	if len(l.errs.types) > 0 {
		parts := make([]string, len(l.errs.types))
		for i, t := range l.errs.types {
			parts[i] = fmt.Sprintf("%s[%s]()", l.q.marker(names.DurablePkg, "ErrorTypeFor"), l.tp.text(t))
		}
		sort.Strings(parts)
		text += ".WithErrorTypes("
		for i, p := range parts {
			if i > 0 {
				text += ", "
			}
			text += p
		}
		text += ")"
	}
	return text
}
