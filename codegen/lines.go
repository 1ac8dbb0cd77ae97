package codegen

import (
	"fmt"
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"

	"golang.org/x/tools/go/ast/astutil"
)

// Line directives. The emitter prints rewritten syntax in gofmt's layout,
// not the user's, so each statement of a statement list, each expression
// that starts a line of the source (a call's argument, an operand, an
// element on a line of its own) and the condition, tag, init and post of
// if, for and switch carry a /*line file:line:col*/ directive: a panic or
// stack trace inside them names the line the user wrote. The file is the
// source file's base name, which the go command's tools (go vet, gopls,
// go/packages) resolve against the package directory; the compiler keeps
// it as written, so runtime stack traces show "file.go:line" and the
// runtime's failure messages resolve it to the full path (see
// runtime.panicSite).

// mark returns the directive that gives the text after it position pos.
// gofmt puts a blank after a /*-comment, so the column is one less.
func (l *lowerer) mark(pos token.Pos) string {
	if !pos.IsValid() {
		return ""
	}
	p := l.fset.Position(pos)
	return fmt.Sprintf("/*line %s:%d:%d*/ ", filepath.Base(p.Filename), p.Line, max(1, p.Column-1))
}

// marksOwnLine matches a directive printed as a statement of its own: it
// is joined to the statement that follows it.
var marksOwnLine = regexp.MustCompile(`(/\*line [^*\n]*\*/)\n[ \t]*`)

// markedFields are the fields of a parent node whose expressions get a
// directive when they start a line; alwaysMarked get one in any case.
var (
	markedFields = map[string]bool{"Args": true, "Elts": true, "Rhs": true, "Results": true, "Values": true, "Y": true, "Value": true, "Index": true}
	alwaysMarked = map[string]bool{"Cond": true, "Tag": true, "Init": true, "Post": true}
)

// markLine adds directives to the node at c, a rewritten copy of orig.
func (r *rewriter) markLine(c *astutil.Cursor, orig ast.Node) {
	if r.l.noMarks {
		return
	}
	switch n := c.Node().(type) {
	case *ast.BlockStmt:
		n.List = r.markList(n.List)
		return
	case *ast.CaseClause:
		n.Body = r.markList(n.Body)
		return
	case *ast.CommClause:
		n.Body = r.markList(n.Body)
		return
	}
	if orig == nil || !orig.Pos().IsValid() || c.Name() == "Node" {
		return
	}
	if _, isRange := c.Parent().(*ast.RangeStmt); isRange && c.Name() == "X" {
		// range x
	} else if !alwaysMarked[c.Name()] && !(markedFields[c.Name()] && r.l.startsLine(orig.Pos())) {
		return
	}
	if alwaysMarked[c.Name()] && !r.elseIf[c.Parent()] && r.orig[c.Parent()] != nil && sameLine(r.l.fset, orig.Pos(), r.orig[c.Parent()].Pos()) {
		return // on the line of its statement, which has its directive
	}
	switch n := current(c).(type) {
	case ast.Expr:
		c.Replace(raw(r.l.mark(orig.Pos()) + r.l.print(n)))
	case ast.Stmt:
		c.Replace(&ast.ExprStmt{X: raw(r.l.mark(orig.Pos()) + r.l.print(n))})
	}
}

// markList puts a directive before each statement of list.
func (r *rewriter) markList(list []ast.Stmt) []ast.Stmt {
	out := make([]ast.Stmt, 0, 2*len(list))
	for _, s := range list {
		o := r.orig[s]
		if o == nil {
			o = r.repl[s]
		}
		if o != nil && o.Pos().IsValid() {
			if es, ok := s.(*ast.EmptyStmt); !ok || !es.Implicit {
				out = append(out, &ast.ExprStmt{X: raw(r.l.mark(o.Pos()))})
			}
		}
		out = append(out, s)
	}
	return out
}

// replace replaces the node at c, keeping track of its original.
func (r *rewriter) replace(c *astutil.Cursor, n ast.Node) {
	if o := r.orig[c.Node()]; o != nil {
		r.repl[n] = o
	}
	c.Replace(n)
}

// startsLine reports whether pos is the first non-blank character of its
// line in the source.
func (l *lowerer) startsLine(pos token.Pos) bool {
	tf := l.fset.File(pos)
	if tf == nil {
		return false
	}
	src, ok := l.sources[tf.Name()]
	if !ok {
		src, _ = os.ReadFile(tf.Name())
		l.sources[tf.Name()] = src
	}
	off := tf.Offset(pos)
	start := tf.Offset(tf.LineStart(tf.Line(pos)))
	if off > len(src) {
		return false
	}
	for _, b := range src[start:off] {
		if b != ' ' && b != '\t' {
			return false
		}
	}
	return true
}

// current returns the node at c, after a Replace (Cursor.Node returns the
// node it visited).
func current(c *astutil.Cursor) ast.Node {
	v := reflect.ValueOf(c.Parent()).Elem().FieldByName(c.Name())
	if i := c.Index(); i >= 0 {
		v = v.Index(i)
	}
	n, _ := v.Interface().(ast.Node)
	return n
}

func sameLine(fset *token.FileSet, a, b token.Pos) bool {
	return a.IsValid() && b.IsValid() && fset.Position(a).Line == fset.Position(b).Line
}
