package inspector

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/durablegen/durable"
)

// A workflow's checkpoint sites are in its generated code: the array of
// runtime.Site values the machine passes to the runtime at each
// checkpoint. The inspector reads them from the generated file (parsed
// with go/parser, never compiled or run), found either through a
// registered descriptor (the file its frame's methods were compiled
// from) or by looking through the source directories it was given.

// site is one checkpoint of a workflow's generated machine.
type site struct {
	ID   int
	Kind string // "step", "sleep", "await", "compensate", ...
	Name string
	Pos  string // "file.go:line:col", the file relative to dir
}

// code is what the inspector knows of one workflow version's code: the
// sites of its frame and of the frames of the helpers nested in it.
type code struct {
	name, version string
	dir           string // the package's directory
	root          string // the frame type of the workflow
	frames        map[string]*frameCode
	sites         []site // the root frame's, in the order of its sites array
}

// frameCode is a frame type of the generated code: the workflow's or a
// helper's.
type frameCode struct {
	sites   []site
	helpers map[string]string // field name: frame type of the helper nested there
}

// siteByID returns the workflow frame's site with checkpoint ID id.
func (c *code) siteByID(id int) *site {
	if c == nil {
		return nil
	}
	for i := range c.sites {
		if c.sites[i].ID == id {
			return &c.sites[i]
		}
	}
	return nil
}

// eventSite returns the site an event names: by its ID and name in the
// frame first, then in the helpers' frames (whose IDs are their own).
func (c *code) eventSite(frame string, id int, name string) *site {
	if c == nil || id == 0 {
		return nil
	}
	match := func(f *frameCode) *site {
		if f == nil {
			return nil
		}
		for i := range f.sites {
			if s := &f.sites[i]; s.ID == id && (name == "" || s.Name == name) {
				return s
			}
		}
		return nil
	}
	if s := match(c.frames[frame]); s != nil {
		return s
	}
	for _, f := range c.frameOrder() {
		if s := match(c.frames[f]); s != nil {
			return s
		}
	}
	return nil
}

// rootFrame returns the workflow's frame type, "" for no code.
func (c *code) rootFrame() string {
	if c == nil {
		return ""
	}
	return c.root
}

// frameOrder returns the workflow's frame and its helpers' frames,
// depth first in field order.
func (c *code) frameOrder() []string {
	var out []string
	var walk func(string)
	walk = func(f string) {
		if contains(out, f) || c.frames[f] == nil {
			return
		}
		out = append(out, f)
		fc := c.frames[f]
		for _, field := range sortedKeys(fc.helpers) {
			walk(fc.helpers[field])
		}
	}
	walk(c.root)
	return out
}

// allSites returns the sites of every frame of the workflow.
func (c *code) allSites() []site {
	var out []site
	for _, f := range c.frameOrder() {
		out = append(out, c.frames[f].sites...)
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// maxWalk bounds the directory entries looked at when searching source
// directories for generated files, so that a directory given by mistake
// (a home directory) costs a bounded time once.
const maxWalk = 50_000

// codeIndex finds the code of workflows, once per generated file.
type codeIndex struct {
	defs []durable.Definition
	dirs []string

	mu     sync.Mutex
	loaded bool
	byKey  map[string]*code   // "name@version"
	byName map[string][]*code // every version found
}

func newCodeIndex(defs []durable.Definition, dirs []string) *codeIndex {
	return &codeIndex{defs: defs, dirs: dirs}
}

// find returns the code of workflow name at version, or else of another
// version of it (exact is then false), or nil.
func (x *codeIndex) find(name, version string) (c *code, exact bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.loaded {
		x.load()
		x.loaded = true
	}
	if c := x.byKey[name+"@"+version]; c != nil {
		return c, true
	}
	if cs := x.byName[name]; len(cs) > 0 {
		return cs[0], false
	}
	return nil, false
}

func (x *codeIndex) load() {
	x.byKey = map[string]*code{}
	x.byName = map[string][]*code{}
	seen := map[string]bool{}
	add := func(dir string) {
		if seen[dir] {
			return
		}
		seen[dir] = true
		for _, c := range parsePackage(dir) {
			key := c.name + "@" + c.version
			if x.byKey[key] == nil {
				x.byKey[key] = c
				x.byName[c.name] = append(x.byName[c.name], c)
			}
		}
	}
	for _, d := range x.defs {
		if path := generatedFile(d); path != "" {
			add(filepath.Dir(path))
		}
	}
	for _, dir := range x.dirs {
		n := 0
		filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
			if n++; n > maxWalk {
				return filepath.SkipAll
			}
			if err != nil {
				return nil
			}
			name := e.Name()
			if e.IsDir() {
				if path != dir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, "_durable.go") {
				add(filepath.Dir(path))
			}
			return nil
		})
	}
}

// generatedFile returns the path of the generated file of d, as compiled
// into this binary: the file of its frame's UnmarshalFrame method, which
// durablegen emits before any line directive. It is "" when the binary
// does not say (a stripped or moved build is then read from the source
// directories, if any).
func generatedFile(d durable.Definition) (path string) {
	defer func() {
		if recover() != nil { // a machine constructor that panics on a zero receiver
			path = ""
		}
	}()
	m := d.NewMachine()
	if m == nil {
		return ""
	}
	meth, ok := reflect.TypeOf(m).MethodByName("UnmarshalFrame")
	if !ok {
		return ""
	}
	fn := goruntime.FuncForPC(meth.Func.Pointer())
	if fn == nil {
		return ""
	}
	file, _ := fn.FileLine(fn.Entry())
	if !strings.HasSuffix(file, "_durable.go") {
		return ""
	}
	if _, err := os.Stat(file); err != nil {
		return ""
	}
	return file
}

// parsePackage reads the workflows of the generated files of a package
// directory: each descriptor's name, version and frame type, the sites
// each frame type's methods use, and the helper frames nested in each.
func parsePackage(dir string) []*code {
	paths, _ := filepath.Glob(filepath.Join(dir, "*_durable.go"))
	siteVars := map[string][]site{}
	type descriptor struct{ name, version, frame string }
	var descs []descriptor
	uses := map[string][]string{}            // frame type: the site arrays its methods index
	fields := map[string]map[string]string{} // struct type: pointer field: pointed-to type
	frames := map[string]bool{}              // types with an UnmarshalFrame method
	var files []*ast.File
	for _, path := range paths {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		files = append(files, f)
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				switch spec := spec.(type) {
				case *ast.ValueSpec:
					if len(spec.Names) != 1 || len(spec.Values) != 1 {
						continue
					}
					if sites, ok := siteArray(spec.Values[0]); ok {
						siteVars[spec.Names[0].Name] = sites
					} else if name, version, frame, ok := descriptorCall(spec.Values[0]); ok {
						descs = append(descs, descriptor{name, version, frame})
					}
				case *ast.TypeSpec:
					if st, ok := spec.Type.(*ast.StructType); ok {
						fields[spec.Name.Name] = pointerFields(st)
					}
				}
			}
		}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 || fd.Body == nil {
				continue
			}
			recv := typeName(fd.Recv.List[0].Type)
			if fd.Name.Name == "UnmarshalFrame" {
				frames[recv] = true
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if ix, ok := n.(*ast.IndexExpr); ok {
					if id, ok := ix.X.(*ast.Ident); ok && siteVars[id.Name] != nil && !contains(uses[recv], id.Name) {
						uses[recv] = append(uses[recv], id.Name)
					}
				}
				return true
			})
		}
	}
	table := map[string]*frameCode{}
	for t := range frames {
		fc := &frameCode{helpers: map[string]string{}}
		for _, v := range uses[t] {
			fc.sites = append(fc.sites, siteVars[v]...)
		}
		for field, typ := range fields[t] {
			if frames[typ] {
				fc.helpers[field] = typ
			}
		}
		table[t] = fc
	}
	var out []*code
	for _, d := range descs {
		if table[d.frame] == nil {
			continue
		}
		out = append(out, &code{name: d.name, version: d.version, dir: dir, root: d.frame, frames: table, sites: table[d.frame].sites})
	}
	return out
}

// pointerFields returns the fields of st whose type is a pointer to a
// named type, by the name of that type.
func pointerFields(st *ast.StructType) map[string]string {
	out := map[string]string{}
	for _, f := range st.Fields.List {
		star, ok := f.Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		if id, ok := star.X.(*ast.Ident); ok {
			for _, n := range f.Names {
				out[n.Name] = id.Name
			}
		}
	}
	return out
}

// siteArray reads a composite literal of runtime.Site values.
func siteArray(e ast.Expr) ([]site, bool) {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, false
	}
	at, ok := lit.Type.(*ast.ArrayType)
	if !ok {
		return nil, false
	}
	if sel, ok := at.Elt.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Site" {
		return nil, false
	}
	sites := []site{}
	for _, el := range lit.Elts {
		cl, ok := el.(*ast.CompositeLit)
		if !ok {
			continue
		}
		var s site
		for _, kv := range cl.Elts {
			kv, ok := kv.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			key, _ := kv.Key.(*ast.Ident)
			val, _ := kv.Value.(*ast.BasicLit)
			if key == nil || val == nil {
				continue
			}
			switch key.Name {
			case "ID":
				s.ID, _ = strconv.Atoi(val.Value)
			case "Kind":
				s.Kind, _ = strconv.Unquote(val.Value)
			case "Name":
				s.Name, _ = strconv.Unquote(val.Value)
			case "Pos":
				s.Pos, _ = strconv.Unquote(val.Value)
			}
		}
		sites = append(sites, s)
	}
	return sites, true
}

// descriptorCall reads a descriptor's declaration,
// durable.NewWorkflow[In, Out](name, version, func() any { return new(frame) })...
// (or NewMethodWorkflow, whose constructor returns &frame{...}).
func descriptorCall(e ast.Expr) (name, version, frame string, ok bool) {
	ast.Inspect(e, func(n ast.Node) bool {
		call, isCall := n.(*ast.CallExpr)
		if !isCall || ok {
			return !ok
		}
		fun := call.Fun
		switch f := fun.(type) {
		case *ast.IndexListExpr:
			fun = f.X
		case *ast.IndexExpr:
			fun = f.X
		}
		sel, isSel := fun.(*ast.SelectorExpr)
		if !isSel || (sel.Sel.Name != "NewWorkflow" && sel.Sel.Name != "NewMethodWorkflow") || len(call.Args) < 3 {
			return true
		}
		n1, ok1 := stringLit(call.Args[0])
		v1, ok2 := stringLit(call.Args[1])
		if !ok1 || !ok2 {
			return true
		}
		name, version = n1, v1
		ast.Inspect(call.Args[2], func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, isID := n.Fun.(*ast.Ident); isID && id.Name == "new" && len(n.Args) == 1 && frame == "" {
					frame = typeName(n.Args[0])
				}
			case *ast.CompositeLit:
				if frame == "" {
					frame = typeName(n.Type)
				}
			}
			return true
		})
		ok = frame != ""
		return false
	})
	return name, version, frame, ok
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// typeName returns the name of a (pointer to a) named type expression.
func typeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return typeName(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return typeName(t.X)
	case *ast.IndexListExpr:
		return typeName(t.X)
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
