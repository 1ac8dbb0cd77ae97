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

// code is what the inspector knows of one workflow version's code.
type code struct {
	name, version string
	dir           string // the package's directory
	gen           string // the generated file
	sites         []site
}

// siteByID returns the site with checkpoint ID id.
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
	add := func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		for _, c := range parseGenerated(path) {
			key := c.name + "@" + c.version
			if x.byKey[key] == nil {
				x.byKey[key] = c
				x.byName[c.name] = append(x.byName[c.name], c)
			}
		}
	}
	for _, d := range x.defs {
		if path := generatedFile(d); path != "" {
			add(path)
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
				add(path)
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

// parseGenerated reads the workflows of a generated file: each
// descriptor's name, version and frame type, and the sites its frame's
// methods use.
func parseGenerated(path string) []*code {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	siteVars := map[string][]site{}
	type descriptor struct{ name, version, frame string }
	var descs []descriptor
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if len(vs.Names) != 1 || len(vs.Values) != 1 {
				continue
			}
			if sites, ok := siteArray(vs.Values[0]); ok {
				siteVars[vs.Names[0].Name] = sites
				continue
			}
			if name, version, frame, ok := descriptorCall(vs.Values[0]); ok {
				descs = append(descs, descriptor{name, version, frame})
			}
		}
	}
	// The sites each frame type's methods index.
	uses := map[string][]string{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 || fd.Body == nil {
			continue
		}
		recv := typeName(fd.Recv.List[0].Type)
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if ix, ok := n.(*ast.IndexExpr); ok {
				if id, ok := ix.X.(*ast.Ident); ok && siteVars[id.Name] != nil && !contains(uses[recv], id.Name) {
					uses[recv] = append(uses[recv], id.Name)
				}
			}
			return true
		})
	}
	var out []*code
	for _, d := range descs {
		c := &code{name: d.name, version: d.version, dir: filepath.Dir(path), gen: path}
		for _, v := range uses[d.frame] {
			c.sites = append(c.sites, siteVars[v]...)
		}
		out = append(out, c)
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
