package analyzer

import (
	"go/token"
	"go/types"
	"strings"
)

// nondetFact marks a function that is not a step and whose execution,
// directly or through the functions it calls, depends on something that
// differs on resume.
type nondetFact struct {
	Rule  string   // rule ID of the source at the end of the chain
	Chain []string // "calls helper.pick", ..., "calls time.Now": how the function reaches the source
	Why   string   // "time.Now returns a different value on resume"
	Fix   string   // "use durable.Now(ctx)"
	Std   bool     // the function belongs to the standard library
}

func (*nondetFact) AFact() {}

func (f *nondetFact) String() string {
	return "nondet " + f.Rule + ": " + strings.Join(f.Chain, ", which ")
}

// maxChain bounds the call chain kept in a fact.
const maxChain = 8

// extend returns the fact of a function that calls fn, whose fact is f.
func (f *nondetFact) extend(fn *types.Func) *nondetFact {
	chain := append([]string{"calls " + qualifiedName(fn)}, f.Chain...)
	if len(chain) > maxChain {
		chain = append(chain[:maxChain-1:maxChain-1], "…")
	}
	return &nondetFact{Rule: f.Rule, Chain: chain, Why: f.Why, Fix: f.Fix, Std: f.Std}
}

// stepFact marks a //durable:step function or method.
type stepFact struct {
	Options string // the directive's retry options
}

func (*stepFact) AFact() {}

func (f *stepFact) String() string { return "step(" + f.Options + ")" }

// workflowFact marks a //durable:workflow function or method: calling it
// from a workflow starts a child workflow.
type workflowFact struct{}

func (*workflowFact) AFact() {}

func (*workflowFact) String() string { return "workflow" }

// writtenFact marks a package-level variable that is assigned outside the
// initialization of its package, so its value is not a constant.
type writtenFact struct {
	Pos string // where a write happens
}

func (*writtenFact) AFact() {}

func (f *writtenFact) String() string { return "written" }

// computeFacts finds the non-step functions of the package that are not
// deterministic and exports a nondetFact for each.
func (c *checker) computeFacts() {
	for _, f := range c.funcs {
		if f.kind != kindPlain || f.isInit() || c.isPureStd(f.obj) {
			continue
		}
		w := newWalker(c, f, nil)
		w.walk(f.body)
		for _, d := range w.findings {
			if !c.ignores.suppress(c.pass.Fset, d.pos, d.rule) {
				f.direct = d
				break
			}
		}
		f.calls = w.calls
	}
	// Propagate backwards along the calls inside the package, first from
	// the functions with a finding of their own or a call to another
	// package's non-deterministic function, in source order.
	callers := make(map[*types.Func][]*funcInfo)
	var queue []*funcInfo
	for _, f := range c.funcs {
		if f.kind != kindPlain {
			continue
		}
		for _, call := range f.calls {
			if call.fn.Pkg() == c.pass.Pkg {
				callers[call.fn] = append(callers[call.fn], f)
			}
		}
		if f.direct != nil {
			f.reason = &nondetFact{Rule: f.direct.rule, Chain: []string{f.direct.desc}, Why: f.direct.why, Fix: f.direct.fix}
			f.via = f.direct.pos
			queue = append(queue, f)
			continue
		}
		for _, call := range f.calls {
			if call.fn.Pkg() == c.pass.Pkg {
				continue
			}
			if r := c.reasonOf(call.fn); r != nil {
				f.reason = r.extend(call.fn)
				f.via, f.viaFn = call.pos, call.fn
				queue = append(queue, f)
				break
			}
		}
	}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		for _, f := range callers[g.obj] {
			if f.reason != nil {
				continue
			}
			f.reason = g.reason.extend(g.obj)
			for _, call := range f.calls {
				if call.fn == g.obj {
					f.via, f.viaFn = call.pos, call.fn
					break
				}
			}
			queue = append(queue, f)
		}
	}
	for _, f := range c.funcs {
		if f.reason != nil {
			f.reason.Std = c.std
			if f.v == nil { // a literal's fact goes on its variable
				c.pass.ExportObjectFact(f.obj, f.reason)
			}
		}
	}
	c.exportFuncVarFacts()
}

// callSite is a static call of a function by a function of the package.
type callSite struct {
	fn  *types.Func
	pos token.Pos
}

// reasonOf returns why fn is not deterministic, or nil.
func (c *checker) reasonOf(fn *types.Func) *nondetFact {
	if fn.Pkg() == c.pass.Pkg {
		if f := c.byObj[fn]; f != nil {
			return f.reason
		}
		return nil
	}
	if r, ok := c.imported[fn]; ok {
		return r
	}
	var fact *nondetFact
	if f := new(nondetFact); c.pass.ImportObjectFact(fn, f) {
		fact = f
	}
	c.imported[fn] = fact
	return fact
}

// isStep reports whether fn is a //durable:step function.
func (c *checker) isStep(fn *types.Func) bool { return c.kindOf(fn) == kindStep }

// isWorkflow reports whether fn is a //durable:workflow function.
func (c *checker) isWorkflow(fn *types.Func) bool { return c.kindOf(fn) == kindWorkflow }

// kindOf returns whether fn is a step, a workflow or a plain function.
// Standard-library code never calls either.
func (c *checker) kindOf(fn *types.Func) funcKind {
	if fn.Pkg() == c.pass.Pkg {
		if f := c.byObj[fn]; f != nil {
			return f.kind
		}
		return kindPlain
	}
	if c.std {
		return kindPlain
	}
	if k, ok := c.kinds[fn]; ok {
		return k
	}
	k := kindPlain
	switch {
	case c.pass.ImportObjectFact(fn, new(stepFact)):
		k = kindStep
	case c.pass.ImportObjectFact(fn, new(workflowFact)):
		k = kindWorkflow
	}
	c.kinds[fn] = k
	return k
}

// isWritten reports whether the package-level v is assigned outside
// package initialization.
func (c *checker) isWritten(v *types.Var) bool {
	if _, ok := c.written[v]; ok {
		return true
	}
	if v.Pkg() == c.pass.Pkg || c.std {
		return false
	}
	return c.pass.ImportObjectFact(v, new(writtenFact))
}
