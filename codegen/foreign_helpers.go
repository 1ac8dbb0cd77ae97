package codegen

import (
	"fmt"
	"go/constant"
	"go/types"
	"sort"
	"strconv"
	"strings"

	"github.com/durablegen/durable/internal/names"
)

// Helpers of other packages.
//
// An exported helper function (one that takes the durable.Context first
// and makes checkpoints) is compiled in its own package even when no
// workflow there calls it, with what workflows of other packages need to
// call it: an exported name for its frame type, a constructor that starts
// a call with its arguments, a Results method, and constants that give
// its callers its layout (their layouts include it, so a change to the
// helper changes theirs) and what it does with its arguments (for their
// sharing check), and variables listing the errors it compares (for
// their descriptors). A workflow of another package that calls it finds
// these by name in the helper's package and nests the frame in its own,
// as it does for a helper of its own package.

// Names of the declarations durablegen generates for exported helper F.
func exportFrameName(f string) string  { return "DurableFrame" + f }
func exportNewName(f string) string    { return "NewDurableFrame" + f }
func exportLayoutName(f string) string { return "DurableLayout" + f }
func exportCallName(f string) string   { return "DurableCall" + f }
func exportErrorsName(f string) string { return "DurableErrors" + f }
func exportTypesName(f string) string  { return "DurableErrorTypes" + f }

// exported reports whether h is compiled for the workflows of other
// packages: an exported function, not a method nor a literal.
func (h *helperFn) exported() bool {
	return h.closure == nil && h.foreign == nil && h.sig.Recv() == nil && h.obj.Exported() && h.sig.TypeParams().Len() == 0
}

// exportText returns the declarations that let workflows of other
// packages call helper h, which l compiled.
func (l *lowerer) exportText(h *helperFn) string {
	name := h.obj.Name()
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("// %s is the frame of helper %s for the workflows of other packages\n// that call it: durablegen generates their calls.\ntype %s = %s\n\n", exportFrameName(name), name, exportFrameName(name), l.frameType)
	params := h.sig.Params()
	var ps, inits []string
	for i := h.ctxParams(); i < params.Len(); i++ {
		p := fmt.Sprintf("p%d", i)
		ps = append(ps, p+" "+l.tp.text(params.At(i).Type()))
		if fld := h.paramFields[i-h.ctxParams()]; fld != "" {
			inits = append(inits, fld+": "+p)
		}
	}
	w("// %s starts a call of helper %s with its arguments (a variadic one\n// as a slice).\nfunc %s(%s) *%s {\nreturn &%s{%s}\n}\n\n",
		exportNewName(name), name, exportNewName(name), strings.Join(ps, ", "), l.frameType, l.frameType, strings.Join(inits, ", "))
	res := h.sig.Results()
	var rs, vals []string
	for i := range res.Len() {
		rs = append(rs, l.tp.text(res.At(i).Type()))
		vals = append(vals, l.fv+"."+h.resFields[i])
	}
	rt := strings.Join(rs, ", ")
	if len(rs) > 1 {
		rt = "(" + rt + ")"
	}
	if len(rs) > 0 {
		w("// Results returns the results of a call of helper %s that returned.\nfunc (%s *%s) Results() %s {\nreturn %s\n}\n\n", name, l.fv, l.frameType, rt, strings.Join(vals, ", "))
	}
	w("// %s is the layout of helper %s's frame: the layouts of its callers\n// include it.\nconst %s = %q\n\n", exportLayoutName(name), name, exportLayoutName(name), h.layout.Fingerprint)
	w("// %s says which parameters of helper %s (after its context, from 0)\n// it writes through and which it reassigns, for its callers' check of\n// the memory they share with it.\nconst %s = %q\n\n", exportCallName(name), name, exportCallName(name), callInfo(h))
	if len(l.errs.sentinels) > 0 {
		var es []string
		for _, obj := range l.errs.sentinels {
			if obj.Pkg() == l.pkg {
				es = append(es, obj.Name())
			} else {
				es = append(es, l.q.marker(obj.Pkg().Path(), obj.Name()))
			}
		}
		w("// %s are the errors helper %s compares, for its callers'\n// descriptors.\nvar %s = []error{%s}\n\n", exportErrorsName(name), name, exportErrorsName(name), strings.Join(es, ", "))
	}
	if len(l.errs.types) > 0 {
		var ts []string
		for _, t := range l.errs.types {
			ts = append(ts, fmt.Sprintf("%s[%s]()", l.q.marker(names.DurablePkg, "ErrorTypeFor"), l.tp.text(t)))
		}
		sort.Strings(ts)
		w("// %s are the error types helper %s matches, for its callers'\n// descriptors.\nvar %s = []%s{%s}\n\n", exportTypesName(name), name, exportTypesName(name), l.q.marker(names.DurablePkg, "ErrorType"), strings.Join(ts, ", "))
	}
	return b.String()
}

// callInfo encodes what h does with its parameters: "writes=0,2;reassigned=1".
func callInfo(h *helperFn) string {
	var ws, rs []int
	for i := range h.writes {
		ws = append(ws, i)
	}
	for i, ok := range h.reassigned {
		if ok {
			rs = append(rs, i)
		}
	}
	sort.Ints(ws)
	sort.Ints(rs)
	join := func(xs []int) string {
		var s []string
		for _, x := range xs {
			s = append(s, strconv.Itoa(x))
		}
		return strings.Join(s, ",")
	}
	return "writes=" + join(ws) + ";reassigned=" + join(rs)
}

// foreignHelper is a helper of another package, compiled there.
type foreignHelper struct {
	pkg                *types.Package
	layout             string
	call               string // what it does with its arguments (callInfo)
	errors, errorTypes bool   // the package declares its error lists
}

// exportKey names an exported helper among those of a run.
func exportKey(fn *types.Func) string { return fn.Pkg().Path() + "." + fn.Name() }

// foreignHelperOf returns the helper of another package that fn is, if
// its package has the compiled form of it; nil otherwise.
func (c *classifier) foreignHelperOf(fn *types.Func) *helperFn {
	if fn.Pkg() == nil || fn.Pkg() == c.pkg || !fn.Exported() {
		return nil
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() != nil || sig.Params().Len() == 0 || !isDurableContext(sig.Params().At(0).Type()) {
		return nil
	}
	if h, ok := c.foreign[fn]; ok {
		return h
	}
	if c.foreign == nil {
		c.foreign = map[*types.Func]*helperFn{}
	}
	fh := c.exports[exportKey(fn)]
	if fh == nil {
		// Compiled by an earlier run: its package's generated file says.
		scope := fn.Pkg().Scope()
		_, isNew := scope.Lookup(exportNewName(fn.Name())).(*types.Func)
		lay, isLay := scope.Lookup(exportLayoutName(fn.Name())).(*types.Const)
		call, isCall := scope.Lookup(exportCallName(fn.Name())).(*types.Const)
		if !isNew || !isLay || !isCall || lay.Val().Kind() != constant.String || call.Val().Kind() != constant.String {
			c.foreign[fn] = nil
			return nil
		}
		fh = &foreignHelper{pkg: fn.Pkg(), layout: constant.StringVal(lay.Val()), call: constant.StringVal(call.Val())}
		_, fh.errors = scope.Lookup(exportErrorsName(fn.Name())).(*types.Var)
		_, fh.errorTypes = scope.Lookup(exportTypesName(fn.Name())).(*types.Var)
	}
	h := &helperFn{obj: fn, sig: sig, compiled: true, foreign: fh}
	h.writes, h.reassigned = map[int]shareWrite{}, map[int]bool{}
	for _, part := range strings.Split(fh.call, ";") {
		key, list, _ := strings.Cut(part, "=")
		for _, n := range strings.Split(list, ",") {
			i, err := strconv.Atoi(n)
			if err != nil {
				continue
			}
			switch key {
			case "writes":
				h.writes[i] = shareWrite{pos: fn.Pos(), what: "written by helper " + fn.Pkg().Name() + "." + fn.Name()}
			case "reassigned":
				h.reassigned[i] = true
			}
		}
	}
	c.foreign[fn] = h
	return h
}

// frameTypeText returns how the unit's generated code names the frame
// type of helper h.
func (l *lowerer) frameTypeText(h *helperFn) string {
	if h.foreign != nil {
		return l.q.marker(h.foreign.pkg.Path(), exportFrameName(h.obj.Name()))
	}
	return h.frameType
}
