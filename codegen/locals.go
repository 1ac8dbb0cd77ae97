package codegen

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"slices"
	"strings"
)

// newLowerer lowers the body of wf into machine states. Variables in
// goLocal are kept as Go locals instead of frame fields.
func newLowerer(wf *workflow, cls *classifier, q *quals, pkgNames *namer, diags *diagnostics, live varSet, goLocal map[*types.Var]bool) *lowerer {
	pkg := wf.pkg
	l := &lowerer{
		fset: pkg.Fset, info: pkg.TypesInfo, pkg: pkg.Types, cls: cls, diags: diags, q: q, wf: wf,
		tp:       &typePrinter{pkg: pkg.Types, q: q, local: map[*types.TypeName]string{}},
		names:    newNamer([]*ast.File{wf.file}, nil),
		pkgNames: pkgNames,
		sources:  map[string][]byte{},
		frame:    map[*types.Var]*field{},
		fnames:   map[string]bool{},
		live:     live,
		consts:   map[*types.Const]string{},
		hoisted:  map[*ast.GenDecl]bool{},
		goLocal:  goLocal,
		locals:   map[*types.Var]string{},
		defs:     map[*types.Var]ast.Stmt{},
	}
	l.names.used = mergeUsed(l.names.used, pkgNames.used)
	l.nameStored()
	l.boxed = l.boxedVars(wf.decl.Body)
	l.fv, l.xv, l.label = l.names.fresh("f"), l.names.fresh("x"), l.names.fresh("machine")
	base := lowerFirst(wf.id())
	l.sitesVar = pkgNames.fresh(base + "Sites")
	l.frameType = pkgNames.fresh(base + "Frame")
	l.closures = wf.closures
	l.prepareClosures()
	if wf.recv != nil && wf.recv.Name() != "" && wf.recv.Name() != "_" {
		l.declare(wf.recv).ser = false // supplied by Bind, never stored
	}
	if h := wf.helper; h != nil {
		h.recvField = ""
		if f := l.frame[wf.recv]; f != nil {
			h.recvField = f.name
		}
		if h.closure != nil {
			l.upFields()
		}
		h.paramFields = nil
		for i := h.ctxParams(); i < h.sig.Params().Len(); i++ {
			p := h.sig.Params().At(i)
			name := ""
			if p.Name() != "" && p.Name() != "_" {
				name = l.declare(p).name
			}
			h.paramFields = append(h.paramFields, name)
		}
		l.helperResults()
	} else if wf.in.Name() != "" && wf.in.Name() != "_" {
		f := l.declare(wf.in)
		f.ser = true
	}
	for _, r := range namedResults(wf) {
		l.declare(r)
	}
	l.cur = l.newBlock()
	l.stmts(wf.decl.Body.List)
	if wf.helper != nil && l.cur != nil {
		// The end of a helper without results: it returns.
		l.emit(wf.decl.Body.Rbrace, "return "+l.helperReturn(nil))
		l.end()
	}
	l.finishSaga()
	l.checkFrame()
	return l
}

// nameStored names the fields of the variables the frame stores (those
// live across a checkpoint, and the input) before any other: each takes
// its name as written, with a number only where stored variables repeat
// a name (the second err live across a checkpoint is err1, in source
// order). A variable that is not stored, or a compiler temporary, takes
// what is left; so declaring, removing or renaming a variable that lives
// across no checkpoint leaves the stored names, and the layout, as they
// were.
func (l *lowerer) nameStored() {
	var lits []*ast.FuncLit // their variables are not the frame's
	ast.Inspect(l.wf.decl.Body, func(n ast.Node) bool {
		if lit, ok := n.(*ast.FuncLit); ok {
			lits = append(lits, lit)
			return false
		}
		return true
	})
	var vars []*types.Var
	for v := range l.live {
		if !slices.ContainsFunc(lits, func(lit *ast.FuncLit) bool { return lit.Pos() <= v.Pos() && v.Pos() < lit.End() }) {
			vars = append(vars, v)
		}
	}
	if in := l.wf.in; in != nil && in.Name() != "" && in.Name() != "_" && !l.live[in] {
		vars = append(vars, in)
	}
	scopePos := func(v *types.Var) token.Pos {
		if v.Parent() != nil {
			return v.Parent().Pos()
		}
		return token.NoPos
	}
	slices.SortFunc(vars, func(a, b *types.Var) int {
		if c := cmp.Compare(a.Pos(), b.Pos()); c != 0 {
			return c
		}
		return cmp.Compare(scopePos(a), scopePos(b)) // the implicit variables of a type switch's clauses
	})
	l.stored = map[*types.Var]string{}
	for _, v := range vars {
		if v.Name() == "" || v.Name() == "_" {
			continue
		}
		name := v.Name()
		for i := 1; l.fnames[name] || reservedField[name]; i++ {
			name = fmt.Sprintf("%s%d", v.Name(), i)
		}
		l.fnames[name] = true
		l.stored[v] = name
	}
}

// packageLevel returns a fresh name for a package-level declaration.
func (l *lowerer) packageLevel(base string) string {
	for {
		n := l.names.fresh(base)
		if !l.pkgNames.used[n] {
			l.pkgNames.used[n], l.pkgNames.made[n] = true, true
			return n
		}
	}
}

// defineIdents makes the variables a verbatim statement s defines frame
// variables, or Go locals when goLocal holds them.
func (l *lowerer) defineIdents(s ast.Stmt, idents ...ast.Expr) {
	for _, e := range idents {
		id, ok := e.(*ast.Ident)
		if !ok || id.Name == "_" {
			continue
		}
		v, ok := l.info.Defs[id].(*types.Var)
		if !ok {
			continue
		}
		l.defs[v] = s
		if l.goLocal[v] {
			l.locals[v] = l.names.fresh(v.Name())
			continue
		}
		l.declare(v)
	}
}

// goLocals returns the variables, among those of the lowered levels, that
// the frame cannot hold because their type cannot be named in this
// package (an unexported type of another package), but that need no frame
// field: defined by a statement without checkpoints, live across no
// checkpoint and used only in the machine state that defines them. The
// other variables their statement defines come with them.
func (l *lowerer) goLocals() map[*types.Var]bool {
	blocks := l.fieldBlocks()
	byStmt := map[ast.Stmt][]*types.Var{}
	for v, s := range l.defs {
		byStmt[s] = append(byStmt[s], v)
	}
	out := map[*types.Var]bool{}
	for s, vars := range byStmt {
		need := false
		ok := !redeclares(l.info, s)
		for _, v := range vars {
			f := l.frame[v]
			if f == nil || f.ser || len(blocks[f.name]) > 1 {
				ok = false
			}
			if _, why := l.unnameable(v.Type(), nil); why != "" {
				need = true
			}
		}
		if ok && need {
			for _, v := range vars {
				out[v] = true
			}
		}
	}
	return out
}

// fieldBlocks returns, for each frame field, the states whose code uses it.
func (l *lowerer) fieldBlocks() map[string]map[int]bool {
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(l.fv) + `\.(\w+)`)
	out := map[string]map[int]bool{}
	for _, b := range l.blocks {
		for _, s := range b.stmts {
			for _, m := range re.FindAllStringSubmatch(s, -1) {
				if out[m[1]] == nil {
					out[m[1]] = map[int]bool{}
				}
				out[m[1]][b.id] = true
			}
		}
	}
	for _, d := range l.decls {
		for _, m := range re.FindAllStringSubmatch(d, -1) {
			out[m[1]] = map[int]bool{-1: true, -2: true} // outside the states
		}
	}
	return out
}

// redeclares reports whether s is a := that assigns an existing variable.
func redeclares(info *types.Info, s ast.Stmt) bool {
	as, ok := s.(*ast.AssignStmt)
	if !ok {
		return false
	}
	for _, e := range as.Lhs {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" && info.Defs[id] == nil {
			return true
		}
	}
	return false
}

// checkNameable reports frame fields whose type the generated code
// cannot name.
func (l *lowerer) checkNameable() {
	for _, f := range l.fields {
		if f.helper != nil {
			continue
		}
		name, why := l.unnameable(f.typ, nil)
		if why == "" {
			continue
		}
		what := "a value"
		if f.v != nil {
			what = "variable " + f.v.Name()
		}
		l.diags.add(l.fset, f.pos, "%s of type %s must be kept in the workflow's frame, but the generated code cannot name %s (%s); give it an exported type or an interface, or use it only between two checkpoints", what, typeString(f.typ, l.pkg), name, why)
	}
}

// unnameable returns a part of t that code in this package cannot name,
// and why, or "" for a type it can write.
func (l *lowerer) unnameable(t types.Type, seen map[types.Type]bool) (string, string) {
	if seen == nil {
		seen = map[types.Type]bool{}
	}
	if seen[t] {
		return "", ""
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Alias:
		if obj := t.Obj(); obj.Pkg() != nil && obj.Parent() == obj.Pkg().Scope() {
			if name, why := l.foreign(obj); why != "" {
				return name, why
			}
			return l.typeListUnnameable(t.TypeArgs(), seen)
		}
		return l.unnameable(types.Unalias(t), seen)
	case *types.Named:
		if _, local := l.tp.local[t.Obj()]; local {
			return "", ""
		}
		if name, why := l.foreign(t.Obj()); why != "" {
			return name, why
		}
		return l.typeListUnnameable(t.TypeArgs(), seen)
	case *types.Pointer:
		return l.unnameable(t.Elem(), seen)
	case *types.Slice:
		return l.unnameable(t.Elem(), seen)
	case *types.Array:
		return l.unnameable(t.Elem(), seen)
	case *types.Chan:
		return l.unnameable(t.Elem(), seen)
	case *types.Map:
		if name, why := l.unnameable(t.Key(), seen); why != "" {
			return name, why
		}
		return l.unnameable(t.Elem(), seen)
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := range tup.Len() {
				if name, why := l.unnameable(tup.At(i).Type(), seen); why != "" {
					return name, why
				}
			}
		}
	case *types.Struct:
		for i := range t.NumFields() {
			f := t.Field(i)
			if !f.Exported() && f.Pkg() != l.pkg {
				return "field " + f.Name(), "an unexported field of package " + f.Pkg().Path()
			}
			if name, why := l.unnameable(f.Type(), seen); why != "" {
				return name, why
			}
		}
	case *types.Interface:
		for i := range t.NumMethods() {
			m := t.Method(i)
			if !m.Exported() && m.Pkg() != l.pkg {
				return "method " + m.Name(), "an unexported method of package " + m.Pkg().Path()
			}
		}
	}
	return "", ""
}

func (l *lowerer) typeListUnnameable(list *types.TypeList, seen map[types.Type]bool) (string, string) {
	for i := range list.Len() {
		if name, why := l.unnameable(list.At(i), seen); why != "" {
			return name, why
		}
	}
	return "", ""
}

// foreign returns why a package-level type of another package cannot be
// named here: unexported, or in an internal package this one may not
// import.
func (l *lowerer) foreign(obj *types.TypeName) (string, string) {
	p := obj.Pkg()
	if p == nil || p == l.pkg {
		return "", ""
	}
	name := p.Name() + "." + obj.Name()
	if obj.Parent() != nil && obj.Parent() != p.Scope() { // nil: a stand-in made by the generator
		return name, "it is declared inside a function of package " + p.Path()
	}
	if !obj.Exported() {
		return name, "it is not exported by package " + p.Path()
	}
	if !importable(l.pkg.Path(), p.Path()) {
		return name, "package " + p.Path() + " is internal to another tree"
	}
	return "", ""
}

// importable reports whether package from may import path (the go
// command's rule for internal packages).
func importable(from, path string) bool {
	i := strings.LastIndex(path, "/internal/")
	switch {
	case strings.HasSuffix(path, "/internal"):
		i = len(path) - len("/internal")
	case strings.HasPrefix(path, "internal/") || path == "internal":
		return !strings.Contains(strings.Split(from, "/")[0], ".") // the standard library's own
	case i < 0:
		return true
	}
	parent := path[:i]
	return from == parent || strings.HasPrefix(from, parent+"/")
}
