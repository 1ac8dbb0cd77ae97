// Package cplit finds the function literals of a function that durablegen
// compiles as helpers: those that make checkpoints and are either called
// where they are written (func() {...}()), or defined once to a local
// variable of their own (name := func(...) {...}, or var name = func...)
// that is only called, by name, in the function that defines them,
// outside function literals. The code generator and
// the analyzer share it, so that they accept the same literals.
package cplit

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

// Lit is a function literal that makes checkpoints.
type Lit struct {
	Lit *ast.FuncLit
	// V is the variable that holds the literal and Def its definition,
	// when the literal can be compiled; Call is set instead for a literal
	// called where it is written (func() {...}()). Otherwise Why says why
	// it cannot be.
	V    *types.Var
	Def  ast.Stmt
	Call *ast.CallExpr
	Why  string
}

// OK reports whether the literal can be compiled.
func (l Lit) OK() bool { return l.V != nil || l.Call != nil }

// Find returns the literals of body that makes reports to make
// checkpoints, outermost first in source order. A literal inside another
// one is refused; makes is not asked about literals inside those it
// refuses.
func Find(fset *token.FileSet, info *types.Info, body *ast.BlockStmt, makes func(*ast.FuncLit) bool) []Lit {
	var out []Lit
	var stack []ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		var parent ast.Node
		if len(stack) > 0 {
			parent = stack[len(stack)-1]
		}
		stack = append(stack, n)
		lit, ok := n.(*ast.FuncLit)
		if !ok || !makes(lit) {
			return true
		}
		for _, s := range stack[:len(stack)-1] {
			if _, ok := s.(*ast.FuncLit); ok {
				out = append(out, Lit{Lit: lit, Why: "it is inside another function literal"})
				return true
			}
		}
		if call, ok := parent.(*ast.CallExpr); ok && ast.Unparen(call.Fun) == lit {
			out = append(out, Lit{Lit: lit, Call: call})
			return true
		}
		v, def, why := candidate(fset, info, body, lit, parent)
		out = append(out, Lit{Lit: lit, V: v, Def: def, Why: why})
		return true
	})
	return out
}

// candidate returns the variable and definition of a literal that makes
// checkpoints, or why it cannot be compiled.
func candidate(fset *token.FileSet, info *types.Info, body *ast.BlockStmt, lit *ast.FuncLit, parent ast.Node) (*types.Var, ast.Stmt, string) {
	var v *types.Var
	var def ast.Stmt
	switch p := parent.(type) {
	case *ast.AssignStmt:
		if p.Tok == token.DEFINE && len(p.Lhs) == 1 && len(p.Rhs) == 1 {
			if id, ok := p.Lhs[0].(*ast.Ident); ok {
				v, _ = info.Defs[id].(*types.Var)
				def = p
			}
		}
		if v == nil {
			return nil, nil, "it is assigned, not defined with :="
		}
	case *ast.ValueSpec:
		if len(p.Names) == 1 && len(p.Values) == 1 {
			v, _ = info.Defs[p.Names[0]].(*types.Var)
		}
		if v == nil {
			return nil, nil, "it is not the only value of its declaration"
		}
		ast.Inspect(body, func(n ast.Node) bool {
			if ds, ok := n.(*ast.DeclStmt); ok {
				if gd, ok := ds.Decl.(*ast.GenDecl); ok && len(gd.Specs) == 1 && gd.Specs[0] == p {
					def = ds
				}
			}
			return def == nil
		})
		if def == nil {
			return nil, nil, "its declaration declares more than it"
		}
	case *ast.CallExpr:
		return nil, nil, "it is passed to a function"
	default:
		return nil, nil, "it is not assigned to a variable of its own"
	}
	why := ""
	var stack []ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		var parent ast.Node
		if len(stack) > 0 {
			parent = stack[len(stack)-1]
		}
		stack = append(stack, n)
		id, ok := n.(*ast.Ident)
		if !ok || info.Uses[id] != v || why != "" {
			return true
		}
		line := fset.Position(id.Pos()).Line
		if call, isCall := parent.(*ast.CallExpr); !isCall || ast.Unparen(call.Fun) != id {
			why = fmt.Sprintf("%s is used other than by calling it (line %d)", v.Name(), line)
			return true
		}
		for _, s := range stack {
			if _, ok := s.(*ast.FuncLit); ok {
				why = fmt.Sprintf("%s is called inside a function literal (line %d)", v.Name(), line)
			}
		}
		return true
	})
	if why != "" {
		return nil, nil, why
	}
	return v, def, ""
}
