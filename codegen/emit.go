package codegen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"go/types"
	"maps"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
	"golang.org/x/tools/go/packages"

	"github.com/durablegen/durable/internal/names"
)

// emitWorkflow returns the generated declarations of a workflow as source
// text with qualified-name markers: first those without line directives,
// then the machine (Run and the saga's methods). A file holds the first
// part of each of its workflows before any machine, so that the code of
// those declarations keeps the generated file's own name and line: the
// runtime finds the package's directory through them (see
// runtime.panicSite).
func (l *lowerer) emitWorkflow(frameType string) (decls, machine string) {
	wf := l.wf
	name := wf.decl.Name.Name
	fv, xv := l.fv, l.xv
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	inType, outType := l.tp.text(wf.in.Type()), l.tp.text(wf.out)
	l.thread() // before the layout is fingerprinted: it names the states commits resume at

	for _, d := range l.decls {
		w("%s\n\n", d)
	}
	w("// %s is the frame of workflow %s: its machine state and the variables\n// that live across its checkpoints.\n", frameType, name)
	l.emitFrameType(w)
	l.emitSites(w)

	id := wf.id()
	if wf.recv == nil {
		w("// %sWorkflow is the descriptor of workflow %s: register it with a\n// runtime.Worker and start instances with runtime.Start.\n", id, name)
		w("var %sWorkflow = %s[%s, %s](%q, %q, func() any { return new(%s) }).WithFunc(%s)%s\n\n",
			id, l.q.marker(names.DurablePkg, "NewWorkflow"), inType, outType,
			wf.qualifiedName(), l.fingerprint(), frameType, name, l.errorsText())
	} else {
		recvType := l.tp.text(wf.recv.Type())
		set := ""
		if f := l.frame[wf.recv]; f != nil {
			set = f.name + ": r"
		}
		w("// %sWorkflow is the descriptor of workflow method %s: bind it to a\n// receiver, then register it with a runtime.Worker and start instances\n// with runtime.Start.\n", id, name)
		w("var %sWorkflow = %s[%s, %s, %s](%q, %q, func(r %s) any { return &%s{%s} }, (%s).%s)%s\n\n",
			id, l.q.marker(names.DurablePkg, "NewMethodWorkflow"), recvType, inType, outType,
			wf.qualifiedName(), l.fingerprint(), recvType, frameType, set, recvType, name, l.errorsText())
	}

	in := "_"
	if f := l.frame[wf.in]; f != nil {
		in = "in"
	}
	w("// SetInput stores the workflow's input in a new frame.\nfunc (%s *%s) SetInput(%s %s) {\n", fv, frameType, in, inType)
	if in != "_" {
		w("%s.%s = in\n", fv, l.frame[wf.in].name)
	}
	w("}\n\n")

	l.emitCodec(w)
	l.emitClosures(w)

	decls = b.String()
	b.Reset()
	w("// Run executes the workflow from its current state until it returns or\n// a checkpoint suspends it.\nfunc (%s *%s) Run(%s *%s) error {\n", fv, frameType, xv, l.q.marker(names.RuntimePkg, "Exec"))
	method := l.emitSaga(frameType)
	w("%s", l.machineBody())
	w("%s", method)
	return decls, b.String()
}

var markerRE = regexp.MustCompile(qualPrefix + `(\d+)x`)

// render turns the marked source of a file into a formatted Go file with
// jennifer: markers become Quals, which own the import block. pkgScope
// holds the names declared at package level, which no import may take.
func render(pkg *packages.Package, src *ast.File, q *quals, text string, pkgScope map[string]bool) ([]byte, error) {
	f := jen.NewFilePathName(pkg.PkgPath, pkg.Name)
	f.HeaderComment(names.GeneratedHead)
	for path, name := range importNames(pkg, src, q, text, pkgScope) {
		if name == packageName(pkg, path) {
			f.ImportName(path, name)
		} else {
			f.ImportAlias(path, name)
		}
	}
	var code []jen.Code
	last := 0
	for _, m := range markerRE.FindAllStringSubmatchIndex(text, -1) {
		code = append(code, jen.Id(text[last:m[0]]))
		n, _ := strconv.Atoi(text[m[2]:m[3]])
		code = append(code, jen.Qual(q.list[n].path, q.list[n].name))
		last = m[1]
	}
	code = append(code, jen.Id(text[last:]))
	f.Add(code...)
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// thread removes states that only jump elsewhere and states nothing jumps
// to, redirecting jumps to their final target.
func (l *lowerer) thread() {
	jumpRE := regexp.MustCompile(`(\b` + regexp.QuoteMeta(l.fv) + `\.pc = |Commit\(&` + regexp.QuoteMeta(l.fv) + `\.pc, )(\d+)\b`)
	alias := map[int]int{}
	for _, b := range l.blocks {
		if b.id != 0 && b.done && len(b.stmts) == 1 {
			if m := jumpRE.FindStringSubmatch(b.stmts[0]); m != nil && m[0] == b.stmts[0] {
				n, _ := strconv.Atoi(m[2])
				alias[b.id] = n
			}
		}
	}
	resolve := func(id int) int {
		for seen := 0; seen < len(l.blocks); seen++ {
			next, ok := alias[id]
			if !ok {
				return id
			}
			id = next
		}
		return id // a cycle of empty states: an infinite loop in the source
	}
	used := map[int]bool{0: true}
	if l.saga != nil && l.saga.state != nil {
		used[l.saga.state.id] = true // entered by the runtime when the workflow fails
	}
	for _, b := range l.blocks {
		for i, s := range b.stmts {
			b.stmts[i] = jumpRE.ReplaceAllStringFunc(s, func(m string) string {
				sub := jumpRE.FindStringSubmatch(m)
				n, _ := strconv.Atoi(sub[2])
				return sub[1] + strconv.Itoa(resolve(n))
			})
		}
	}
	for _, b := range l.blocks {
		if _, skip := alias[b.id]; skip {
			continue
		}
		for _, s := range b.stmts {
			for _, m := range jumpRE.FindAllStringSubmatch(s, -1) {
				n, _ := strconv.Atoi(m[2])
				used[n] = true
			}
		}
	}
	var keep []*block
	for _, b := range l.blocks {
		if used[b.id] {
			keep = append(keep, b)
		}
	}
	l.blocks = keep
}

// basicCodec names the typed Encoder method for t ("int", "string",
// "bool", "error"), or "" to go through encoding/json.
func basicCodec(t types.Type) string {
	if isErrorType(t) {
		return "error"
	}
	b, ok := t.(*types.Basic)
	if !ok {
		return ""
	}
	switch b.Kind() {
	case types.Int, types.Int8, types.Int16, types.Int32, types.Int64, types.Uint8, types.Uint16, types.Uint32:
		return "int"
	case types.String:
		return "string"
	case types.Bool:
		return "bool"
	}
	return ""
}

// importNames chooses the name of each package the generated code refers
// to: the name the source file gives it or the package's own name, unless
// that name is declared at package level or appears in the generated code
// (a user's local, a generated variable), where it would collide or be
// shadowed; then the first of name1, name2, ... that is free.
func importNames(pkg *packages.Package, src *ast.File, q *quals, text string, pkgScope map[string]bool) map[string]string {
	taken := maps.Clone(pkgScope)
	for id := range textIdents(text) {
		taken[id] = true
	}
	userAlias := map[string]string{}
	for _, imp := range src.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if imp.Name != nil && imp.Name.Name != "_" && imp.Name.Name != "." {
			userAlias[p] = imp.Name.Name
		}
	}
	var paths []string
	seen := map[string]bool{}
	for _, m := range markerRE.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		if p := q.list[n].path; !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	// The durable packages first, so that they keep their names when they
	// can; then by path.
	rank := func(p string) int {
		switch p {
		case names.DurablePkg:
			return 0
		case names.RuntimePkg:
			return 1
		}
		return 2
	}
	sort.Slice(paths, func(i, j int) bool {
		if rank(paths[i]) != rank(paths[j]) {
			return rank(paths[i]) < rank(paths[j])
		}
		return paths[i] < paths[j]
	})
	out := map[string]string{}
	for _, p := range paths {
		base := packageName(pkg, p)
		var name string
		for _, c := range []string{userAlias[p], base} {
			if c != "" && !taken[c] && token.IsIdentifier(c) {
				name = c
				break
			}
		}
		for i := 1; name == ""; i++ {
			if c := fmt.Sprintf("%s%d", base, i); !taken[c] {
				name = c
			}
		}
		taken[name] = true
		out[p] = name
	}
	return out
}

// textIdents returns the identifiers of generated source text that are not
// markers or selected names (x.Name).
func textIdents(text string) map[string]bool {
	out := map[string]bool{}
	fset := token.NewFileSet()
	var s scanner.Scanner
	s.Init(fset.AddFile("", -1, len(text)), []byte(text), nil, 0)
	prev := token.ILLEGAL
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.IDENT && prev != token.PERIOD && !strings.HasPrefix(lit, qualPrefix) {
			out[lit] = true
		}
		prev = tok
	}
}

// packageName returns the declared name of the package at path.
func packageName(pkg *packages.Package, p string) string {
	switch p {
	case names.DurablePkg:
		return "durable"
	case names.RuntimePkg:
		return "runtime"
	}
	seen := map[*types.Package]bool{}
	var find func(ps []*types.Package) string
	find = func(ps []*types.Package) string {
		for _, ip := range ps {
			if seen[ip] {
				continue
			}
			seen[ip] = true
			if ip.Path() == p {
				return ip.Name()
			}
			if n := find(ip.Imports()); n != "" {
				return n
			}
		}
		return ""
	}
	if n := find(pkg.Types.Imports()); n != "" {
		return n
	}
	return path.Base(p)
}

// emitFrameType writes the frame's struct type.
func (l *lowerer) emitFrameType(w func(string, ...any)) {
	w("type %s%s struct {\npc int\n", strings.TrimSuffix(l.frameType, l.typeArgs), l.typeParams)
	for _, f := range l.fields {
		switch {
		case f.helper != nil:
			w("%s *%s%s\n", f.name, l.frameTypeText(f.helper), f.inst)
		case f.raw != "":
			w("%s %s\n", f.name, f.raw)
		case f.boxed:
			w("%s *%s\n", f.name, l.tp.text(f.typ))
		default:
			w("%s %s\n", f.name, l.tp.text(f.typ))
		}
	}
	w("}\n\n")
}

// emitSites writes the checkpoints' sites.
func (l *lowerer) emitSites(w func(string, ...any)) {
	w("var %s = [...]%s{\n", l.sitesVar, l.q.marker(names.RuntimePkg, "Site"))
	for _, s := range l.sites {
		w("{ID: %d, Kind: %q, Name: %q, Pos: %q", s.id, s.kind, s.name, s.pos)
		if pol := l.policyText(s.policy); !strings.HasSuffix(pol, "{}") {
			w(", Policy: %s", pol)
		}
		if s.inMemory {
			w(", InMemory: true")
		}
		w("},\n")
	}
	w("}\n\n")
}

// emitCodec writes MarshalFrame and UnmarshalFrame.
func (l *lowerer) emitCodec(w func(string, ...any)) {
	fv := l.fv
	w("// MarshalFrame writes the serialized fields of the frame.\nfunc (%s *%s) MarshalFrame(e *%s) {\n", fv, l.frameType, l.q.marker(names.RuntimePkg, "Encoder"))
	w("e.Int(\"pc\", int64(%s.pc))\n", fv)
	for _, f := range l.fields {
		if !f.ser {
			continue
		}
		switch codec := basicCodec(f.typ); {
		case f.helper != nil:
			w("if %s.%s != nil {\ne.Frame(%q, %s.%s)\n}\n", fv, f.name, f.name, fv, f.name)
		case l.closureField(f):
			w("e.Closure(%q, %s.%s, %s)\n", f.name, fv, f.name, l.closures.table)
		case len(f.refs) > 0:
			l.emitPointerMarshal(w, f)
		case f.boxed:
			// The variable, once its box exists (a box holding nil is not
			// a box not yet made).
			w("if %s.%s != nil {\n%s(e, %q, *%s.%s)\n}\n", fv, f.name, l.rt("Field"), f.name, fv, f.name)
		case codec == "error":
			w("e.Error(%q, %s.%s)\n", f.name, fv, f.name)
		case codec == "int":
			w("e.Int(%q, int64(%s.%s))\n", f.name, fv, f.name)
		case codec == "string":
			w("e.String(%q, %s.%s)\n", f.name, fv, f.name)
		case codec == "bool":
			w("e.Bool(%q, %s.%s)\n", f.name, fv, f.name)
		default:
			w("%s(e, %q, %s.%s)\n", l.rt("Field"), f.name, fv, f.name)
		}
	}
	if len(l.aliasSlots) > 0 {
		w("e.Aliases(%s)\n", l.aliasArgs())
	}
	w("}\n\n")

	w("// UnmarshalFrame restores the fields written by MarshalFrame.\nfunc (%s *%s) UnmarshalFrame(d *%s) error {\n", fv, l.frameType, l.q.marker(names.RuntimePkg, "Decoder"))
	l.pointerDecodeVars(w)
	w("for d.Next() {\nswitch d.Key() {\ncase \"pc\":\n%s.pc = int(d.Int())\n", fv)
	if len(l.aliasSlots) > 0 {
		w("case \"$alias\":\nd.Aliases()\n")
	}
	for _, f := range l.fields {
		if !f.ser {
			continue
		}
		switch codec := basicCodec(f.typ); {
		case f.helper != nil:
			w("case %q:\n%s.%s = new(%s%s)\nd.Frame(%s.%s)\n", f.name, fv, f.name, l.frameTypeText(f.helper), f.inst, fv, f.name)
		case l.closureField(f):
			w("case %q:\n%s\n", f.name, l.closureDecode(f))
		case len(f.refs) > 0:
			l.emitPointerDecode(w, f)
			w("case %q:\n%s(d, &%s.%s)\n", f.name, l.rt("Value"), fv, f.name)
		case f.boxed:
			w("case %q:\n%s.%s = new(%s)\n%s(d, %s.%s)\n", f.name, fv, f.name, l.tp.text(f.typ), l.rt("Value"), fv, f.name)
		case codec == "error":
			w("case %q:\n%s.%s = d.Error()\n", f.name, fv, f.name)
		case codec == "int":
			w("case %q:\n%s.%s = %s(d.Int())\n", f.name, fv, f.name, f.typ.(*types.Basic).Name())
		case codec == "string":
			w("case %q:\n%s.%s = d.String()\n", f.name, fv, f.name)
		case codec == "bool":
			w("case %q:\n%s.%s = d.Bool()\n", f.name, fv, f.name)
		default:
			w("case %q:\n%s(d, &%s.%s)\n", f.name, l.rt("Value"), fv, f.name)
		}
	}
	w("}\n}\n")
	if len(l.aliasSlots) > 0 {
		w("d.ShareAliases(%s)\n", l.aliasArgs())
	}
	l.pointerFixups(w)
	w("return d.Err()\n}\n\n")

}

// machineBody returns the body of the Run method: the dispatch loop over
// the states, and its closing brace.
func (l *lowerer) machineBody() string {
	fv := l.fv
	var b strings.Builder
	var body strings.Builder
	for _, blk := range l.blocks {
		fmt.Fprintf(&body, "case %d:\n", blk.id)
		for _, s := range blk.stmts {
			body.WriteString(s + "\n")
		}
		if !blk.done {
			body.WriteString("panic(\"durable: unreachable machine state\")\n")
		}
	}
	fmt.Fprintf(&body, "default:\nreturn %s(%s.pc)\n", l.rt("BadState"), fv)
	text := body.String()
	if strings.Contains(text, "continue "+l.label+"\n") {
		b.WriteString(l.label + ":\n")
	}
	b.WriteString(fmt.Sprintf("for {\nswitch %s.pc {\n%s}\n}\n}\n\n", fv, text))
	return b.String()
}
