package codegen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/durablegen/durable/internal/names"
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
	if _, ok := t.(*types.TypeParam); ok {
		return "*new(" + p.text(t) + ")"
	}
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
// or a payload without loss, or "" if it can. It accepts exactly what the
// runtime's codec (internal/wire) round-trips: keep the two in step (the
// rules are in that package's doc). The reason names the field path and
// says what to do; for a type declared outside module (the standard
// library, another module), which the user cannot change, it says what
// the type is instead.
func unserializable(t types.Type, module string) string {
	why, _ := unstorable(t, module)
	return why
}

// unstorable is unserializable, and reports whether t holds a handle (an
// open file, a connection, a lock), which no encoding could restore.
func unstorable(t types.Type, module string) (why string, handle bool) {
	c := storable{seen: map[types.Type]bool{}, module: module}
	why = c.check(t, false)
	return why, c.handle
}

// storable walks a type as the codec does.
type storable struct {
	seen   map[types.Type]bool
	module string // the module path of the workflow's package, or ""
	handle bool   // a handle was found
}

// check returns why t cannot be stored; inFuture is set inside the
// result type of a durable.Future, whose encoding has no error codec.
func (c *storable) check(t types.Type, inFuture bool) string {
	if c.seen[t] {
		return ""
	}
	c.seen[t] = true
	if _, ok := t.(*types.TypeParam); ok {
		return "" // of a generic helper: its type arguments are checked at each call
	}
	if isErrorType(t) {
		if inFuture {
			return "a durable.Future's result cannot hold error values; return the error as the step's error"
		}
		return ""
	}
	if isNamed(t, "time", "Time") {
		return ""
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		if why := handleType(n); why != "" {
			c.handle = true
			return why
		}
		if obj := n.Obj(); obj.Pkg() != nil && obj.Pkg().Path() == names.DurablePkg && obj.Name() == "Future" && n.TypeArgs().Len() == 1 {
			if why := c.check(n.TypeArgs().At(0), true); why != "" {
				return "durable.Future result: " + why
			}
			return ""
		}
		if c.foreign(n) {
			return c.foreignType(n, inFuture)
		}
	}
	return c.structure(t, inFuture)
}

// structure returns why t cannot be stored, by what it is made of.
func (c *storable) structure(t types.Type, inFuture bool) string {
	switch t.Underlying().(type) {
	case *types.Pointer, *types.Interface:
	default:
		if why, own := c.ownEncoding(t); own {
			return why
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Kind() == types.UnsafePointer:
			return "unsafe.Pointer has no stable value"
		case u.Info()&types.IsComplex != 0:
			return "complex numbers cannot be stored; store the real and imaginary parts as float64"
		}
		return ""
	case *types.Pointer:
		return c.check(u.Elem(), inFuture)
	case *types.Slice:
		return c.check(u.Elem(), inFuture)
	case *types.Array:
		return c.check(u.Elem(), inFuture)
	case *types.Map:
		if why := c.mapKey(u.Key()); why != "" {
			return why
		}
		return c.check(u.Elem(), inFuture)
	case *types.Chan:
		return "a channel does not survive a resume"
	case *types.Signature:
		return "a function value does not survive a resume"
	case *types.Interface:
		return "an interface value cannot be decoded without knowing its concrete type; use a concrete type"
	case *types.Struct:
		fields, why := storedFields(t, u)
		if why != "" {
			return why
		}
		for _, f := range fields {
			if why := c.check(f.typ, inFuture); why != "" {
				return "field " + f.path + ": " + why
			}
		}
		return ""
	}
	return ""
}

// ownEncoding reports whether t is encoded by its own MarshalJSON and
// UnmarshalJSON (or else MarshalText and UnmarshalText) methods, and
// why that loses data when the methods come from an embedded field.
func (c *storable) ownEncoding(t types.Type) (why string, own bool) {
	for _, pair := range [][2]string{{"MarshalJSON", "UnmarshalJSON"}, {"MarshalText", "UnmarshalText"}} {
		m, u := method(t, pair[0], true), method(t, pair[1], false)
		if m == nil || u == nil {
			continue
		}
		return promotedEncoding(t, m, pair), true
	}
	return "", false
}

// promotedEncoding returns why the methods of selection m, promoted
// from an embedded field, would not store t faithfully: fields beside the
// embedded one would be lost, a nil embedded pointer would panic, and
// time.Time's own methods lose its location.
func promotedEncoding(t types.Type, m *types.Selection, pair [2]string) string {
	index := m.Index()
	if len(index) < 2 {
		return ""
	}
	fix := fmt.Sprintf("name the embedded field, or declare %s and %s on %s", pair[0], pair[1], typeName(t))
	cur := t
	path := typeName(t)
	for _, i := range index[:len(index)-1] {
		if p, ok := cur.Underlying().(*types.Pointer); ok {
			cur = p.Elem()
		}
		st, ok := cur.Underlying().(*types.Struct)
		if !ok {
			return ""
		}
		f := st.Field(i)
		path += "." + f.Name()
		if st.NumFields() > 1 {
			return fmt.Sprintf("%s gets %s from its embedded field %s, so its other fields would not be stored; %s", typeName(t), pair[0], path, fix)
		}
		if _, ok := f.Type().Underlying().(*types.Pointer); ok {
			return fmt.Sprintf("%s gets %s from its embedded pointer %s, which panics when the pointer is nil; %s", typeName(t), pair[0], path, fix)
		}
		if isNamed(f.Type(), "time", "Time") {
			return fmt.Sprintf("%s gets %s from its embedded time.Time %s, which drops the time's location; %s", typeName(t), pair[0], path, fix)
		}
		cur = f.Type()
	}
	return ""
}

// method returns method name of *t (a marshal method with signature
// func() ([]byte, error), an unmarshal method func([]byte) error), or nil.
func method(t types.Type, name string, marshal bool) *types.Selection {
	sel := types.NewMethodSet(types.NewPointer(t)).Lookup(nil, name)
	if sel == nil {
		return nil
	}
	sig, ok := sel.Type().(*types.Signature)
	if !ok {
		return nil
	}
	bytes := types.NewSlice(types.Typ[types.Byte])
	params, results := sig.Params(), sig.Results()
	if marshal {
		if params.Len() != 0 || results.Len() != 2 || !types.Identical(results.At(0).Type(), bytes) || !isErrorType(results.At(1).Type()) {
			return nil
		}
	} else if params.Len() != 1 || results.Len() != 1 || !types.Identical(params.At(0).Type(), bytes) || !isErrorType(results.At(0).Type()) || sig.Variadic() {
		return nil
	}
	return sel
}

// storableKey reports whether a map key of type k is stored as a string:
// a string kind as it is, a time.Time, a type with MarshalText and
// UnmarshalText, an integer in decimal, a boolean.
func storableKey(k types.Type) bool {
	if isNamed(k, "time", "Time") || hasTextMarshaler(k) {
		return true
	}
	b, ok := k.Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsString|types.IsInteger|types.IsBoolean) != 0
}

// mapKey returns why maps with keys of type k cannot be stored: keys
// stored as strings (storableKey), and structs and arrays of storable
// values without pointers, interfaces or channels (stored as [key, value]
// pairs), can.
func (c *storable) mapKey(k types.Type) string {
	if storableKey(k) {
		return ""
	}
	name := typeName(k)
	switch u := k.Underlying().(type) {
	case *types.Pointer, *types.Chan:
		return fmt.Sprintf("map key type %s is a pointer or a channel, whose identity a decoded key would not keep; key the map by a value, such as an ID", name)
	case *types.Interface:
		return fmt.Sprintf("map key type %s is an interface, whose dynamic type a decoded key would not know; use a concrete key type", name)
	case *types.Basic:
		if u.Info()&(types.IsFloat|types.IsComplex) != 0 {
			return fmt.Sprintf("map key type %s is a floating-point number, which the frame does not store as a key (a NaN key cannot be found again); key the map by an integer or a string", name)
		}
	case *types.Struct, *types.Array:
		if path := keyPointer(k, typeName(k), map[types.Type]bool{}); path != "" {
			return fmt.Sprintf("map key type %s holds a pointer, an interface or a channel (%s), whose identity a decoded key would not keep; key the map by plain values", name, path)
		}
		if why := c.check(k, false); why != "" {
			return "map key: " + why
		}
		return ""
	}
	return fmt.Sprintf("map key type %s is not a string, an integer, a boolean, a time.Time, a type with MarshalText and UnmarshalText, or a struct or array of such", name)
}

// keyPointer returns where key type t (named path) holds a pointer, an
// interface or a channel, or "". A type that encodes itself, and
// time.Time, are values (internal/wire has the same rule).
func keyPointer(t types.Type, path string, seen map[types.Type]bool) string {
	if seen[t] || isNamed(t, "time", "Time") {
		return ""
	}
	seen[t] = true
	if method(t, "MarshalJSON", true) != nil && method(t, "UnmarshalJSON", false) != nil || hasTextMarshaler(t) {
		return ""
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		return path + " is a pointer"
	case *types.Basic:
		if u.Kind() == types.UnsafePointer {
			return path + " is a pointer"
		}
	case *types.Interface:
		return path + " is an interface"
	case *types.Chan:
		return path + " is a channel"
	case *types.Array:
		return keyPointer(u.Elem(), path+"[i]", seen)
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if why := keyPointer(f.Type(), path+"."+f.Name(), seen); why != "" {
				return why
			}
		}
	}
	return ""
}

func isNamed(t types.Type, path, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == path && n.Obj().Name() == name
}

// typeName names t in messages: its name if it has one.
func typeName(t types.Type) string {
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Obj().Name()
	}
	return types.TypeString(t, func(*types.Package) string { return "" })
}

func hasTextMarshaler(t types.Type) bool {
	return method(t, "MarshalText", true) != nil && method(t, "UnmarshalText", false) != nil
}

// storedField is a field of a struct as the codec stores it.
type storedField struct {
	name  string // its JSON name
	path  string // Go selector from the struct's type name, for messages
	typ   types.Type
	index []int
	owner string // path of the last embedded pointer on the way, or ""
}

// storedFields lists the fields of struct type t (underlying st) as the
// codec stores them: named as encoding/json names them (a tag's name, or
// the Go name; a field tagged "-" as if untagged), embedded structs
// without a tag name promoted, unexported embedded structs included. It
// returns why instead for every field encoding/json would drop, which
// the codec refuses too.
func storedFields(t types.Type, st *types.Struct) ([]storedField, string) {
	type embedded struct {
		st    *types.Struct
		key   string
		index []int
		path  string
		owner string
	}
	root := typeName(t)
	var (
		found   []storedField
		ptrs    = map[string]string{} // owner path → selector
		visited = map[string]string{}
		next    = []embedded{{st: st, key: types.TypeString(t, nil), path: root}}
	)
	for len(next) > 0 {
		level := next
		next = nil
		for _, e := range level {
			if first, ok := visited[e.key]; ok {
				if e.st.NumFields() == 0 {
					continue
				}
				return nil, fmt.Sprintf("embedded field %s repeats the struct type embedded as %s, whose fields are stored once, so its own would be lost; name one of the two fields", e.path, first)
			}
			visited[e.key] = e.path
			for i := range e.st.NumFields() {
				f := e.st.Field(i)
				index := append(e.index[:len(e.index):len(e.index)], i)
				path := e.path + "." + f.Name()
				ft := f.Type()
				ptr := false
				if p, ok := types.Unalias(ft).(*types.Pointer); ok {
					ft, ptr = p.Elem(), true
				}
				tag := reflect.StructTag(e.st.Tag(i)).Get("json")
				if tag == "-" {
					tag = ""
				}
				name, _, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				fst, isStruct := ft.Underlying().(*types.Struct)
				if f.Embedded() {
					if !f.Exported() && !isStruct {
						return nil, fmt.Sprintf("embedded field %s is unexported and not a struct, so it would not be stored; give it a name and export it", path)
					}
					if name == "" && isStruct {
						owner := e.owner
						if ptr {
							if !f.Exported() {
								return nil, fmt.Sprintf("embedded field %s is a pointer to an unexported struct type, which cannot be allocated when decoding; embed the struct by value, or export its type", path)
							}
							owner = path
							ptrs[owner] = path
						}
						next = append(next, embedded{st: fst, key: types.TypeString(ft, nil), index: index, path: path, owner: owner})
						continue
					}
				} else if !f.Exported() {
					return nil, fmt.Sprintf("field %s is unexported, so it would not be stored; export it, or give %s MarshalJSON and UnmarshalJSON methods", path, root)
				}
				if name == "" {
					name = f.Name()
				}
				found = append(found, storedField{name: name, path: path, typ: f.Type(), index: index, owner: e.owner})
			}
		}
	}
	byName := map[string]int{}
	for i, f := range found {
		if j, dup := byName[f.name]; dup {
			return nil, fmt.Sprintf("fields %s and %s are both stored as %q (encoding/json would keep at most one), so one would be lost; rename one, or give one a json tag with another name", found[j].path, f.path, f.name)
		}
		byName[f.name] = i
	}
	for owner, path := range ptrs {
		if !slices.ContainsFunc(found, func(f storedField) bool { return f.owner == owner }) {
			return nil, fmt.Sprintf("embedded pointer %s has no field of its own to store, so whether it is nil would be lost; embed it by value, or give it a name", path)
		}
	}
	return found, ""
}

// validTagName reports whether encoding/json accepts name as a field
// name from a tag (otherwise it uses the Go name); internal/wire has the
// same rule.
func validTagName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// exprString prints an expression for messages.
func exprString(e ast.Expr) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, token.NewFileSet(), e)
	return b.String()
}
