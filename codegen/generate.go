package codegen

import (
	"github.com/durablegen/durable/internal/names"
	"go/ast"
	"go/types"
	"maps"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// File is a generated file.
type File struct {
	Path    string // absolute path: <source>_durable.go next to the source
	Content []byte
	// Workflows are the layouts of the workflows the file declares, in
	// source order; the command records them in the package's [LockFile].
	Workflows []Layout
}

// Generate compiles the workflows of pkgs. It returns one file per source
// file that declares a workflow, or an *Error listing every finding.
func Generate(pkgs []*packages.Package) ([]File, error) {
	var out []File
	diags := &diagnostics{}
	exports := map[string]*foreignHelper{} // exported helpers compiled in this run
	for _, pkg := range dependencyOrder(pkgs) {
		files := generatePackage(pkg, diags, exports)
		out = append(out, files...)
	}
	if len(diags.list) > 0 {
		return nil, &Error{Diagnostics: diags.sorted()}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// OutputPath returns the generated file's path for a source file.
func OutputPath(source string) string {
	return strings.TrimSuffix(source, ".go") + "_durable.go"
}

// dependencyOrder returns pkgs with each package after those of pkgs it
// imports, directly or not, and otherwise in the order given: a workflow
// that calls an exported helper of another package of the run is
// compiled after that helper (see foreign_helpers.go).
func dependencyOrder(pkgs []*packages.Package) []*packages.Package {
	in := map[string]*packages.Package{}
	for _, p := range pkgs {
		in[p.PkgPath] = p
	}
	done := map[string]bool{}
	var out []*packages.Package
	var visit func(p *packages.Package)
	visit = func(p *packages.Package) {
		if done[p.PkgPath] {
			return
		}
		done[p.PkgPath] = true
		deps := make([]string, 0, len(p.Imports))
		for path := range p.Imports {
			deps = append(deps, path)
		}
		sort.Strings(deps)
		for _, path := range deps {
			if q := in[path]; q != nil {
				visit(q)
			}
		}
		out = append(out, p)
	}
	for _, p := range pkgs {
		visit(p)
	}
	return out
}

func generatePackage(pkg *packages.Package, diags *diagnostics, exports map[string]*foreignHelper) []File {
	dirs := newDirectives(pkg.Fset, diags)
	dirs.addPackage(pkg)
	cls := &classifier{pkg: pkg.Types, info: pkg.TypesInfo, dirs: dirs, workflows: map[*types.Func]bool{}, exports: exports}
	byFile := map[*ast.File][]*workflow{}
	var order []*ast.File
	for _, f := range pkg.Syntax {
		if strings.HasSuffix(pkg.Fset.PositionFor(f.Pos(), false).Filename, "_durable.go") {
			continue
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			opts, ok := workflowDirective(pkg.Fset, fd.Doc, diags)
			if !ok {
				continue
			}
			obj, _ := pkg.TypesInfo.Defs[fd.Name].(*types.Func)
			if obj == nil {
				continue
			}
			wf := &workflow{pkg: pkg, file: f, decl: fd, obj: obj, sig: obj.Type().(*types.Signature), opts: opts}
			cls.workflows[obj] = true
			if len(byFile[f]) == 0 {
				order = append(order, f)
			}
			byFile[f] = append(byFile[f], wf)
		}
	}
	// Names in scope, except what an earlier run generated: the output
	// must not depend on it.
	var scope []string
	for _, n := range pkg.Types.Scope().Names() {
		obj := pkg.Types.Scope().Lookup(n)
		if !strings.HasSuffix(pkg.Fset.PositionFor(obj.Pos(), false).Filename, "_durable.go") {
			scope = append(scope, n)
		}
	}
	declared := map[string]bool{}
	for _, n := range scope {
		declared[n] = true
	}
	// Package-level names of the generated file must not collide with the
	// import names of the package's files either.
	for _, f := range pkg.Syntax {
		for _, imp := range f.Imports {
			if pn, ok := pkg.TypesInfo.Implicits[imp].(*types.PkgName); ok {
				scope = append(scope, pn.Name())
			} else if pn, ok := pkg.TypesInfo.Defs[imp.Name].(*types.PkgName); ok {
				scope = append(scope, pn.Name())
			}
		}
	}
	pkgNames := newNamer(nil, scope)
	for _, f := range order {
		for _, wf := range byFile[f] {
			pkgNames.used[wf.id()+"Workflow"] = true
			if declared[wf.id()+"Workflow"] {
				obj := pkg.Types.Scope().Lookup(wf.id() + "Workflow")
				diags.add(pkg.Fset, obj.Pos(), "%s is the name of the descriptor durablegen declares for workflow %s: rename this declaration", obj.Name(), wf.decl.Name.Name)
			}
		}
	}
	// The helpers that make checkpoints, callees before callers, each in
	// the generated file of its own source file; the function literals
	// compiled as helpers, which may call helpers and make the functions
	// that define them helpers.
	cls.fset = pkg.Fset
	cls.closureHelpers, cls.closureLits, cls.closureRefusals = map[*types.Var]*helperFn{}, map[*ast.FuncLit]*helperFn{}, map[*ast.FuncLit]string{}
	fns, files := ctxFuncDecls(pkg.Syntax, pkg.Fset)
	for {
		findHelpers(cls, pkg.Syntax, pkg.Fset)
		if findClosureHelpers(cls, fns, files) == 0 {
			break
		}
	}
	for _, h := range cls.closureLits {
		h.calls = directHelperCalls(cls, h.decl.Body)
	}
	var bodies []*ast.BlockStmt
	for _, f := range order {
		for _, wf := range byFile[f] {
			bodies = append(bodies, wf.decl.Body)
		}
	}
	reached := reachableHelpers(cls, bodies)
	for fn, h := range cls.helpers {
		if h.exported() && reached[fn] == nil && pkg.PkgPath != names.DurablePkg {
			// For the workflows of other packages; what it calls too.
			reached[fn] = h
			for g, hg := range reachableHelpers(cls, []*ast.BlockStmt{h.decl.Body}) {
				reached[g] = hg
			}
		}
	}
	helpers := helperOrder(pkg.Fset, reached)
	fileQuals := map[*ast.File]*quals{}
	qualsOf := func(f *ast.File) *quals {
		if fileQuals[f] == nil {
			fileQuals[f] = &quals{byKey: map[string]string{}}
		}
		return fileQuals[f]
	}
	byFileHelpers := map[*ast.File][]*helperFn{}
	var compileHelper func(h *helperFn)
	compileHelper = func(h *helperFn) {
		if h.foreign != nil {
			return // compiled in its own package
		}
		if h.closure != nil {
			// Compiled by its caller; the helpers it calls, before.
			for _, c := range h.calls {
				compileHelper(c)
			}
			return
		}
		if h.compiled {
			return
		}
		h.compiled = true
		for _, c := range h.calls {
			if h.cycle() == nil {
				compileHelper(c)
			}
		}
		compileUnit(h, pkg, cls, qualsOf(h.file), pkgNames, diags)
		if len(byFile[h.file]) == 0 && len(byFileHelpers[h.file]) == 0 {
			order = append(order, h.file)
		}
		byFileHelpers[h.file] = append(byFileHelpers[h.file], h)
	}
	for _, h := range helpers {
		compileHelper(h)
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Pos() < order[j].Pos() })
	var out []File
	var compiled []*workflow
	var layouts []Layout
	for _, f := range order {
		q := qualsOf(f)
		var parts, machines []string
		var fileLayouts []Layout
		failed := false
		for _, h := range byFileHelpers[f] {
			if h.failed {
				failed = true
				continue
			}
			parts = append(parts, h.text[0])
			machines = append(machines, h.text[1])
		}
		for _, wf := range byFile[f] {
			text, lay, ok := compile(wf, cls, q, pkgNames, diags)
			if ok {
				parts = append(parts, text[0])
				machines = append(machines, text[1])
				fileLayouts = append(fileLayouts, lay)
				compiled = append(compiled, wf)
			}
		}
		layouts = append(layouts, fileLayouts...)
		if failed || len(fileLayouts) < len(byFile[f]) {
			continue
		}
		src := pkg.Fset.Position(f.Pos()).Filename
		content, err := render(pkg, f, q, strings.Join(append(parts, machines...), "\n\n"), mergeUsed(maps.Clone(declared), pkgNames.made))
		if err != nil {
			diags.add(pkg.Fset, f.Pos(), "internal error: generated code does not format: %v", err)
			continue
		}
		out = append(out, File{Path: OutputPath(src), Content: content, Workflows: fileLayouts})
	}
	checkVersions(pkg.Fset, compiled, layouts, diags)
	return out
}

// compile checks and lowers one workflow and returns its generated code
// and layout.
func compile(wf *workflow, cls *classifier, q *quals, pkgNames *namer, diags *diagnostics) ([2]string, Layout, bool) {
	l := lowerUnit(wf, cls, q, pkgNames, diags)
	if l == nil {
		return [2]string{}, Layout{}, false
	}
	decls, machine := l.emitWorkflow(l.frameType)
	nd, nm := l.nestedText()
	return [2]string{joinText(nd, decls), joinText(nm, machine)}, l.layout(), true
}

// compileUnit checks and lowers helper h, keeping its generated code and
// layout for its callers and its file.
func compileUnit(h *helperFn, pkg *packages.Package, cls *classifier, q *quals, pkgNames *namer, diags *diagnostics) {
	wf := helperUnit(pkg, h)
	for _, c := range h.calls {
		if c.closure != nil || c.foreign != nil {
			continue // compiled by h itself, or in its own package
		}
		if (c.failed || c.l == nil) && h.cycle() == nil {
			h.failed = true // reported at the callee
			return
		}
	}
	l := lowerUnit(wf, cls, q, pkgNames, diags)
	if l == nil {
		h.failed = true
		return
	}
	before := len(diags.list)
	l.checkGeneric()
	if len(diags.list) > before {
		h.failed = true
		return
	}
	h.l, h.frameType = l, l.frameType
	l.genericHelper() // a generic helper's frame type gets its parameters
	h.text[0], h.text[1] = l.emitHelper()
	h.layout = l.layout()
	if h.exported() {
		h.text[0] += "\n\n" + l.exportText(h)
		cls.exports[exportKey(h.obj)] = &foreignHelper{pkg: h.obj.Pkg(), layout: h.layout.Fingerprint, call: callInfo(h),
			errors: len(l.errs.sentinels) > 0, errorTypes: len(l.errs.types) > 0}
	}
	nd, nm := l.nestedText()
	h.text[0], h.text[1] = joinText(nd, h.text[0]), joinText(nm, h.text[1])
	h.errs = l.errs
}

// joinText joins generated declarations, skipping empty ones.
func joinText(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

// lowerUnit checks and lowers a workflow or helper; nil if it reported
// findings.
func lowerUnit(wf *workflow, cls *classifier, q *quals, pkgNames *namer, diags *diagnostics) *lowerer {
	pkg := wf.pkg
	before := len(diags.list)
	ck := &checker{fset: pkg.Fset, info: pkg.TypesInfo, cls: cls, diags: diags}
	switch {
	case wf.helper != nil && wf.helper.closure != nil:
		// Checked with the body that defines it (checker.funcLit).
	case wf.helper != nil:
		if !ck.helperSignature(wf) {
			return nil
		}
		ck.body(wf)
	default:
		if !ck.signature(wf) {
			return nil
		}
		ck.body(wf)
	}
	if len(diags.list) > before {
		return nil
	}
	lv := &liveness{
		info:   pkg.TypesInfo,
		locals: localVars(pkg.TypesInfo, wf.decl, wf.ctx),
		isCP:   func(c *ast.CallExpr) bool { return cls.classify(c).kind != cpNone },
		rereadsArgs: func(c *ast.CallExpr) bool {
			k := cls.classify(c).kind
			return k == cpStep || k == cpDo || k == cpWorkflow // a waiting parent evaluates a child's input again
		},
		onceArgs: func(c *ast.CallExpr) bool {
			k := cls.classify(c).kind
			return k == cpStep || k == cpWorkflow || k == cpHelper
		},
		results: namedResults(wf),
	}
	live := lv.liveAcross(wf.decl.Body)
	closureLive(cls, wf.decl, live)
	wf.liveAt = lv.atCP
	wf.closures = findClosures(wf, pkg.TypesInfo, live, cls.closureHelpers)
	saved := pkgNames.clone()
	l := newLowerer(wf, cls, q, pkgNames, diags, live, nil)
	if len(diags.list) > before {
		return nil
	}
	if locals := l.goLocals(); len(locals) > 0 {
		// Again, with the variables that cannot be frame fields kept as
		// Go locals of the one state that uses them.
		*pkgNames = *saved
		l = newLowerer(wf, cls, q, pkgNames, diags, live, locals)
	}
	l.checkNameable()
	l.checkErrors()
	l.mergeHelperErrors()
	if len(diags.list) > before {
		return nil
	}
	return l
}

// module returns the path of the module of the workflow's package, or "".
func (wf *workflow) module() string {
	if wf.pkg.Module == nil {
		return ""
	}
	return wf.pkg.Module.Path
}

// id is the workflow's name in generated identifiers: the method name
// prefixed by its receiver's type name for a method.
func (wf *workflow) id() string {
	if wf.recv == nil {
		return wf.decl.Name.Name
	}
	return recvTypeName(wf.recv) + wf.decl.Name.Name
}

// qualifiedName is the workflow's stable name in the store.
func (wf *workflow) qualifiedName() string {
	if wf.recv == nil {
		return wf.pkg.PkgPath + "." + wf.storedName()
	}
	recv := recvTypeName(wf.recv)
	if _, ptr := wf.recv.Type().(*types.Pointer); ptr {
		recv = "(*" + recv + ")"
	}
	return wf.pkg.PkgPath + "." + recv + "." + wf.storedName()
}

func recvTypeName(v *types.Var) string {
	if n, ok := types.Unalias(deref(v.Type())).(*types.Named); ok {
		return n.Obj().Name()
	}
	return "Recv"
}

func mergeUsed(a, b map[string]bool) map[string]bool {
	for k := range b {
		a[k] = true
	}
	return a
}

func namedResults(wf *workflow) []*types.Var {
	var out []*types.Var
	for i := range wf.sig.Results().Len() {
		if r := wf.sig.Results().At(i); r.Name() != "" && r.Name() != "_" {
			out = append(out, r)
		}
	}
	return out
}

// checkFrame reports frame variables that must be serialized but cannot
// be, and memory shared between serialized ones.
func (l *lowerer) checkFrame() {
	refused := varSet{}
	for _, f := range l.fields {
		if !f.ser || f.helper != nil || l.closureField(f) {
			continue
		}
		if p, ok := l.closureProblem(f); ok {
			l.diags.add(l.fset, f.pos, "variable %s holds a function value across a checkpoint, and it cannot be rebuilt after a resume: %s (line %d); assign it only function literals of the workflow (that do not use the workflow context), package-level functions or nil, or define it after the checkpoint", f.v.Name(), p.why, l.fset.Position(p.pos).Line)
			continue
		}
		if why, handle := unstorable(f.typ, l.wf.module()); why != "" {
			what := "a value"
			if f.v != nil {
				what = "variable " + f.v.Name()
			}
			fix := "recompute it after the checkpoint, or pass a step a value computed from it before the call"
			if lit := l.capturingLit(f.v); lit != nil {
				what += " (used by function literal " + lit.name() + ", which makes checkpoints: the variables of its caller that it uses are stored across its calls)"
				fix = "declare it inside the literal, or recompute it after the calls"
			}
			if handle {
				fix = "open or create it again after the checkpoint, or use it only inside a step"
			}
			l.diags.add(l.fset, f.pos, "%s of type %s is live across a checkpoint but cannot be stored: %s; %s", what, typeString(f.typ, l.pkg), why, fix)
			if f.v != nil {
				refused[f.v] = true
			}
		}
	}
	l.checkSharing(refused)
	l.checkClosures()
}

// rootVar returns the variable an expression reads memory through:
// x in x, x.f, x[i], x[i:j].
func rootVar(e ast.Expr) ast.Expr {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.SliceExpr:
			e = x.X
		default:
			return x
		}
	}
}
