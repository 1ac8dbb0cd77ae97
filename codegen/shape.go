package codegen

import (
	"fmt"
	"go/types"
	"sort"
	"strconv"
	"strings"
)

// The shapes of stored types. A frame stores each field with encoding/json,
// so what an old frame decodes into depends on more than the field's type
// name: on the field names, types and tags of the structs it holds, all
// the way down. A layout therefore records, for every named type reachable
// from a serialized field (through struct fields, pointers, slices, arrays
// and map keys and values), one line: the type by package path and name,
// and its underlying type as Go writes it, with struct tags, naming the
// types it holds (which have lines of their own, so recursive types end).
// A type with its own JSON or text codec is recorded by name only: its
// shape is its own business.
//
// Any change to a shape is a change of layout, adding a field included:
// an old frame decodes with the new field zero, which the new code may not
// expect, and the generator cannot tell. Unexported fields count too: the
// frame codec is free to store more than encoding/json does.

// ownCodecShape is the shape recorded for a type that encodes itself.
const ownCodecShape = "(marshals itself)"

// LayoutType is the shape of a named type stored in a frame.
type LayoutType struct {
	Name  string // package path and name; the workflow's own package is left out
	Shape string // the underlying type, or "(marshals itself)"
}

// storedTypes returns the shapes of the named types reachable from ts,
// sorted by name.
func storedTypes(ts []types.Type, pkg *types.Package) []LayoutType {
	qual := types.RelativeTo(pkg)
	seen := map[string]bool{}
	var out []LayoutType
	var visit func(t types.Type)
	visit = func(t types.Type) {
		t = types.Unalias(t)
		switch t := t.(type) {
		case *types.Named:
			if t.Obj().Pkg() == nil { // error
				return
			}
			name := types.TypeString(t, qual)
			if seen[name] {
				return
			}
			seen[name] = true
			if ownCodec(t) {
				out = append(out, LayoutType{Name: name, Shape: ownCodecShape})
				return
			}
			out = append(out, LayoutType{Name: name, Shape: types.TypeString(t.Underlying(), qual)})
			visit(t.Underlying())
		case *types.Pointer:
			visit(t.Elem())
		case *types.Slice:
			visit(t.Elem())
		case *types.Array:
			visit(t.Elem())
		case *types.Map:
			visit(t.Key())
			visit(t.Elem())
		case *types.Struct:
			for i := range t.NumFields() {
				visit(t.Field(i).Type())
			}
		}
	}
	for _, t := range ts {
		visit(t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ownCodec reports whether values of n decode with methods of their own:
// encoding/json then never looks at n's fields.
func ownCodec(n *types.Named) bool {
	ms := types.NewMethodSet(types.NewPointer(n))
	has := func(name string) bool { return ms.Lookup(n.Obj().Pkg(), name) != nil }
	return (has("MarshalJSON") && has("UnmarshalJSON")) || (has("MarshalText") && has("UnmarshalText"))
}

// typeChanges describes how the stored types of lay differ from those of
// old, one line per type: "type Req (in field in): field Acct
// renamed/removed, field Account added". An old entry that records no
// types was written before shapes were, and is not compared.
func typeChanges(old, lay *Layout) []string {
	if len(old.Types) == 0 {
		return nil
	}
	oldShape, newShape := shapes(old), shapes(lay)
	names := make([]string, 0, len(oldShape)+len(newShape))
	for n := range oldShape {
		names = append(names, n)
	}
	for n := range newShape {
		if _, ok := oldShape[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		o, inOld := oldShape[n]
		s, inNew := newShape[n]
		switch {
		case !inOld:
			out = append(out, fmt.Sprintf("type %s%s: now stored", n, via(lay, n)))
		case !inNew:
			out = append(out, fmt.Sprintf("type %s%s: no longer stored", n, via(old, n)))
		case o != s:
			out = append(out, fmt.Sprintf("type %s%s: %s", n, via(lay, n), shapeChange(o, s)))
		}
	}
	return out
}

func shapes(lay *Layout) map[string]string {
	m := make(map[string]string, len(lay.Types))
	for _, t := range lay.Types {
		m[t.Name] = t.Shape
	}
	return m
}

// via returns " (in field f)" for the first frame field of lay that holds
// a value of the named type, directly or nested.
func via(lay *Layout, name string) string {
	shape := shapes(lay)
	for _, f := range lay.Fields {
		seen := map[string]bool{}
		queue := []string{f.Type}
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			for _, t := range lay.Types {
				if seen[t.Name] || !mentions(s, t.Name) {
					continue
				}
				if t.Name == name {
					return " (in field " + f.Name + ")"
				}
				seen[t.Name] = true
				queue = append(queue, shape[t.Name])
			}
		}
	}
	return ""
}

// mentions reports whether the type expression s names the type name (as
// a whole name, not part of a longer one).
func mentions(s, name string) bool {
	isName := func(c byte) bool {
		return c == '_' || c == '.' || c == '/' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
	}
	for i := 0; ; {
		j := strings.Index(s[i:], name)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(name)
		if (j == 0 || !isName(s[j-1])) && (end == len(s) || !isName(s[end]) && s[end] != '[') {
			return true
		}
		i = j + 1
	}
}

// shapeChange describes how the shape of a type changed.
func shapeChange(old, cur string) string {
	switch {
	case cur == ownCodecShape:
		return "now marshals itself (was " + old + ")"
	case old == ownCodecShape:
		return "no longer marshals itself (now " + cur + ")"
	}
	of, oldStruct := structFields(old)
	nf, newStruct := structFields(cur)
	if !oldStruct || !newStruct {
		return "changed from " + old + " to " + cur
	}
	byName := map[string]shapeField{}
	for _, f := range nf {
		byName[f.name] = f
	}
	var out []string
	for _, o := range of {
		n, ok := byName[o.name]
		switch {
		case !ok:
			out = append(out, "field "+o.name+" renamed/removed")
		case n.typ != o.typ:
			out = append(out, fmt.Sprintf("field %s retyped from %s to %s", o.name, o.typ, n.typ))
		case n.tag != o.tag:
			out = append(out, fmt.Sprintf("field %s tag changed from %s to %s", o.name, showTag(o.tag), showTag(n.tag)))
		}
	}
	oldNames := map[string]bool{}
	for _, o := range of {
		oldNames[o.name] = true
	}
	for _, n := range nf {
		if !oldNames[n.name] {
			out = append(out, "field "+n.name+" added")
		}
	}
	if len(out) == 0 {
		return "fields reordered"
	}
	return strings.Join(out, ", ")
}

// shapeField is a field of a struct shape.
type shapeField struct {
	name, typ, tag string // tag as Go quotes it, "" for none
}

// structFields splits a struct shape as types.TypeString writes it,
// struct{A int "json:\"a\""; B}, into its fields.
func structFields(shape string) ([]shapeField, bool) {
	inner, ok := strings.CutPrefix(shape, "struct{")
	if !ok || !strings.HasSuffix(inner, "}") {
		return nil, false
	}
	inner = strings.TrimSuffix(inner, "}")
	var out []shapeField
	for _, part := range splitTop(inner, "; ") {
		if part == "" {
			continue
		}
		f := shapeField{}
		words := splitTop(part, " ")
		if last := words[len(words)-1]; len(words) > 1 && strings.HasPrefix(last, `"`) {
			f.tag, words = last, words[:len(words)-1]
		}
		if len(words) == 1 { // embedded: named after its type
			f.typ = words[0]
			f.name = strings.TrimPrefix(f.typ, "*")
			if i := strings.IndexByte(f.name, '['); i >= 0 {
				f.name = f.name[:i]
			}
			f.name = f.name[strings.LastIndex(f.name, ".")+1:]
		} else {
			f.name, f.typ = words[0], strings.Join(words[1:], " ")
		}
		out = append(out, f)
	}
	return out, true
}

func showTag(tag string) string {
	if tag == "" {
		return "none"
	}
	if s, err := strconv.Unquote(tag); err == nil {
		return "`" + s + "`"
	}
	return tag
}

// splitTop splits s at each sep outside brackets, braces, parentheses and
// quoted strings.
func splitTop(s, sep string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			out = append(out, s[start:i])
			start = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(out, s[start:])
}
