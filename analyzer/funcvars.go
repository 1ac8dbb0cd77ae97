package analyzer

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Package variables that hold a function, such as
//
//	var now = time.Now
//	var currentRate = func() float64 { return rate }
//
// are followed like the function they hold as long as nothing assigns
// them (a variable that is assigned is reported as global state wherever
// it is read). A function literal is checked like a declared function,
// under a stand-in *types.Func named after the variable; the fact of
// either kind is exported on the variable, so that a workflow of another
// package calling helper.Now() finds it too.

// indexFuncVars records the package variables of file initialized with a
// function reference or a function literal.
func (c *checker) indexFuncVars(file *ast.File) {
	for _, d := range file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if len(vs.Names) != len(vs.Values) {
				continue
			}
			for i, name := range vs.Names {
				v, ok := c.pass.TypesInfo.Defs[name].(*types.Var)
				if !ok || name.Name == "_" {
					continue
				}
				if lit, ok := ast.Unparen(vs.Values[i]).(*ast.FuncLit); ok {
					c.addFuncLit(file, v, lit)
				} else if fn := c.funcRefOf(vs.Values[i]); fn != nil {
					c.funcVars[v] = fn
				}
			}
		}
	}
}

// addFuncLit adds the function literal that initializes the package
// variable v to the functions of the package.
func (c *checker) addFuncLit(file *ast.File, v *types.Var, lit *ast.FuncLit) {
	sig, ok := c.pass.TypesInfo.TypeOf(lit).(*types.Signature)
	if !ok {
		return
	}
	fn := types.NewFunc(v.Pos(), c.pass.Pkg, v.Name(), sig)
	f := &funcInfo{body: lit.Body, obj: fn, file: file, v: v}
	c.funcs = append(c.funcs, f)
	c.byObj[fn] = f
	c.funcVars[v] = fn
}

// funcVar returns the function that call calls through a package-level
// variable initialized with it and never assigned: the function named
// (var now = time.Now) or the stand-in of a literal. For a variable of
// another package, it returns a stand-in only if that package found the
// function non-deterministic.
func (c *checker) funcVar(call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch x := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		id = x.Sel
	default:
		return nil
	}
	v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok || !isPackageVar(v) || c.isWritten(v) {
		return nil
	}
	if v.Pkg() == c.pass.Pkg {
		return c.funcVars[v]
	}
	if fn, ok := c.funcVars[v]; ok {
		return fn
	}
	var fn *types.Func
	sig, isFunc := v.Type().Underlying().(*types.Signature)
	if fact := new(nondetFact); isFunc && c.pass.ImportObjectFact(v, fact) {
		fn = types.NewFunc(v.Pos(), v.Pkg(), v.Name(), sig)
		c.imported[fn] = fact
	}
	c.funcVars[v] = fn
	return fn
}

// funcRefOf returns the function e names, if it is a plain reference
// such as time.Now.
func (c *checker) funcRefOf(e ast.Expr) *types.Func {
	var id *ast.Ident
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		id = x.Sel
	default:
		return nil
	}
	fn, _ := c.pass.TypesInfo.Uses[id].(*types.Func)
	if fn == nil || isInterfaceMethod(fn) {
		return nil
	}
	if sig := fn.Type().(*types.Signature); sig.Recv() != nil {
		return nil // a method value binds its receiver
	}
	return fn.Origin()
}

// exportFuncVarFacts exports the nondetFact of every never-assigned
// package variable of the package that holds a non-deterministic
// function. It runs once the facts of the package's functions are known.
func (c *checker) exportFuncVarFacts() {
	for v, fn := range c.funcVars {
		if v.Pkg() != c.pass.Pkg || c.isWritten(v) {
			continue
		}
		var fact *nondetFact
		if f := c.byObj[fn]; f != nil && f.v == v {
			fact = f.reason // the literal's own fact
		} else if s, ok := lookupSource(fn); ok {
			name := qualifiedName(fn)
			fact = &nondetFact{Rule: s.rule, Chain: []string{"calls " + name}, Why: name + " " + s.what, Fix: s.fix}
		} else if r := c.reasonOf(fn); r != nil {
			fact = r.extend(fn)
		}
		if fact != nil {
			fact.Std = c.std
			c.pass.ExportObjectFact(v, fact)
		}
	}
}
