package codegen

import (
	"fmt"
	"go/ast"
	"go/format"
	"go/printer"
	"go/token"
	"go/types"
	"hash/fnv"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ast/astutil"

	"github.com/durablegen/durable/internal/names"
)

// Layouts that resume the instances of earlier ones.
//
// An instance stores its machine state (pc) and its frame's fields by
// name. A new layout can resume an instance of an earlier one of the same
// version when every checkpoint of the earlier one is in the new one and
// resuming there reads nothing the earlier layout did not keep: then the
// stored state numbers are mapped to the new ones (Resumes in the
// generated code, from durable.lock) and the instance goes on in the new
// code from the checkpoint it had reached. Which edits allow it:
//
//   - checkpoints may be added if their step, signal or child is new to
//     the workflow (a second call of an existing step could not be told
//     from the first), anywhere;
//   - a checkpoint may move into or out of an if, or the code between
//     checkpoints change, when the loops and switches around every
//     checkpoint stay as they were (their compiler temporaries are part
//     of the frame);
//   - after each old checkpoint, the new code may read only stored
//     variables and temporaries that the old code read after it too
//     (anything else would hold a value the old code never gave it),
//     with the same types;
//   - a variable stored in both layouts keeps its type.
//
// Layouts with helpers that make checkpoints, closures kept across
// checkpoints, kept pointers or shared memory, compensations, or
// parallel steps resume only instances of an identical layout.

// upgradableKinds are the checkpoint kinds a layout that can resume
// earlier ones may have.
var upgradableKinds = map[string]bool{"step": true, "do": true, "sleep": true, "now": true, "effect": true, "await": true, "child": true}

// upgradable reports whether the layout of the workflow being lowered
// can resume instances of earlier layouts (see above).
func (l *lowerer) upgradable() bool {
	if l.wf.helper != nil || len(l.calls) > 0 || l.saga != nil || len(l.aliasSlots) > 0 {
		return false
	}
	if l.closures != nil && len(l.closures.entries) > 0 {
		return false
	}
	for _, f := range l.fields {
		if len(f.refs) > 0 || f.helper != nil {
			return false
		}
	}
	for _, s := range l.sites {
		if !upgradableKinds[s.kind] {
			return false
		}
	}
	return len(l.sites) > 0
}

// siteStates adds to lay's checkpoints what resuming at them needs: the
// state a commit there resumes at, the place of the checkpoint (the loops
// and switches around it and its own statement: their compiler
// temporaries are stored, named after that place, see placeHash), the
// variables live across it (AST liveness), and those its own state reads
// again when a retry or a wait re-enters it.
func (l *lowerer) siteStates(lay *Layout) {
	fv := regexp.QuoteMeta(l.fv)
	commitRE := regexp.MustCompile(`Commit\(&` + fv + `\.pc, (\d+)\)`)
	refRE := regexp.MustCompile(`\b` + fv + `\.([A-Za-z_][A-Za-z0-9_]*)`)
	user := map[string]bool{}  // the stored fields of the user's variables
	temps := map[string]bool{} // and of compiler temporaries
	byVar := map[*types.Var]string{}
	for _, f := range l.fields {
		switch {
		case f.ser && f.v != nil:
			user[f.name] = true
			byVar[f.v] = f.name
		case f.ser:
			temps[f.name] = true
		}
	}
	stmtsOf := map[int][]string{} // by state
	for _, b := range l.blocks {
		stmtsOf[b.id] = b.stmts
	}
	// refsOf adds to into the stored fields the code of state id reads; a
	// temporary read after the state it belongs to is one of its
	// statement's (the loops' around it are the context's).
	refsOf := func(id int, into map[string]bool, withUser bool) {
		for _, st := range stmtsOf[id] {
			for _, m := range refRE.FindAllStringSubmatch(st, -1) {
				if temps[m[1]] || (withUser && user[m[1]]) {
					into[m[1]] = true
				}
			}
		}
	}
	// The input and the named results are the variables of the whole
	// body, set before its first statement: whatever the code before a
	// checkpoint, the frame holds their values there.
	var always []string
	for _, v := range append([]*types.Var{l.wf.in}, namedResults(l.wf)...) {
		if name, ok := byVar[v]; v != nil && ok {
			always = append(always, name)
		}
	}
	for i, s := range l.sites {
		site := &lay.Sites[i]
		resume := -1
		reads := map[string]bool{}
		for _, st := range stmtsOf[s.id] {
			if m := commitRE.FindStringSubmatch(st); m != nil {
				resume, _ = strconv.Atoi(m[1])
			}
		}
		if resume < 0 {
			// Not a state of its own: nothing to map it by.
			for j := range lay.Sites {
				lay.Sites[j].Resume, lay.Sites[j].Context, lay.Sites[j].Keeps, lay.Sites[j].Reads = 0, "", nil, nil
			}
			return
		}
		refsOf(s.id, reads, true)
		keeps := map[string]bool{}
		refsOf(resume, keeps, false)
		for _, f := range always {
			keeps[f] = true
		}
		var node ast.Node
		for n := range l.wf.liveAt {
			if n.Pos() <= s.opos && s.opos < n.End() && (node == nil || n.End()-n.Pos() < node.End()-node.Pos()) {
				node = n
			}
		}
		for v := range l.wf.liveAt[node] {
			if name, ok := byVar[v]; ok {
				keeps[name] = true
			}
		}
		for f := range keeps {
			delete(reads, f)
		}
		site.Resume = resume
		site.Context = l.place(s.opos, 8, false)
		site.Keeps = slices.Sorted(maps.Keys(keeps))
		site.Reads = slices.Sorted(maps.Keys(reads))
	}
}

// placeHash identifies the place of pos in the workflow, hashed to n hex
// digits: the headers of the loops and switches around it (outermost
// first; the ifs and blocks around it hold no state) and the statement
// it is in (only its header, for a compound statement). A compiler
// temporary is named after the place it belongs to, and a checkpoint
// resumes an earlier layout's instances only at the same place, so that
// the temporaries an instance stored mean the same in both.
func (l *lowerer) placeHash(pos token.Pos, n int) string { return l.place(pos, n, true) }

// place hashes the place of pos (see placeHash), with the statement pos
// is in or without it.
func (l *lowerer) place(pos token.Pos, n int, withStmt bool) string {
	path, _ := astutil.PathEnclosingInterval(l.wf.file, pos, pos)
	var parts []string
	innermost := withStmt
	for _, node := range path { // innermost first
		stmt, ok := node.(ast.Stmt)
		if !ok {
			if fd, isDecl := node.(*ast.FuncDecl); isDecl && fd == l.wf.decl {
				break
			}
			continue
		}
		var head ast.Node
		switch st := stmt.(type) {
		case *ast.ForStmt:
			head = &ast.ForStmt{Init: st.Init, Cond: st.Cond, Post: st.Post, Body: &ast.BlockStmt{}}
		case *ast.RangeStmt:
			head = &ast.RangeStmt{Key: st.Key, Value: st.Value, Tok: st.Tok, X: st.X, Body: &ast.BlockStmt{}}
		case *ast.SwitchStmt:
			head = &ast.SwitchStmt{Init: st.Init, Tag: st.Tag, Body: &ast.BlockStmt{}}
		case *ast.TypeSwitchStmt:
			head = &ast.TypeSwitchStmt{Init: st.Init, Assign: st.Assign, Body: &ast.BlockStmt{}}
		case *ast.LabeledStmt:
			parts = append(parts, st.Label.Name+":")
			continue
		case *ast.IfStmt:
			if innermost {
				head = &ast.IfStmt{Init: st.Init, Cond: st.Cond, Body: &ast.BlockStmt{}}
			}
		case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
		default:
			if innermost {
				head = st
			}
		}
		innermost = false
		if head == nil {
			continue
		}
		var b strings.Builder
		printer.Fprint(&b, token.NewFileSet(), head)
		parts = append(parts, strings.Join(strings.Fields(b.String()), " "))
	}
	slices.Reverse(parts)
	h := fnv.New64a()
	h.Write([]byte(strings.Join(parts, "\n")))
	return fmt.Sprintf("%016x", h.Sum64())[:n]
}

// resumes checks whether lay can resume the instances of old, an earlier
// layout of the same workflow version, and returns how old's machine
// states map to lay's; reasons say why it cannot.
func resumes(old, lay *Layout) (states map[int]int, reasons []string) {
	for _, x := range []*Layout{old, lay} {
		if !canResume(x) {
			what := "the new layout"
			if x == old {
				what = "the recorded layout " + old.Fingerprint
			}
			return nil, []string{what + " records no resume states: it has helpers that make checkpoints, closures, kept pointers or shared memory, compensations or parallel steps (or was recorded by an older durablegen), so only an identical layout resumes its instances"}
		}
	}
	oldType := map[string]string{}
	for _, f := range old.Fields {
		oldType[f.Name] = f.Type
	}
	for _, f := range lay.Fields {
		if t, ok := oldType[f.Name]; ok && t != f.Type {
			reasons = append(reasons, fmt.Sprintf("field %s is %s now, %s in the stored frames", f.Name, f.Type, t))
		}
	}
	oldShape := map[string]string{}
	for _, t := range old.Types {
		oldShape[t.Name] = t.Shape
	}
	for _, t := range lay.Types {
		if s, ok := oldShape[t.Name]; ok && s != t.Shape {
			reasons = append(reasons, fmt.Sprintf("type %s changed (%s, was %s): the stored frames hold the old one", t.Name, t.Shape, s))
		}
	}
	// The old checkpoints, in order, must be the new ones less those of
	// steps, signals and children the old layout does not have.
	type key struct{ kind, name string }
	known := map[key]bool{}
	for _, s := range old.Sites {
		known[key{s.Kind, s.Name}] = true
	}
	var kept []LayoutSite
	for _, s := range lay.Sites {
		if known[key{s.Kind, s.Name}] {
			kept = append(kept, s)
		}
	}
	if len(kept) != len(old.Sites) || !slices.EqualFunc(kept, old.Sites, func(a, b LayoutSite) bool { return a.Kind == b.Kind && a.Name == b.Name }) {
		count := func(sites []LayoutSite, k key) int {
			n := 0
			for _, s := range sites {
				if (key{s.Kind, s.Name}) == k {
					n++
				}
			}
			return n
		}
		for _, s := range old.Sites {
			k := key{s.Kind, s.Name}
			if o, n := count(old.Sites, k), count(kept, k); o != n {
				reasons = append(reasons, fmt.Sprintf("%d checkpoints %s %q now, %d in the stored frames: an instance stopped at one cannot be told which it is (a new checkpoint resumes old instances only if its step, signal or child is new to the workflow)", n, s.Kind, s.Name, o))
				known[k] = false // once
			}
		}
		if len(reasons) == 0 {
			reasons = append(reasons, "the checkpoints are in another order")
		}
		return nil, reasons
	}
	states = map[int]int{0: 0}
	mapTo := func(from, to int) {
		if prev, ok := states[from]; ok && prev != to {
			reasons = append(reasons, fmt.Sprintf("state %d of the stored frames would resume at both %d and %d", from, prev, to))
		}
		states[from] = to
	}
	for i, o := range old.Sites {
		n := kept[i]
		site := fmt.Sprintf("checkpoint %s %q", n.Kind, n.Name)
		if o.Context != n.Context || o.Context == "changed" {
			reasons = append(reasons, site+": the loops or switches around it changed")
			continue
		}
		if miss := missing(n.Keeps, o.Keeps); len(miss) > 0 {
			reasons = append(reasons, fmt.Sprintf("%s: after it the new code reads %s, which the stored frames do not hold there", site, strings.Join(miss, ", ")))
		}
		if miss := missing(append(slices.Clone(n.Reads), n.Keeps...), append(slices.Clone(o.Reads), o.Keeps...)); len(miss) > 0 {
			reasons = append(reasons, fmt.Sprintf("%s: resuming a retry or a wait there reads %s, which the stored frames do not hold there", site, strings.Join(miss, ", ")))
		}
		mapTo(o.ID, n.ID)
		mapTo(o.Resume, n.Resume)
	}
	if len(reasons) > 0 {
		return nil, reasons
	}
	return states, nil
}

// canResume reports whether lay records the states of all its
// checkpoints.
func canResume(lay *Layout) bool {
	if len(lay.Sites) == 0 {
		return false
	}
	for _, s := range lay.Sites {
		if s.Resume == 0 || s.Context == "" {
			return false
		}
	}
	return true
}

// missing returns the names of want that have lacks.
func missing(want, have []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out
}

// ResumesFileName is the file, next to a package's durable.lock, that
// gives the frames of its workflows the machine states of the earlier
// layouts they resume.
const ResumesFileName = "durable_resumes_durable.go"

// ResumesFile returns the generated file of package pkgName (whose
// workflows' layouts, as generated now, are layouts) that maps the states
// of the earlier layouts lock records as resumed to the current ones, or
// nil when no workflow resumes any.
func ResumesFile(dir, pkgName string, lock *Lock) *File {
	var b strings.Builder
	n := 0
	for _, e := range lock.Entries {
		if len(e.Resumed) == 0 || e.Frame == "" {
			continue
		}
		n++
		table := lowerFirst(strings.TrimPrefix(e.Frame, "_")) + "Resumes"
		fmt.Fprintf(&b, "\n// %s maps the machine states of the earlier layouts of %s version %d\n// (durable.lock) to those of %s.\n", table, e.Workflow, e.Version, e.Fingerprint)
		fmt.Fprintf(&b, "var %s = durableruntime.Resumes{\n", table)
		for _, r := range e.Resumed {
			states, _ := resumes(&r, &e)
			from := make([]int, 0, len(states))
			for k := range states {
				from = append(from, k)
			}
			slices.Sort(from)
			var pairs []string
			for _, k := range from {
				pairs = append(pairs, fmt.Sprintf("%d, %d", k, states[k]))
			}
			fmt.Fprintf(&b, "\t%q: {%s},\n", r.Fingerprint, strings.Join(pairs, ", "))
		}
		fmt.Fprintf(&b, "}\n\n")
		fmt.Fprintf(&b, "// Resumes returns the fingerprints of the earlier layouts whose instances\n// this frame resumes.\nfunc (f *%s) Resumes() []string { return %s.Layouts() }\n\n", e.Frame, table)
		fmt.Fprintf(&b, "// Upgrade moves a frame stored by layout from to this layout's states.\nfunc (f *%s) Upgrade(from string) error { return %s.Upgrade(&f.pc, from) }\n", e.Frame, table)
	}
	if n == 0 {
		return nil
	}
	// Imported under a name no package declares by accident (this file
	// is the package's, next to its own declarations).
	src := fmt.Sprintf("%s\n\npackage %s\n\nimport durableruntime %q\n%s", names.GeneratedHead, pkgName, names.RuntimePkg, b.String())
	out, err := format.Source([]byte(src))
	if err != nil {
		out = []byte(src) // the command's -check reports it as it is
	}
	return &File{Path: filepath.Join(dir, ResumesFileName), Content: out}
}
