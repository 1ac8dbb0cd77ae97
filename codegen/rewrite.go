package codegen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"go/types"
	"reflect"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
)

// copyAST deep-copies node and records, for every copied node, the
// original it came from (type information is keyed by the originals).
func copyAST(node ast.Node, orig map[ast.Node]ast.Node) ast.Node {
	v := copyValue(reflect.ValueOf(node), orig)
	return v.Interface().(ast.Node)
}

var (
	objectType = reflect.TypeFor[*ast.Object]()
	scopeType  = reflect.TypeFor[*ast.Scope]()
	nodeType   = reflect.TypeFor[ast.Node]()
	posType    = reflect.TypeFor[token.Pos]()

	// semanticPos are the position fields whose validity changes the code.
	semanticPos = map[string]bool{"Ellipsis": true, "Lparen": true, "Rparen": true, "Assign": true}
)

func copyValue(v reflect.Value, orig map[ast.Node]ast.Node) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || v.Type() == objectType || v.Type() == scopeType {
			return v
		}
		c := reflect.New(v.Elem().Type())
		c.Elem().Set(copyValue(v.Elem(), orig))
		if n, ok := v.Interface().(ast.Node); ok && v.Type().Implements(nodeType) {
			orig[c.Interface().(ast.Node)] = n
		}
		return c
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type()).Elem()
		c.Set(copyValue(v.Elem(), orig))
		return c
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			if v.Field(i).Type() == posType {
				// Printed without source positions (the layout is gofmt's),
				// except where a position carries meaning: f(xs...),
				// var ( ... ), type A = B.
				if semanticPos[v.Type().Field(i).Name] && v.Field(i).Int() != 0 {
					c.Field(i).SetInt(1)
				}
				continue
			}
			if c.Field(i).CanSet() {
				c.Field(i).Set(copyValue(v.Field(i), orig))
			}
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(copyValue(v.Index(i), orig))
		}
		return c
	}
	return v
}

// raw is an identifier holding source text: printed as is.
func raw(text string) *ast.Ident { return &ast.Ident{Name: text} }

// rewriter turns a statement or expression of the workflow body into the
// code of a machine state: frame variables become frame fields, the
// workflow context becomes the exec's context, qualified names become
// markers, returns end the workflow, and jumps out of the statement to a
// lowered construct become program-counter jumps.
type rewriter struct {
	l    *lowerer
	orig map[ast.Node]ast.Node
	// Jump nesting inside the statement being rewritten.
	breakables int             // enclosing for/range/switch/select
	loops      int             // enclosing for/range
	labels     map[string]bool // labels declared inside
	funcs      int             // enclosing function literals
	// repl maps the nodes that replaced copied ones to their originals.
	repl map[ast.Node]ast.Node
	// elseIf holds the if statements that are the else branch of another.
	elseIf map[ast.Node]bool
	// captures are the boxed variables the outermost function literal
	// being rewritten refers to, bound when it is created.
	captures []capture
}

type capture struct {
	f    *field
	name string
}

func (l *lowerer) rewrite(n ast.Node) ast.Node {
	r := &rewriter{l: l, orig: map[ast.Node]ast.Node{}, labels: map[string]bool{}, repl: map[ast.Node]ast.Node{}, elseIf: map[ast.Node]bool{}}
	c := copyAST(n, r.orig)
	return astutil.Apply(c, r.pre, r.post)
}

func (l *lowerer) rwExpr(e ast.Expr) ast.Expr { return l.rewrite(e).(ast.Expr) }

func (r *rewriter) object(n ast.Node) types.Object {
	id, ok := r.orig[n].(*ast.Ident)
	if !ok {
		return nil
	}
	if o := r.l.info.Uses[id]; o != nil {
		return o
	}
	return r.l.info.Defs[id]
}

func (r *rewriter) pre(c *astutil.Cursor) bool {
	switch n := c.Node().(type) {
	case *ast.FuncLit:
		r.funcs++
	case *ast.ForStmt, *ast.RangeStmt:
		r.loops++
		r.breakables++
	case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
		r.breakables++
	case *ast.LabeledStmt:
		r.labels[n.Label.Name] = true
	case *ast.IfStmt:
		if n.Else != nil {
			if e, ok := n.Else.(*ast.IfStmt); ok {
				r.elseIf[e] = true
			}
		}
	case *ast.SelectorExpr:
		if id, ok := n.X.(*ast.Ident); ok {
			if pn, ok := r.object(id).(*types.PkgName); ok {
				orig := r.orig[n]
				c.Replace(raw(r.l.q.marker(pn.Imported().Path(), n.Sel.Name)))
				r.markLine(c, orig)
				return false
			}
		}
		// Only X can refer to a local.
		if x, ok := r.apply(n.X); ok {
			n.X = x
		}
		if orig, ok := r.orig[n].(*ast.SelectorExpr); ok && r.funcs == 0 {
			if e := r.l.closureMethod(orig, n); e != nil {
				c.Replace(e) // a method value the frame rebuilds
				r.markLine(c, orig)
				return false
			}
		}
		r.markLine(c, r.orig[n])
		return false
	case *ast.KeyValueExpr:
		// A struct literal's field key is not a variable.
		if id, ok := n.Key.(*ast.Ident); ok {
			if v, ok := r.object(id).(*types.Var); ok && v.IsField() {
				n.Value = r.applyExpr(n.Value)
				r.markLine(c, r.orig[n])
				return false
			}
		}
	case *ast.BranchStmt:
		r.branch(c, n)
		return false
	}
	return true
}

// apply rewrites a sub-expression with the same rewriter.
func (r *rewriter) apply(e ast.Expr) (ast.Expr, bool) {
	out := astutil.Apply(e, r.pre, r.post)
	x, ok := out.(ast.Expr)
	return x, ok
}

func (r *rewriter) applyExpr(e ast.Expr) ast.Expr {
	x, _ := r.apply(e)
	return x
}

func (r *rewriter) post(c *astutil.Cursor) bool {
	l := r.l
	defer r.markLine(c, r.orig[c.Node()])
	switch n := c.Node().(type) {
	case *ast.FuncLit:
		r.funcs--
		if orig, ok := r.orig[n].(*ast.FuncLit); ok && r.funcs == 0 {
			if e := l.closureLit(orig, n); e != nil {
				r.captures = nil
				c.Replace(e)
				break
			}
		}
		if r.funcs == 0 && len(r.captures) > 0 {
			c.Replace(r.bind(n))
		}
	case *ast.ForStmt, *ast.RangeStmt:
		r.loops--
		r.breakables--
	case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
		r.breakables--
	case *ast.Ident:
		if e := r.ident(n); e != nil {
			c.Replace(e)
		}

	case *ast.AssignStmt:
		if n.Tok == token.DEFINE && r.definesFrameVar(n) {
			n.Tok = token.ASSIGN
		}
	case *ast.DeclStmt:
		if r.funcs == 0 && r.breakables == 0 {
			if s := r.frameDecl(n); s != nil {
				r.replace(c, s)
			}
		}
	case *ast.ReturnStmt:
		if r.funcs == 0 {
			r.replace(c, l.returnStmt(n.Results, r.orig[n].(*ast.ReturnStmt)))
		}
	}
	return true
}

// ident returns the replacement of an identifier, or nil to keep it.
func (r *rewriter) ident(n *ast.Ident) ast.Expr {
	l := r.l
	switch obj := r.object(n).(type) {
	case *types.Var:
		if obj == l.wf.ctx {
			return raw(l.xv + ".Context()")
		}
		if f := l.frame[obj]; f != nil {
			if f.boxed && r.funcs > 0 {
				return raw("(*" + r.capture(f) + ")")
			}
			return raw(l.ref(f))
		}
		if name, ok := l.locals[obj]; ok {
			return raw(name)
		}
		if obj.Pkg() != nil && obj.Pkg() != l.pkg && obj.Parent() == obj.Pkg().Scope() {
			return raw(l.q.marker(obj.Pkg().Path(), obj.Name()))
		}
	case *types.TypeName:
		if name, ok := l.tp.local[obj]; ok {
			return raw(name)
		}
		if obj.Pkg() != nil && obj.Pkg() != l.pkg && obj.Parent() == obj.Pkg().Scope() {
			return raw(l.q.marker(obj.Pkg().Path(), obj.Name()))
		}
	case *types.Const:
		if name, ok := l.consts[obj]; ok {
			return raw(name)
		}
		if obj.Pkg() != nil && obj.Pkg() != l.pkg && obj.Parent() == obj.Pkg().Scope() {
			return raw(l.q.marker(obj.Pkg().Path(), obj.Name()))
		}
	case *types.Func:
		if obj.Pkg() != nil && obj.Pkg() != l.pkg && obj.Type().(*types.Signature).Recv() == nil {
			return raw(l.q.marker(obj.Pkg().Path(), obj.Name()))
		}
	}
	return nil
}

// capture returns the name under which the function literal being
// rewritten binds boxed field f.
func (r *rewriter) capture(f *field) string {
	for _, c := range r.captures {
		if c.f == f {
			return c.name
		}
	}
	name := r.l.names.fresh(f.name + "Var")
	r.captures = append(r.captures, capture{f, name})
	return name
}

// bind wraps function literal lit so that it is created with the
// variables its boxed captures point to now: func(p *T) func(...) {
// return lit }(f.v). Later iterations allocate new variables; lit keeps
// the ones of its own iteration, as in Go.
func (r *rewriter) bind(lit *ast.FuncLit) ast.Expr {
	l := r.l
	var params, args []string
	for _, c := range r.captures {
		params = append(params, c.name+" *"+l.tp.text(c.f.typ))
		args = append(args, l.fv+"."+c.f.name)
	}
	r.captures = nil
	typ := l.print(lit.Type)
	return raw(fmt.Sprintf("func(%s) %s {\nreturn %s\n}(%s)", strings.Join(params, ", "), typ, l.print(lit), strings.Join(args, ", ")))
}

func (r *rewriter) definesFrameVar(n *ast.AssignStmt) bool {
	for _, lhs := range r.orig[n].(*ast.AssignStmt).Lhs {
		if id, ok := lhs.(*ast.Ident); ok {
			if v, ok := r.l.info.Defs[id].(*types.Var); ok && r.l.frame[v] != nil {
				return true
			}
		}
	}
	return false
}

// frameDecl turns a var declaration of frame variables into assignments;
// const and type declarations of the lowered level were hoisted.
func (r *rewriter) frameDecl(n *ast.DeclStmt) ast.Stmt {
	l := r.l
	gd := r.orig[n].(*ast.DeclStmt).Decl.(*ast.GenDecl)
	if gd.Tok != token.VAR {
		if l.hoisted[gd] {
			return &ast.EmptyStmt{Implicit: true}
		}
		return nil
	}
	var out []string
	for i, spec := range n.Decl.(*ast.GenDecl).Specs {
		vs := spec.(*ast.ValueSpec)
		ovs := gd.Specs[i].(*ast.ValueSpec)
		v, _ := l.info.Defs[ovs.Names[0]].(*types.Var)
		if v == nil || l.frame[v] == nil {
			return nil
		}
		lhs := make([]string, len(ovs.Names))
		rhs := make([]string, len(ovs.Names))
		for j, id := range ovs.Names {
			lhs[j] = "_"
			if v, ok := l.info.Defs[id].(*types.Var); ok && l.frame[v] != nil {
				lhs[j] = l.ref(l.frame[v])
				rhs[j] = l.tp.zero(v.Type())
			}
		}
		if len(vs.Values) > 0 {
			rhs = rhs[:0]
			for _, val := range vs.Values {
				rhs = append(rhs, l.print(val))
			}
		}
		out = append(out, strings.Join(lhs, ", ")+" = "+strings.Join(rhs, ", "))
	}
	return &ast.ExprStmt{X: raw(strings.Join(out, "\n"))}
}

// branch rewrites break and continue that leave the statement towards a
// lowered construct.
func (r *rewriter) branch(c *astutil.Cursor, n *ast.BranchStmt) {
	if r.funcs > 0 {
		return
	}
	var t *target
	switch {
	case n.Tok == token.FALLTHROUGH || n.Tok == token.GOTO:
		return
	case n.Label != nil:
		if r.labels[n.Label.Name] {
			return
		}
		t = r.l.targetByLabel(n.Label.Name)
	case n.Tok == token.BREAK:
		if r.breakables > 0 {
			return
		}
		t = r.l.innermost(false)
	case n.Tok == token.CONTINUE:
		if r.loops > 0 {
			return
		}
		t = r.l.innermost(true)
	}
	if t == nil {
		return
	}
	to := t.brk
	if n.Tok == token.CONTINUE {
		to = t.cont
	}
	r.replace(c, &ast.ExprStmt{X: raw(r.l.jumpText(to) + "\ncontinue " + r.l.label)})
}

// print prints a rewritten node.
func (l *lowerer) print(n ast.Node) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, l.fset, n); err != nil {
		return "/* " + err.Error() + " */"
	}
	return marksOwnLine.ReplaceAllString(b.String(), "$1 ")
}
