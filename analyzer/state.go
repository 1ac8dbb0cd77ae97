package analyzer

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"

	"github.com/durablegen/durable/internal/names"
)

// isCheckpoint reports whether durable.name is a checkpoint.
func isCheckpoint(name string) bool {
	switch name {
	case names.Go, names.All, names.Select:
		return true
	}
	return names.IsCheckpointFunc(name)
}

// checkState reports locals that cannot be saved at a checkpoint they
// are live across (DG012), and locals that share memory across one
// (DG013).
func (w *walker) checkState() {
	sites := w.checkpoints()
	if len(sites) == 0 {
		return
	}
	fv := w.findFuncVars()
	w.addCaptured(sites, fv)
	reported := make(map[*types.Var]bool)
	for _, s := range sites {
		for _, v := range s.live {
			if reported[v] || !(w.declaredIn(v) || w.wf.helper && isParam(w.fi.obj, v)) {
				continue // a workflow's input is checked with its signature
			}
			why, fix := "", "recompute it after the checkpoint, or change its type"
			if w.c.cpVars[v] {
				continue // a literal compiled as a helper: never stored
			}
			if w.isBodyFuncVar(v) {
				p, bad := fv.problems[v]
				if !bad {
					continue // rebuilt after a resume
				}
				why = fmt.Sprintf("it holds a function value that cannot be rebuilt after a resume: %s (line %d)", p.why, w.c.pass.Fset.Position(p.pos).Line)
				fix = "assign it only function literals of the workflow (that do not use the workflow context), package-level functions or nil, or define it after the checkpoint"
			} else if why = w.c.unsaveable(v.Type(), make(map[types.Type]bool)); why == "" {
				continue
			}
			reported[v] = true
			w.simple(ruleState, identAt(w.fi.decl.Body, v.Pos()), fmt.Sprintf("%s is live across the checkpoint %s at line %d, but %s",
				v.Name(), s.name, w.c.pass.Fset.Position(s.call.Pos()).Line, why),
				"", "", fix)
		}
	}
	w.checkSharing(sites, fv.rebuilt(w), reported)
}

// addCaptured adds to each site the variables captured by the literals
// that the rebuilt function variables live there may hold: the frame
// keeps them wherever it keeps the function.
func (w *walker) addCaptured(sites []checkpointSite, fv *funcVars) {
	for i, s := range sites {
		for _, v := range s.live {
			if _, bad := fv.problems[v]; bad || !w.isBodyFuncVar(v) {
				continue
			}
			for _, c := range fv.captured(w, v) {
				if !slices.Contains(sites[i].live, c) && !isDurableContext(c.Type()) {
					sites[i].live = append(sites[i].live, c)
				}
			}
		}
	}
}

// isParam reports whether v is a parameter of fn.
func isParam(fn *types.Func, v *types.Var) bool {
	params := fn.Type().(*types.Signature).Params()
	for i := 0; i < params.Len(); i++ {
		if params.At(i) == v {
			return true
		}
	}
	return false
}

// identAt returns the identifier at pos in body, or a zero-width node.
func identAt(body *ast.BlockStmt, pos token.Pos) ast.Node {
	var found ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Pos() == pos {
			found = id
		}
		return found == nil
	})
	if found == nil {
		return &ast.Ident{NamePos: pos}
	}
	return found
}

// unsaveable explains why a value of type t cannot be saved in a
// checkpoint frame by the codec, or returns "".
func (c *checker) unsaveable(t types.Type, seen map[types.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	ts := types.TypeString(t, c.qualifier)
	if n, ok := types.Unalias(t).(*types.Named); ok {
		if why := c.unsaveableNamed(n, ts); why != "" || hasMarshaler(n) {
			return why
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		if u.Kind() == types.UnsafePointer {
			return "unsafe.Pointer cannot be saved"
		}
	case *types.Chan:
		return "a channel (" + ts + ") cannot be saved"
	case *types.Signature:
		return "a func value (" + ts + ") cannot be saved"
	case *types.Interface:
		if types.Identical(t, types.Universe.Lookup("error").Type()) {
			return ""
		}
		if _, ok := t.(*types.TypeParam); ok {
			return ""
		}
		return "the interface " + ts + " has no registered codec, so its dynamic type is lost"
	case *types.Pointer:
		return c.unsaveable(u.Elem(), seen)
	case *types.Slice:
		return c.unsaveable(u.Elem(), seen)
	case *types.Array:
		return c.unsaveable(u.Elem(), seen)
	case *types.Map:
		if why := c.unsaveable(u.Key(), seen); why != "" {
			return why
		}
		return c.unsaveable(u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			if !f.Exported() {
				return fmt.Sprintf("%s has the unexported field %s, which the codec drops", ts, f.Name())
			}
			if why := c.unsaveable(f.Type(), seen); why != "" {
				return why
			}
		}
	}
	return ""
}

// unsaveableNamed explains why values of well-known named types cannot be
// saved.
func (c *checker) unsaveableNamed(n *types.Named, ts string) string {
	obj := n.Obj()
	if obj.Pkg() == nil {
		return ""
	}
	switch path := obj.Pkg().Path(); {
	case syncPkgs[path]:
		return ts + " holds synchronization state"
	case path == "os" && obj.Name() == "File":
		return "*os.File is an open file"
	case path == "database/sql":
		switch obj.Name() {
		case "DB", "Tx", "Rows", "Row", "Stmt", "Conn":
			return ts + " is a database handle"
		}
	case path == "net/http":
		switch obj.Name() {
		case "Client", "Transport", "Server", "Response", "Request":
			return ts + " holds open connections"
		}
	case path == "net":
		if types.IsInterface(n) || obj.Name() == "TCPConn" || obj.Name() == "UDPConn" || obj.Name() == "UnixConn" || obj.Name() == "IPConn" {
			return ts + " is a network connection"
		}
	case path == "context" && obj.Name() == "Context":
		return "a context.Context cannot be saved"
	case path == names.DurablePkg && obj.Name() == names.ContextType:
		return "the workflow context is provided by the runtime"
	}
	return ""
}

// hasMarshaler reports whether n or *n marshals itself.
func hasMarshaler(n *types.Named) bool {
	for _, t := range []types.Type{n, types.NewPointer(n)} {
		ms := types.NewMethodSet(t)
		for _, name := range []string{"MarshalJSON", "MarshalText"} {
			if ms.Lookup(n.Obj().Pkg(), name) != nil {
				return true
			}
		}
	}
	return false
}
