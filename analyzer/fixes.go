package analyzer

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// sourceFix returns the suggested fix for a call of a source in workflow
// code, if there is a safe one: clock, sleep, randomness and UUIDs.
func (w *walker) sourceFix(call *ast.CallExpr, fn *types.Func, stack []ast.Node) []analysis.SuggestedFix {
	d, ctx := w.wf.durableName, w.wf.ctxName()
	if d == "" || ctx == "" || inClosure(stack) != nil {
		return nil
	}
	pkg, key := funcKey(fn)
	now := fmt.Sprintf("%s.Now(%s)", d, ctx)
	replace := func(msg, text string) []analysis.SuggestedFix {
		return []analysis.SuggestedFix{{
			Message:   msg,
			TextEdits: []analysis.TextEdit{{Pos: call.Pos(), End: call.End(), NewText: []byte(text)}},
		}}
	}
	switch key {
	case "time.Now":
		return replace("Use "+d+".Now", now)
	case "time.Since":
		if len(call.Args) == 1 {
			return replace("Use "+d+".Now", now+".Sub("+w.c.text(call.Args[0])+")")
		}
	case "time.Until":
		if len(call.Args) == 1 {
			return replace("Use "+d+".Now", operand(w.c.text(call.Args[0]), call.Args[0])+".Sub("+now+")")
		}
	case "time.Sleep":
		return w.sleepFix(call, stack)
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	q := w.c.text(sel.X) // the package qualifier as written
	random := fmt.Sprintf("%s.Random(%s)", d, ctx)
	switch {
	case pkg == "math/rand" && hasRandMethod(fn):
		return replace("Seed with "+d+".Random",
			fmt.Sprintf("%s.New(%s.NewSource(int64(%s))).%s", q, q, random, w.c.text(&ast.CallExpr{Fun: sel.Sel, Args: call.Args, Lparen: call.Lparen, Rparen: call.Rparen})))
	case pkg == "math/rand/v2" && hasRandMethod(fn):
		return replace("Seed with "+d+".Random",
			fmt.Sprintf("%s.New(%s.NewPCG(%s, %s)).%s", q, q, random, random, w.c.text(&ast.CallExpr{Fun: sel.Sel, Args: call.Args, Lparen: call.Lparen, Rparen: call.Rparen})))
	}
	uuid := fmt.Sprintf("%s.UUID(%s)", d, ctx)
	switch trimMajor(pkg) + "." + fn.Name() {
	case "github.com/google/uuid.New":
		if outer := stringCall(call, stack); outer != nil {
			// uuid.New().String() is durable.UUID(ctx) itself.
			return []analysis.SuggestedFix{{
				Message:   "Use " + d + ".UUID",
				TextEdits: []analysis.TextEdit{{Pos: outer.Pos(), End: outer.End(), NewText: []byte(uuid)}},
			}}
		}
		return replace("Use "+d+".UUID", q+".MustParse("+uuid+")")
	case "github.com/google/uuid.NewString":
		return replace("Use "+d+".UUID", uuid)
	case "github.com/google/uuid.NewRandom":
		return replace("Use "+d+".UUID", q+".Parse("+uuid+")")
	case "github.com/gofrs/uuid.NewV4":
		return replace("Use "+d+".UUID", q+".FromString("+uuid+")")
	}
	return nil
}

// stringCall returns the call x.String() if call is its x.
func stringCall(call *ast.CallExpr, stack []ast.Node) *ast.CallExpr {
	if len(stack) < 2 {
		return nil
	}
	sel, ok := stack[len(stack)-1].(*ast.SelectorExpr)
	if !ok || sel.X != call || sel.Sel.Name != "String" {
		return nil
	}
	outer, ok := stack[len(stack)-2].(*ast.CallExpr)
	if !ok || outer.Fun != sel || len(outer.Args) != 0 {
		return nil
	}
	return outer
}

// hasRandMethod reports whether the top-level function fn of math/rand
// (or v2) is also a method of *rand.Rand with the same name.
func hasRandMethod(fn *types.Func) bool {
	if recvTypeName(fn) != "" {
		return false
	}
	obj, ok := fn.Pkg().Scope().Lookup("Rand").(*types.TypeName)
	if !ok {
		return false
	}
	m, _, _ := types.LookupFieldOrMethod(types.NewPointer(obj.Type()), false, fn.Pkg(), fn.Name())
	_, ok = m.(*types.Func)
	return ok && fn.Type().(*types.Signature).TypeParams() == nil
}

// operand parenthesizes text unless e is an operand or a call.
func operand(text string, e ast.Expr) string {
	switch ast.Unparen(e).(type) {
	case *ast.Ident, *ast.SelectorExpr, *ast.CallExpr, *ast.IndexExpr:
		return text
	}
	return "(" + text + ")"
}

// sleepFix rewrites the statement time.Sleep(d) into a durable timer
// whose error is returned.
func (w *walker) sleepFix(call *ast.CallExpr, stack []ast.Node) []analysis.SuggestedFix {
	stmt, ok := stack[len(stack)-1].(*ast.ExprStmt)
	if !ok || len(call.Args) != 1 {
		return nil
	}
	zeros, ok := w.zeroResults()
	if !ok {
		return nil
	}
	text := fmt.Sprintf("if err := %s.Sleep(%s, %s); err != nil {\n\treturn %s\n}",
		w.wf.durableName, w.wf.ctxName(), w.c.text(call.Args[0]), strings.Join(append(zeros, "err"), ", "))
	return []analysis.SuggestedFix{{
		Message:   "Use " + w.wf.durableName + ".Sleep",
		TextEdits: []analysis.TextEdit{{Pos: stmt.Pos(), End: stmt.End(), NewText: []byte(text)}},
	}}
}

// zeroResults returns the zero values of the workflow's results but the
// final error, as source text.
func (w *walker) zeroResults() ([]string, bool) {
	res := w.fi.obj.Type().(*types.Signature).Results()
	if res.Len() == 0 || !types.Identical(res.At(res.Len()-1).Type(), types.Universe.Lookup("error").Type()) {
		return nil, false
	}
	var zeros []string
	for i := 0; i < res.Len()-1; i++ {
		z, ok := w.zero(res.At(i).Type())
		if !ok {
			return nil, false
		}
		zeros = append(zeros, z)
	}
	return zeros, true
}

// zero returns the zero value of t as source text in the workflow's file.
func (w *walker) zero(t types.Type) (string, bool) {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			return "false", true
		case u.Info()&types.IsString != 0:
			if _, named := types.Unalias(t).(*types.Named); named {
				break
			}
			return `""`, true
		case u.Info()&types.IsNumeric != 0:
			if _, named := types.Unalias(t).(*types.Named); named {
				break
			}
			return "0", true
		}
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature, *types.Interface:
		return "nil", true
	}
	if _, ok := types.Unalias(t).(*types.Named); !ok {
		return "", false
	}
	name, ok := w.typeText(t)
	if !ok {
		return "", false
	}
	if _, isStruct := t.Underlying().(*types.Struct); isStruct {
		return name + "{}", true
	}
	return "*new(" + name + ")", true
}

// typeText writes t as the workflow's file would, failing if a package
// it needs is not imported there.
func (w *walker) typeText(t types.Type) (string, bool) {
	ok := true
	text := types.TypeString(t, func(p *types.Package) string {
		if p == w.c.pass.Pkg {
			return ""
		}
		name := w.c.importName(w.fi.file, p.Path())
		if name == "" {
			ok = false
		}
		return name
	})
	return text, ok
}

// sortedKeysFix rewrites `for k, v := range m` into a loop over the
// sorted keys of m.
func (w *walker) sortedKeysFix(rs *ast.RangeStmt) []analysis.SuggestedFix {
	m, ok := w.info.TypeOf(rs.X).Underlying().(*types.Map)
	if !ok || rs.Tok != token.DEFINE || !isOrdered(m.Key()) || !isPlainOperand(rs.X) {
		return nil
	}
	key := "k"
	if id, ok := rs.Key.(*ast.Ident); ok && id.Name != "_" {
		key = id.Name
	} else if w.nameTaken(rs, key) {
		return nil
	}
	pkgs, importEdits, ok := w.ensureImports("slices", "maps")
	if !ok {
		return nil
	}
	slicesName, mapsName := pkgs[0], pkgs[1]
	x := w.c.text(rs.X)
	edits := []analysis.TextEdit{{
		Pos:     rs.Key.Pos(),
		End:     rs.X.End(),
		NewText: fmt.Appendf(nil, "_, %s := range %s.Sorted(%s.Keys(%s))", key, slicesName, mapsName, x),
	}}
	if id, ok := rs.Value.(*ast.Ident); ok && id.Name != "_" {
		// Before the first statement, so that a comment after the brace
		// stays on the loop's line.
		at, text := rs.Body.Lbrace+1, fmt.Sprintf("\n%s := %s[%s]", id.Name, x, key)
		if len(rs.Body.List) > 0 {
			at, text = rs.Body.List[0].Pos(), fmt.Sprintf("%s := %s[%s]\n", id.Name, x, key)
		}
		edits = append(edits, analysis.TextEdit{Pos: at, End: at, NewText: []byte(text)})
	}
	edits = append(edits, importEdits...)
	return []analysis.SuggestedFix{{Message: "Iterate over sorted keys", TextEdits: edits}}
}

// nameTaken reports whether name is visible or used at the loop.
func (w *walker) nameTaken(rs *ast.RangeStmt, name string) bool {
	if scope := w.c.pass.Pkg.Scope().Innermost(rs.Pos()); scope != nil {
		if _, obj := scope.LookupParent(name, rs.Pos()); obj != nil {
			return true
		}
	}
	taken := false
	ast.Inspect(rs.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			taken = true
		}
		return !taken
	})
	return taken
}

// isOrdered reports whether t satisfies cmp.Ordered.
func isOrdered(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsOrdered != 0
}

// isPlainOperand reports whether e can be evaluated twice without effect.
func isPlainOperand(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return true
	case *ast.SelectorExpr:
		return isPlainOperand(e.X)
	}
	return false
}

// ensureImports returns the names of the standard packages paths in the
// workflow's file, with the edit that imports those missing.
func (w *walker) ensureImports(paths ...string) ([]string, []analysis.TextEdit, bool) {
	file := w.fi.file
	var names, missing []string
	for _, path := range paths {
		if name := w.c.importName(file, path); name != "" {
			names = append(names, name)
			continue
		}
		// The package's default name must be free in the file.
		if w.c.pass.Pkg.Scope().Lookup(path) != nil {
			return nil, nil, false
		}
		for _, spec := range file.Imports {
			if pn := w.c.pass.TypesInfo.PkgNameOf(spec); pn != nil && pn.Name() == path {
				return nil, nil, false
			}
		}
		names = append(names, path)
		missing = append(missing, strconv.Quote(path))
	}
	if len(missing) == 0 {
		return names, nil, true
	}
	for _, d := range file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		if gd.Lparen.IsValid() {
			text := "\n\t" + strings.Join(missing, "\n\t")
			return names, []analysis.TextEdit{{Pos: gd.Lparen + 1, End: gd.Lparen + 1, NewText: []byte(text)}}, true
		}
		// Turn the single import into a group.
		text := "import (\n\t" + strings.Join(missing, "\n\t") + "\n\n\t" + w.c.text(gd.Specs[0]) + "\n)"
		return names, []analysis.TextEdit{{Pos: gd.Pos(), End: gd.End(), NewText: []byte(text)}}, true
	}
	text := "\n\nimport (\n\t" + strings.Join(missing, "\n\t") + "\n)"
	return names, []analysis.TextEdit{{Pos: file.Name.End(), End: file.Name.End(), NewText: []byte(text)}}, true
}
