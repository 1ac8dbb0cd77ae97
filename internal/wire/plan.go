package wire

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// how says how values of a type are encoded.
type how uint8

const (
	byKind  how = iota // by reflect kind
	asTime             // time.Time: the special form
	asJSON             // MarshalJSON / UnmarshalJSON
	asText             // MarshalText / UnmarshalText
	asBytes            // a slice of bytes: base64, as encoding/json
	asError            // the error interface: the caller's ErrorCodec
)

// plan is what encoding and decoding a type needs, computed once per
// type from the type alone.
type plan struct {
	t   reflect.Type
	how how
	// addr: the marshal method is declared on *t, so it needs an
	// addressable value.
	addr bool
	// text: t has MarshalText and UnmarshalText, used for map keys even
	// when t is encoded by MarshalJSON elsewhere.
	text bool
	// pairs: a map whose keys are structs or arrays, stored as an array
	// of [key, value] pairs.
	pairs  bool
	fields []field // structs
	err    error   // why a struct type, or a map's key type, cannot be stored
	elem   atomic.Pointer[plan]
	key    atomic.Pointer[plan]
}

type field struct {
	name   string
	key    []byte // the encoded name followed by ':'
	index  []int
	typ    reflect.Type
	quoted bool // the ",string" option
	plan   atomic.Pointer[plan]
}

// plans caches a plan per type. Plans depend only on their type and are
// never changed once stored, so the cache is invisible to callers except
// for speed, like encoding/json's and reflect's own caches.
var plans sync.Map // reflect.Type → *plan

var (
	marshalerType       = reflect.TypeFor[json.Marshaler]()
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType            = reflect.TypeFor[time.Time]()
	errorType           = reflect.TypeFor[error]()
)

func planOf(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	p := newPlan(t)
	actual, _ := plans.LoadOrStore(t, p)
	return actual.(*plan)
}

func (p *plan) elemPlan() *plan {
	if e := p.elem.Load(); e != nil {
		return e
	}
	e := planOf(p.t.Elem())
	p.elem.Store(e)
	return e
}

func (p *plan) keyPlan() *plan {
	if k := p.key.Load(); k != nil {
		return k
	}
	k := planOf(p.t.Key())
	p.key.Store(k)
	return k
}

func (f *field) planOf() *plan {
	if p := f.plan.Load(); p != nil {
		return p
	}
	p := planOf(f.typ)
	f.plan.Store(p)
	return p
}

func newPlan(t reflect.Type) *plan {
	p := &plan{t: t}
	switch {
	case t == timeType:
		p.how = asTime
		return p
	case t == errorType:
		p.how = asError
		return p
	case t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface:
		return p
	}
	pt := reflect.PointerTo(t)
	p.text = pt.Implements(textMarshalerType) && pt.Implements(textUnmarshalerType)
	switch {
	case pt.Implements(marshalerType) && pt.Implements(unmarshalerType):
		p.how, p.addr = asJSON, !t.Implements(marshalerType)
	case p.text:
		p.how, p.addr = asText, !t.Implements(textMarshalerType)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && !userEncoded(t.Elem()):
		p.how = asBytes
	case t.Kind() == reflect.Struct:
		p.fields, p.err = structFields(t)
	case t.Kind() == reflect.Map:
		p.pairs, p.err = keyForm(t.Key())
	}
	return p
}

// keyForm reports whether a map with keys of type k is stored as an
// array of pairs (struct and array keys, stored as values), and why such
// keys cannot be stored. Other keys are object names (see mapKey).
func keyForm(k reflect.Type) (pairs bool, err error) {
	if k == timeType || reflect.PointerTo(k).Implements(textMarshalerType) && reflect.PointerTo(k).Implements(textUnmarshalerType) {
		return false, nil
	}
	switch k.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return false, nil
	case reflect.Struct, reflect.Array:
	default:
		return false, fmt.Errorf("cannot store a map with keys of type %s", k)
	}
	if path := keyPointer(k, k.String()); path != "" {
		return true, fmt.Errorf("cannot store a map with keys of type %s: %s, whose identity a decoded key would not keep", k, path)
	}
	return true, nil
}

// keyPointer returns where key type t (named path) holds a pointer, an
// interface or a channel, or "". A type that encodes itself, and
// time.Time, are values.
func keyPointer(t reflect.Type, path string) string {
	if p := planOf(t); t == timeType || p.how == asJSON || p.how == asText {
		return ""
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.UnsafePointer:
		return path + " is a pointer"
	case reflect.Interface:
		return path + " is an interface"
	case reflect.Chan:
		return path + " is a channel"
	case reflect.Array:
		return keyPointer(t.Elem(), path+"[i]")
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if why := keyPointer(f.Type, path+"."+f.Name); why != "" {
				return why
			}
		}
	}
	return ""
}

// userEncoded reports whether t or *t has a marshal method, which makes
// encoding/json write a byte slice of t as an array.
func userEncoded(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(marshalerType) || pt.Implements(textMarshalerType)
}

// candidate is a field found while flattening a struct.
type candidate struct {
	name   string
	index  []int
	typ    reflect.Type
	quoted bool
	owner  string // index path of the last embedded pointer on the way, or ""
}

// structFields lists the fields of struct type t as they are stored:
// named as encoding/json names them, embedded structs promoted, in field
// order. It fails for every field encoding/json would drop.
func structFields(t reflect.Type) ([]field, error) {
	type embedded struct {
		t     reflect.Type
		index []int
		path  string // Go selector path, for messages
		owner string
	}
	var (
		found   []candidate
		ptrs    = map[string]string{} // index path of each embedded pointer → its selector path
		visited = map[reflect.Type]string{}
		next    = []embedded{{t: t}}
	)
	for len(next) > 0 {
		level := next
		next = nil
		for _, s := range level {
			if first, ok := visited[s.t]; ok {
				if s.t.NumField() == 0 {
					continue
				}
				// encoding/json promotes the fields of a struct type once.
				if first == "" {
					first = "the type itself"
				}
				return nil, fmt.Errorf("type %s: embedded field %s has type %s, already embedded as %s, so its fields would be lost", t, s.path, s.t, first)
			}
			visited[s.t] = s.path
			for i := range s.t.NumField() {
				sf := s.t.Field(i)
				index := append(slices.Clip(s.index), i)
				path := sf.Name
				if s.path != "" {
					path = s.path + "." + sf.Name
				}
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					tag = "" // stored, as if untagged
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				if sf.Anonymous {
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						return nil, fmt.Errorf("type %s: embedded field %s is unexported and not a struct, so it is not stored", t, path)
					}
					if name == "" && ft.Kind() == reflect.Struct {
						owner := s.owner
						if sf.Type.Kind() == reflect.Pointer {
							if !sf.IsExported() {
								return nil, fmt.Errorf("type %s: embedded field %s is a pointer to an unexported struct type, which cannot be allocated when decoding", t, path)
							}
							owner = indexKey(index)
							ptrs[owner] = path
						}
						next = append(next, embedded{t: ft, index: index, path: path, owner: owner})
						continue
					}
				} else if !sf.IsExported() {
					return nil, fmt.Errorf("type %s: field %s is unexported, so it is not stored", t, path)
				}
				f := candidate{owner: s.owner}
				f.name = name
				if name == "" {
					f.name = sf.Name
				}
				f.index, f.typ = index, sf.Type
				if hasOption(opts, "string") {
					switch ft.Kind() {
					case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
						reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
						reflect.Float32, reflect.Float64, reflect.String:
						f.quoted = true
					}
				}
				found = append(found, f)
			}
		}
	}
	if err := checkNames(t, found); err != nil {
		return nil, err
	}
	for owner, path := range ptrs {
		if !slices.ContainsFunc(found, func(f candidate) bool { return f.owner == owner }) {
			return nil, fmt.Errorf("type %s: embedded pointer %s has no field of its own to store, so whether it is nil is lost", t, path)
		}
	}
	slices.SortFunc(found, func(a, b candidate) int { return slices.Compare(a.index, b.index) })
	fields := make([]field, len(found))
	for i, f := range found {
		fields[i] = field{name: f.name, key: append(AppendString(nil, f.name), ':'), index: f.index, typ: f.typ, quoted: f.quoted}
	}
	return fields, nil
}

// checkNames fails if two fields get the same name: encoding/json would
// keep at most one of them.
func checkNames(t reflect.Type, found []candidate) error {
	byName := map[string]int{}
	for i, f := range found {
		j, dup := byName[f.name]
		if !dup {
			byName[f.name] = i
			continue
		}
		return fmt.Errorf("type %s: fields %s and %s are both named %q in JSON, so one would be lost", t, selector(t, found[j].index), selector(t, f.index), f.name)
	}
	return nil
}

func selector(t reflect.Type, index []int) string {
	var parts []string
	for _, i := range index {
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		f := t.Field(i)
		parts = append(parts, f.Name)
		t = f.Type
	}
	return strings.Join(parts, ".")
}

func indexKey(index []int) string { return fmt.Sprint(index) }

func hasOption(opts, name string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == name {
			return true
		}
	}
	return false
}

// validTagName reports whether encoding/json accepts name as a field
// name from a tag (otherwise it uses the Go name).
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
