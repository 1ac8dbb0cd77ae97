package codegen

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// Pointers into stored variables.
//
// A pointer variable that is given the address of a stored variable, of
// a field of one, or of an element of a stored slice or array (p := &n,
// o := &in.Order, it := &items[i]) would come back from a resume as a
// pointer to a copy of its own, and writes through it would no longer
// show in the variable. Instead the frame stores where it points: at
// each checkpoint MarshalFrame compares the pointer with each address it
// may have been given, and when one matches writes the reference (and
// the element's index) in place of the value; UnmarshalFrame points it
// there again once every field is decoded. A pointer that matches none
// (it was given something else since) is stored as a value, as Go would
// then see no sharing either.

// pointerRef is an address a stored pointer variable may hold.
type pointerRef struct {
	key    string   // the frame key: <field>@<n>
	base   ast.Expr // the variable or field path pointed into
	elem   bool     // an element of base, a slice or array
	root   *types.Var
	layout string // what the reference names, for the layout
}

// preservePointer reports whether the address copy e is kept by the
// frame encoding, and records it.
func (l *lowerer) preservePointer(e shareEdge) bool {
	if !e.addr || e.target == nil {
		return false
	}
	dst := l.frame[e.dst]
	src := l.frame[e.src]
	if dst == nil || src == nil || !src.ser || !dst.ser || dst.boxed || dst.helper != nil || l.closureField(dst) {
		return false
	}
	if _, ok := dst.typ.(*types.Pointer); !ok {
		return false
	}
	target := ast.Unparen(e.target)
	ref := &pointerRef{root: e.src}
	if ix, ok := target.(*ast.IndexExpr); ok {
		switch l.info.TypeOf(ix.X).Underlying().(type) {
		case *types.Slice, *types.Array:
		default:
			return false
		}
		if addressedVar(l.info, ix.X) != e.src || hasIndex(ix.X) {
			return false
		}
		ref.base, ref.elem = ix.X, true
	} else {
		if addressedVar(l.info, target) != e.src || hasIndex(target) {
			return false
		}
		ref.base = target
	}
	if !types.Identical(dst.typ.(*types.Pointer).Elem(), l.pointee(ref)) {
		return false
	}
	ref.layout = exprString(ref.base)
	if ref.elem {
		ref.layout += "[i]"
	}
	for _, r := range dst.refs {
		if r.layout == ref.layout {
			return true
		}
	}
	ref.key = fmt.Sprintf("%s@%d", dst.name, len(dst.refs))
	dst.refs = append(dst.refs, ref)
	return true
}

// pointee is the type of what ref points at.
func (l *lowerer) pointee(ref *pointerRef) types.Type {
	t := l.info.TypeOf(ref.base)
	if !ref.elem {
		return t
	}
	switch u := t.Underlying().(type) {
	case *types.Slice:
		return u.Elem()
	case *types.Array:
		return u.Elem()
	}
	return nil
}

// hasIndex reports whether a field path indexes an array on the way.
func hasIndex(e ast.Expr) bool {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			return true
		default:
			return false
		}
	}
}

// refText returns the expression of ref's base in the frame.
func (l *lowerer) refText(ref *pointerRef) string {
	return l.print(l.rwExpr(ref.base))
}

// refGuard returns the condition under which ref's base can be
// evaluated without a nil dereference ("" when it always can): a boxed
// variable's box is nil until its declaration first runs.
func (l *lowerer) refGuard(ref *pointerRef) string {
	if src := l.frame[ref.root]; src != nil && src.boxed {
		return l.fv + "." + src.name + " != nil"
	}
	return ""
}

// refSlice returns the expression of the slice an element reference
// indexes, nil where its guard does not hold.
func (l *lowerer) refSlice(ref *pointerRef) string {
	slice := l.refText(ref)
	if _, isArray := l.info.TypeOf(ref.base).Underlying().(*types.Array); isArray {
		slice += "[:]"
	}
	if g := l.refGuard(ref); g != "" {
		elem := l.tp.text(l.pointee(ref))
		slice = fmt.Sprintf("func() []%s {\nif %s {\nreturn %s\n}\nreturn nil\n}()", elem, g, slice)
	}
	return slice
}

// emitPointerMarshal writes pointer field f: as a reference when it
// points where one of its references says, else as a value.
func (l *lowerer) emitPointerMarshal(w func(string, ...any), f *field) {
	for i, ref := range f.refs {
		kw := "if"
		if i > 0 {
			kw = "} else if"
		}
		if ref.elem {
			w("%s k, ok := %s(%s.%s, %s); ok {\ne.Int(%q, int64(k))\n", kw, l.rt("ElemIndex"), l.fv, f.name, l.refSlice(ref), ref.key)
			continue
		}
		cond := fmt.Sprintf("%s.%s == &%s", l.fv, f.name, l.refText(ref))
		if g := l.refGuard(ref); g != "" {
			cond = g + " && " + cond
		}
		w("%s %s {\ne.Int(%q, -1)\n", kw, cond, ref.key)
	}
	w("} else {\n%s(e, %q, %s.%s)\n}\n", l.rt("Field"), f.name, l.fv, f.name)
}

// pointerDecodeVars declares the decoded references of the frame's
// pointer fields, before UnmarshalFrame's loop.
func (l *lowerer) pointerDecodeVars(w func(string, ...any)) {
	for _, f := range l.fields {
		for _, ref := range f.refs {
			w("%s := -2\n", refVar(ref))
		}
	}
}

func refVar(ref *pointerRef) string { return "ref_" + strings.ReplaceAll(ref.key, "@", "_") }

// emitPointerDecode writes the cases of f's references.
func (l *lowerer) emitPointerDecode(w func(string, ...any), f *field) {
	for _, ref := range f.refs {
		w("case %q:\n%s = int(d.Int())\n", ref.key, refVar(ref))
	}
}

// pointerFixups points the frame's pointer fields at what their decoded
// references name, once every field is decoded.
func (l *lowerer) pointerFixups(w func(string, ...any)) {
	for _, f := range l.fields {
		for _, ref := range f.refs {
			v := refVar(ref)
			if ref.elem {
				w("if %s != -2 {\n%s.%s = %s(d, %s, %s)\n}\n", v, l.fv, f.name, l.rt("ElemAt"), l.refSlice(ref), v)
				continue
			}
			cond := v + " == -1"
			if g := l.refGuard(ref); g != "" {
				cond += " && " + g
			}
			w("if %s {\n%s.%s = &%s\n}\n", cond, l.fv, f.name, l.refText(ref))
		}
	}
}

// pointerLayout adds the references to lay: a stored reference names a
// place in the frame.
func (l *lowerer) pointerLayout(lay *Layout) {
	for _, f := range l.fields {
		for _, ref := range f.refs {
			lay.Fields = append(lay.Fields, LayoutField{Name: strings.ReplaceAll(ref.key, "@", ".ref"), Type: "ref " + ref.layout})
		}
	}
}
