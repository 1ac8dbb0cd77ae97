package codegen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/names"
)

// lowerer compiles one workflow body into machine states.
type lowerer struct {
	fset    *token.FileSet
	info    *types.Info
	pkg     *types.Package
	cls     *classifier
	diags   *diagnostics
	q       *quals
	tp      *typePrinter
	wf      *workflow
	names   *namer
	noMarks bool // rewrite without line directives
	// sources caches the source files, by name, for startsLine.
	sources map[string][]byte
	// pkgNames holds the package-level names, of the source and generated.
	pkgNames *namer

	frame  map[*types.Var]*field
	fields []*field
	fnames map[string]bool
	live   varSet // variables live across a checkpoint
	// stored are the names of the stored variables' fields, given before
	// any other (see nameStored).
	stored map[*types.Var]string
	boxed  varSet // per-iteration variables that are boxed (see boxed.go)
	// rangeCopies are loops that range over a copy of a slice or map
	// held by a frame variable (see checkSharing).
	rangeCopies []shareEdge
	// allocs are the allocations of boxed variables that the next
	// checkpoint's results define, emitted in its state.
	allocs  []string
	consts  map[*types.Const]string
	hoisted map[*ast.GenDecl]bool
	decls   []string // hoisted package-level declarations

	blocks  []*block
	cur     *block
	targets []*target
	sites   []*site

	fv, xv, label, sitesVar, frameType string

	// Variables kept as Go locals of one machine state instead of frame
	// fields (see goLocals), with their names; and the verbatim statement
	// that defines each variable of the lowered levels.
	goLocal map[*types.Var]bool
	locals  map[*types.Var]string
	defs    map[*types.Var]ast.Stmt

	saga *saga // compensations, if the workflow calls durable.Compensate

	// calls are the calls of helpers (see helpers.go), by the state that
	// runs the callee: a state an instance resumes at, like a checkpoint.
	calls []helperCallSite
	// typeParams and typeArgs are a generic helper's type parameters as
	// declared ("[T any]") and as used ("[T]"); frameType ends with the
	// latter.
	typeParams, typeArgs string
	// nested are the function literals of the unit compiled as helpers
	// (see closure_helpers.go), emitted with it.
	nested []*helperFn

	closures *closures // function variables rebuilt on resume
	// aliasSlots are the slots of stored variables that may share
	// memory, which the frame stores as shared (see alias.go).
	aliasSlots []string

	errs errorUses // known errors and error types (errors_check.go)
}

// field is a frame field: a variable or a compiler temporary.
type field struct {
	name string
	typ  types.Type
	v    *types.Var // nil for temporaries
	ser  bool       // serialized at checkpoints
	pos  token.Pos
	// boxed: the field points to the variable, allocated anew each time
	// its declaration runs (see boxed.go).
	boxed bool
	// helper is set for the field that holds the frame of a call of a
	// helper in progress (see helpers.go); typ is nil.
	helper *helperFn
	// refs are the places a stored pointer variable may point into,
	// stored as references (see pointers.go).
	refs []*pointerRef
	// raw is the field's type as written, for a field without typ (the
	// caller's frame of a literal compiled as a helper).
	raw string
	// up is set for a variable of the caller that a literal compiled as
	// a helper captures: name reaches it through the literal's up field.
	up bool
	// inst is the type arguments of a generic helper's frame, "[int]".
	inst string
}

// block is one machine state: a case of the dispatch switch.
type block struct {
	id    int
	stmts []string
	done  bool // ends in a jump or a return
}

// target is a lowered loop or switch that break and continue may leave.
type target struct {
	label     string
	brk, cont int // block IDs; cont is -1 for a switch
}

// site is a checkpoint.
type site struct {
	id     int
	kind   string
	name   string
	pos    string
	policy durable.Policy
	opos   token.Pos
	// inMemory: an argument cannot be stored, so the step's retries
	// wait in memory instead of suspending the instance.
	inMemory bool
}

// newBlock allocates a state.
func (l *lowerer) newBlock() *block {
	b := &block{id: len(l.blocks)}
	l.blocks = append(l.blocks, b)
	return b
}

// emit appends source text to the current state, starting a dead one if
// control cannot reach here.
func (l *lowerer) emit(pos token.Pos, text string) {
	if l.cur == nil {
		l.cur = l.newBlock()
	}
	l.cur.stmts = append(l.cur.stmts, l.mark(pos)+text)
}

func (l *lowerer) jumpText(to int) string { return fmt.Sprintf("%s.pc = %d", l.fv, to) }

// jump ends the current state with a jump to state to.
func (l *lowerer) jump(to *block) {
	if l.cur == nil {
		return
	}
	l.emit(token.NoPos, l.jumpText(to.id))
	l.end()
}

// end marks the current state as terminated.
func (l *lowerer) end() {
	if l.cur != nil {
		l.cur.done = true
	}
	l.cur = nil
}

// branch ends the current state with a conditional jump.
func (l *lowerer) branch(cond string, then, els *block) {
	l.emit(token.NoPos, fmt.Sprintf("if %s {\n%s\n} else {\n%s\n}", cond, l.jumpText(then.id), l.jumpText(els.id)))
	l.end()
}

func (l *lowerer) innermost(loop bool) *target {
	for i := len(l.targets) - 1; i >= 0; i-- {
		if !loop || l.targets[i].cont >= 0 {
			return l.targets[i]
		}
	}
	return nil
}

func (l *lowerer) targetByLabel(name string) *target {
	for i := len(l.targets) - 1; i >= 0; i-- {
		if l.targets[i].label == name {
			return l.targets[i]
		}
	}
	return nil
}

// addField adds a frame field named after base (v's field named by
// nameStored keeps that name).
func (l *lowerer) addField(base string, t types.Type, v *types.Var, ser bool, pos token.Pos) *field {
	name, ok := l.stored[v]
	if v == nil || !ok {
		name = base
		for i := 1; l.fnames[name] || reservedField[name]; i++ {
			name = fmt.Sprintf("%s%d", base, i)
		}
	}
	l.fnames[name] = true
	f := &field{name: name, typ: t, v: v, ser: ser, pos: pos}
	l.fields = append(l.fields, f)
	if v != nil {
		l.frame[v] = f
	}
	return f
}

// reservedField are names a frame field cannot take.
var reservedField = map[string]bool{"pc": true, "Run": true, "MarshalFrame": true, "UnmarshalFrame": true, "SetInput": true, "Results": true, "_": true}

// declare makes v a frame variable.
func (l *lowerer) declare(v *types.Var) *field {
	if f := l.frame[v]; f != nil {
		return f
	}
	f := l.addField(v.Name(), v.Type(), v, l.live[v], v.Pos())
	f.boxed = l.boxed[v] && !types.IsInterface(v.Type())
	return f
}

// temp makes a serialized compiler temporary of type t.
func (l *lowerer) temp(t types.Type, pos token.Pos) string {
	if b, ok := t.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		t = types.Default(t)
	}
	// Named after the place it belongs to (see placeHash): edits
	// elsewhere leave its name, and the layout, as they were.
	return l.fv + "." + l.addField("t_"+l.placeHash(pos, 6), t, nil, true, pos).name
}

// declareIdents makes the variables defined by idents frame variables.
func (l *lowerer) declareIdents(idents ...ast.Expr) {
	for _, e := range idents {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
			if v, ok := l.info.Defs[id].(*types.Var); ok {
				l.declare(v)
			}
		}
	}
}

// hasCP reports whether n contains a checkpoint outside function literals,
// or a durable.Compensate call (lowered like one, though it commits nothing).
func (l *lowerer) hasCP(n ast.Node) bool {
	return containsCheckpoint(n, func(c *ast.CallExpr) bool {
		return l.cls.classify(c).kind != cpNone || isCompensate(l.info, c)
	})
}

// stmts lowers a statement list.
func (l *lowerer) stmts(list []ast.Stmt) {
	for _, s := range list {
		l.stmt(s)
	}
}

// stmt lowers one statement.
func (l *lowerer) stmt(s ast.Stmt) {
	if h := l.closureDefOf(s); h != nil {
		l.closureDef(h)
		return
	}
	if es, ok := s.(*ast.ExprStmt); ok {
		if call, ok := ast.Unparen(es.X).(*ast.CallExpr); ok && isCompensate(l.info, call) {
			l.compensate(call)
			return
		}
	}
	if !l.hasCP(s) {
		l.verbatim(s)
		return
	}
	switch s := s.(type) {
	case *ast.BlockStmt:
		l.stmts(s.List)
	case *ast.ExprStmt:
		l.exprStmt(s)
	case *ast.AssignStmt:
		l.assign(s)
	case *ast.DeclStmt:
		l.declStmt(s)
	case *ast.ReturnStmt:
		l.returnLowered(s)
	case *ast.IfStmt:
		l.ifStmt(s)
	case *ast.ForStmt:
		l.forStmt(s, "")
	case *ast.RangeStmt:
		l.rangeStmt(s, "")
	case *ast.SwitchStmt:
		l.switchStmt(s, "")
	case *ast.TypeSwitchStmt:
		l.typeSwitchStmt(s, "")
	case *ast.LabeledStmt:
		l.labeled(s)
	case *ast.IncDecStmt:
		x := l.expr(s.X)
		l.emit(s.Pos(), l.print(x)+s.Tok.String())
	default:
		l.diags.add(l.fset, s.Pos(), "this statement cannot hold a checkpoint; move the call to its own statement")
	}
}

func (l *lowerer) labeled(s *ast.LabeledStmt) {
	switch inner := s.Stmt.(type) {
	case *ast.ForStmt:
		l.forStmt(inner, s.Label.Name)
	case *ast.RangeStmt:
		l.rangeStmt(inner, s.Label.Name)
	case *ast.SwitchStmt:
		l.switchStmt(inner, s.Label.Name)
	case *ast.TypeSwitchStmt:
		l.typeSwitchStmt(inner, s.Label.Name)
	default:
		l.stmt(inner)
	}
}

// verbatim emits a statement without checkpoints, rewritten.
func (l *lowerer) verbatim(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.AssignStmt:
		if s.Tok == token.DEFINE {
			l.defineIdents(s, s.Lhs...)
			l.allocDefs(s.Pos(), s.Lhs)
		}
	case *ast.DeclStmt:
		gd := s.Decl.(*ast.GenDecl)
		if gd.Tok == token.VAR {
			for _, spec := range gd.Specs {
				for _, id := range spec.(*ast.ValueSpec).Names {
					l.defineIdents(s, id)
					l.allocDefs(s.Pos(), []ast.Expr{id})
				}
			}
		} else {
			l.hoist(gd)
			return
		}
	case *ast.EmptyStmt:
		return
	case *ast.BranchStmt:
		if s.Tok == token.FALLTHROUGH {
			return // handled by the lowered switch
		}
	}
	out := l.rewrite(s).(ast.Stmt)
	if es, ok := out.(*ast.EmptyStmt); ok && es.Implicit {
		return
	}
	l.emit(s.Pos(), l.print(out))
	if !falls(out) {
		l.end()
	}
}

// hoist moves a local const or type declaration to package level under a
// fresh name, so every machine state can use it.
func (l *lowerer) hoist(gd *ast.GenDecl) {
	l.hoisted[gd] = true
	for _, spec := range gd.Specs {
		switch spec := spec.(type) {
		case *ast.TypeSpec:
			if obj, ok := l.info.Defs[spec.Name].(*types.TypeName); ok {
				l.tp.local[obj] = l.packageLevel(lowerFirst(l.wf.id()) + upperFirst(spec.Name.Name))
			}
		case *ast.ValueSpec:
			for _, id := range spec.Names {
				if obj, ok := l.info.Defs[id].(*types.Const); ok {
					l.consts[obj] = l.packageLevel(lowerFirst(l.wf.id()) + upperFirst(id.Name))
				}
			}
		}
	}
	if l.readsVar(gd) {
		// const n = len(arr) of a local array, type a [len(arr)]int: the
		// declaration cannot move out of the function as written.
		l.decls = append(l.decls, l.foldDecl(gd))
		return
	}
	l.noMarks = true // package level: no line directives before the machines
	out := l.rewrite(gd).(*ast.GenDecl)
	l.noMarks = false
	for i, spec := range out.Specs {
		switch spec := spec.(type) {
		case *ast.TypeSpec:
			obj := l.info.Defs[gd.Specs[i].(*ast.TypeSpec).Name].(*types.TypeName)
			spec.Name = raw(l.tp.local[obj])
		case *ast.ValueSpec:
			for j, id := range gd.Specs[i].(*ast.ValueSpec).Names {
				if obj, ok := l.info.Defs[id].(*types.Const); ok {
					spec.Names[j] = raw(l.consts[obj])
				}
			}
		}
	}
	l.decls = append(l.decls, l.print(out))
}

// returnStmt builds the statement that ends the workflow with results
// (already rewritten); orig is the source statement.
func (l *lowerer) returnStmt(results []ast.Expr, orig *ast.ReturnStmt) ast.Stmt {
	var args []string
	if len(results) == 0 {
		for i := range l.wf.sig.Results().Len() {
			r := l.wf.sig.Results().At(i)
			if f := l.frame[r]; f != nil {
				args = append(args, l.fv+"."+f.name)
				continue
			}
			args = append(args, l.tp.zero(r.Type())) // a result named _
		}
	} else {
		for _, r := range results {
			args = append(args, l.print(r))
		}
	}
	return &ast.ReturnStmt{Results: []ast.Expr{raw(l.returnCall(args))}}
}

func (l *lowerer) returnCall(args []string) string {
	if l.wf.helper != nil {
		return l.helperReturn(args)
	}
	if len(args) == 1 {
		// return f() with f returning (Out, error): f's results must be
		// the only arguments of the call they are passed to.
		return fmt.Sprintf("%s(%s)(%s)", l.rt("Returns", l.tp.text(l.wf.out)), l.xv, args[0])
	}
	return fmt.Sprintf("%s(%s, %s)", l.rt("Return", l.tp.text(l.wf.out)), l.xv, strings.Join(args, ", "))
}

// rt names a runtime function, with type arguments.
func (l *lowerer) rt(name string, targs ...string) string {
	s := l.q.marker(names.RuntimePkg, name)
	if len(targs) > 0 {
		s += "[" + strings.Join(targs, ", ") + "]"
	}
	return s
}

// falls reports whether control can continue after s (as go vet sees it).
func falls(s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.ReturnStmt:
		return false
	case *ast.BranchStmt:
		return false
	case *ast.ExprStmt:
		if id, ok := s.X.(*ast.Ident); ok && strings.Contains(id.Name, "\ncontinue ") {
			return false
		}
		if call, ok := s.X.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" {
				return false
			}
		}
	case *ast.BlockStmt:
		return listFalls(s.List)
	case *ast.IfStmt:
		return s.Else == nil || falls(s.Body) || falls(s.Else)
	case *ast.LabeledStmt:
		return falls(s.Stmt) || hasBreak(s.Stmt, s.Label.Name)
	case *ast.ForStmt:
		return s.Cond != nil || hasBreak(s.Body, "")
	case *ast.SwitchStmt:
		return clausesFall(s.Body, true)
	case *ast.TypeSwitchStmt:
		return clausesFall(s.Body, true)
	case *ast.SelectStmt:
		return clausesFall(s.Body, false)
	}
	return true
}

func listFalls(list []ast.Stmt) bool {
	for _, s := range list {
		if !falls(s) {
			return false
		}
	}
	return true
}

func clausesFall(body *ast.BlockStmt, needDefault bool) bool {
	hasDefault := false
	for _, c := range body.List {
		var stmts []ast.Stmt
		switch c := c.(type) {
		case *ast.CaseClause:
			hasDefault = hasDefault || c.List == nil
			stmts = c.Body
		case *ast.CommClause:
			stmts = c.Body
		}
		if n := len(stmts); n > 0 {
			if b, ok := stmts[n-1].(*ast.BranchStmt); ok && b.Tok == token.FALLTHROUGH {
				continue
			}
		}
		if listFalls(stmts) || hasBreak(&ast.BlockStmt{List: stmts}, "") {
			return true
		}
	}
	return needDefault && !hasDefault
}

// hasBreak reports whether n holds a break that leaves it (unlabeled and
// not nested in an inner breakable statement, or with label).
func hasBreak(n ast.Node, label string) bool {
	found := false
	var walk func(n ast.Node, depth int)
	walk = func(n ast.Node, depth int) {
		ast.Inspect(n, func(m ast.Node) bool {
			if found || m == nil {
				return false
			}
			switch m := m.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				if m != n {
					walk(m, depth+1)
					return false
				}
			case *ast.BranchStmt:
				if m.Tok == token.BREAK && ((m.Label == nil && depth == 0) || (m.Label != nil && m.Label.Name == label)) {
					found = true
				}
			}
			return true
		})
	}
	walk(n, 0)
	return found
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
