package codegen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// quals maps import paths to marker identifiers that stand for qualified
// names in printed code until the emitter turns them into jennifer Quals.
type quals struct {
	byKey map[string]string // path + "." + name → marker
	list  []qual            // by marker number
}

type qual struct{ path, name string }

const qualPrefix = "QUALxDURABLEx"

// marker returns the identifier that stands for path.name.
func (q *quals) marker(path, name string) string {
	key := path + "." + name
	if m, ok := q.byKey[key]; ok {
		return m
	}
	m := qualPrefix + strconv.Itoa(len(q.list)) + "x"
	q.byKey[key] = m
	q.list = append(q.list, qual{path, name})
	return m
}

// typeText prints t as Go source in package pkg, with qualified names as
// markers and local types renamed by local.
type typePrinter struct {
	pkg   *types.Package
	q     *quals
	local map[*types.TypeName]string // types declared in a workflow body, hoisted
}

func (p *typePrinter) text(t types.Type) string {
	switch t := t.(type) {
	case *types.Alias:
		obj := t.Obj()
		if obj.Parent() == obj.Pkg().Scope() || obj.Pkg() == nil {
			return p.objName(obj) + p.typeArgs(t.TypeArgs())
		}
		return p.text(types.Unalias(t))
	case *types.Named:
		return p.objName(t.Obj()) + p.typeArgs(t.TypeArgs())
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			return p.q.marker("unsafe", "Pointer")
		}
		return t.Name()
	case *types.Pointer:
		return "*" + p.text(t.Elem())
	case *types.Slice:
		return "[]" + p.text(t.Elem())
	case *types.Array:
		return fmt.Sprintf("[%d]%s", t.Len(), p.text(t.Elem()))
	case *types.Map:
		return "map[" + p.text(t.Key()) + "]" + p.text(t.Elem())
	case *types.Chan:
		switch t.Dir() {
		case types.SendOnly:
			return "chan<- " + p.text(t.Elem())
		case types.RecvOnly:
			return "<-chan " + p.text(t.Elem())
		}
		return "chan " + p.paren(t.Elem())
	case *types.Signature:
		return "func" + p.signature(t)
	case *types.Struct:
		var b strings.Builder
		b.WriteString("struct{")
		for i := range t.NumFields() {
			f := t.Field(i)
			if i > 0 {
				b.WriteString("; ")
			}
			if !f.Embedded() {
				b.WriteString(f.Name() + " ")
			}
			b.WriteString(p.text(f.Type()))
			if tag := t.Tag(i); tag != "" {
				b.WriteString(" " + strconv.Quote(tag))
			}
		}
		b.WriteString("}")
		return b.String()
	case *types.Interface:
		if t.Empty() {
			return "any"
		}
		var b strings.Builder
		b.WriteString("interface{")
		for i := range t.NumEmbeddeds() {
			b.WriteString(p.text(t.EmbeddedType(i)) + "; ")
		}
		for i := range t.NumExplicitMethods() {
			m := t.ExplicitMethod(i)
			b.WriteString(m.Name() + p.signature(m.Type().(*types.Signature)) + "; ")
		}
		b.WriteString("}")
		return b.String()
	case *types.TypeParam:
		return t.Obj().Name()
	}
	return t.String()
}

func (p *typePrinter) paren(t types.Type) string {
	if c, ok := t.(*types.Chan); ok && c.Dir() == types.RecvOnly {
		return "(" + p.text(t) + ")"
	}
	return p.text(t)
}

func (p *typePrinter) objName(obj *types.TypeName) string {
	if n, ok := p.local[obj]; ok {
		return n
	}
	if obj.Pkg() == nil || obj.Pkg() == p.pkg {
		return obj.Name()
	}
	return p.q.marker(obj.Pkg().Path(), obj.Name())
}

func (p *typePrinter) typeArgs(l *types.TypeList) string {
	if l.Len() == 0 {
		return ""
	}
	parts := make([]string, l.Len())
	for i := range l.Len() {
		parts[i] = p.text(l.At(i))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (p *typePrinter) signature(s *types.Signature) string {
	params := make([]string, s.Params().Len())
	for i := range s.Params().Len() {
		t := s.Params().At(i).Type()
		if s.Variadic() && i == s.Params().Len()-1 {
			params[i] = "..." + p.text(t.(*types.Slice).Elem())
			continue
		}
		params[i] = p.text(t)
	}
	out := "(" + strings.Join(params, ", ") + ")"
	switch s.Results().Len() {
	case 0:
	case 1:
		out += " " + p.text(s.Results().At(0).Type())
	default:
		res := make([]string, s.Results().Len())
		for i := range s.Results().Len() {
			res[i] = p.text(s.Results().At(i).Type())
		}
		out += " (" + strings.Join(res, ", ") + ")"
	}
	return out
}

// zero returns the zero value of t as source.
func (p *typePrinter) zero(t types.Type) string {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			return p.conv(t, "false")
		case u.Info()&types.IsString != 0:
			return p.conv(t, `""`)
		case u.Info()&types.IsNumeric != 0:
			return p.conv(t, "0")
		case u.Kind() == types.UnsafePointer:
			return "nil"
		}
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature, *types.Interface:
		return "nil"
	case *types.Struct, *types.Array:
		return p.text(t) + "{}"
	}
	return "*new(" + p.text(t) + ")"
}

// conv converts an untyped constant lit to named type t.
func (p *typePrinter) conv(t types.Type, lit string) string {
	if _, ok := types.Unalias(t).(*types.Basic); ok {
		return lit
	}
	return p.text(t) + "(" + lit + ")"
}

// typeString prints t relative to pkg, for messages.
func typeString(t types.Type, pkg *types.Package) string {
	return types.TypeString(t, types.RelativeTo(pkg))
}

// unserializable returns why a value of type t cannot be stored in a frame
// by the JSON codec without loss, or "" if it can.
func unserializable(t types.Type, seen map[types.Type]bool) string {
	if seen == nil {
		seen = map[types.Type]bool{}
	}
	if seen[t] {
		return ""
	}
	seen[t] = true
	if isErrorType(t) {
		return ""
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		if why := knownUnserializable(n); why != "" {
			return why
		}
		if hasJSONMethods(n) {
			return ""
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Kind() == types.UnsafePointer:
			return "unsafe.Pointer has no stable value"
		case u.Info()&types.IsComplex != 0:
			return "complex numbers are not supported by the JSON codec"
		}
		return ""
	case *types.Pointer:
		return unserializable(u.Elem(), seen)
	case *types.Slice:
		return unserializable(u.Elem(), seen)
	case *types.Array:
		return unserializable(u.Elem(), seen)
	case *types.Map:
		k := u.Key().Underlying()
		if b, ok := k.(*types.Basic); !ok || b.Info()&(types.IsString|types.IsInteger) == 0 {
			if !hasTextMarshaler(u.Key()) {
				return fmt.Sprintf("map key type %s is not a string or integer", u.Key())
			}
		}
		return unserializable(u.Elem(), seen)
	case *types.Chan:
		return "a channel does not survive a resume"
	case *types.Signature:
		return "a function value does not survive a resume"
	case *types.Interface:
		return "an interface value cannot be decoded without knowing its concrete type; use a concrete type"
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if !f.Exported() {
				return fmt.Sprintf("field %s is unexported and would be lost; export it or implement json.Marshaler and json.Unmarshaler", f.Name())
			}
			if why := unserializable(f.Type(), seen); why != "" {
				return "field " + f.Name() + ": " + why
			}
		}
		return ""
	}
	return ""
}

// knownUnserializable names library types that hold process state.
func knownUnserializable(n *types.Named) string {
	obj := n.Obj()
	if obj.Pkg() == nil {
		return ""
	}
	switch obj.Pkg().Path() + "." + obj.Name() {
	case "os.File", "net.Conn", "net/http.Client", "database/sql.DB", "database/sql.Tx", "database/sql.Rows", "database/sql.Conn", "context.Context":
		return obj.Pkg().Name() + "." + obj.Name() + " is process state that does not survive a resume"
	}
	if obj.Pkg().Path() == "sync" || obj.Pkg().Path() == "sync/atomic" {
		return obj.Pkg().Name() + "." + obj.Name() + " is process state that does not survive a resume"
	}
	return ""
}

func hasMethod(t types.Type, name string) bool {
	for _, typ := range []types.Type{t, types.NewPointer(t)} {
		ms := types.NewMethodSet(typ)
		if ms.Lookup(nil, name) != nil {
			return true
		}
	}
	return false
}

func hasJSONMethods(t types.Type) bool {
	return (hasMethod(t, "MarshalJSON") && hasMethod(t, "UnmarshalJSON")) || hasTextMarshaler(t)
}

func hasTextMarshaler(t types.Type) bool {
	return hasMethod(t, "MarshalText") && hasMethod(t, "UnmarshalText")
}

// exprString prints an expression for messages.
func exprString(e ast.Expr) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, token.NewFileSet(), e)
	return b.String()
}
