package fuzzgen

import (
	"fmt"
	"slices"
	"strings"
)

// allFeatures names every construct of the grammar that can be turned
// off.
var allFeatures = append([]string{
	"appendspread",   // append(xs, ys...) in a lowered statement
	"await",          // durable.Await of a scripted signal
	"awaittimeout",   // durable.AwaitTimeout of a scripted signal or one that times out
	"child",          // a child workflow started and awaited
	"closure",        // closures declared and called between checkpoints
	"closureinloop",  // such closures inside loops, capturing per-iteration variables
	"commaok",        // v, ok := m[k] and v, ok := x.(T) in if inits
	"compensate",     // durable.Compensate, run when the workflow fails
	"complit",        // checkpoints inside composite literals
	"conversions",    // int(int8(e)) and other integer conversions
	"do",             // durable.Do inline steps
	"earlyreturn",    // returns inside loops, switches and ifs
	"errorwrap",      // fmt.Errorf("%w") of a step error crossing checkpoints
	"fallthrough",    // fallthrough in expression switches
	"forward",        // f(step()) forwarding of a multi-value step
	"funcvalue",      // a function value called between checkpoints
	"idempotencykey", // durable.IdempotencyKey(ctx)
	"labels",         // labeled loops and switches, labeled break and continue
	"lhscp",          // checkpoints in the index of an assigned element
	"localdecl",      // local const and type declarations
	"loop3",          // three-clause for loops
	"loopcond",       // condition-only for loops
	"loopcp",         // checkpoints in loop conditions, init, post and range expressions
	"loopforever",    // for {} left by break
	"methodstep",     // a step that is a method
	"multidecl",      // a, s := e1, e2
	"multivalue",     // v, err := step(...)
	"namedresults",   // named results and bare return
	"nestedcp",       // checkpoints in the arguments of a step call
	"opassign",       // a[i] += e, a[i]++, m[k] *= e, p.A -= e
	"parallel",       // durable.Go steps awaited with durable.All
	"rangearray",     // range over arrays (a copy)
	"rangeint",       // range over an int
	"rangemap",       // range over maps (order-independent bodies)
	"rangeslice",     // range over slices
	"rangestring",    // range over the runes of a string
	"receivercp",     // checkpoints in the receiver of a method step
	"returnforward",  // return step(...) of a (T, error) step
	"severalresults", // q, r, err := step(...) with several results, one retried after a suspension
	"retry",          // a step that fails and is retried after a suspension
	"shadow",         // shadowing declarations in nested blocks
	"shortcircuit",   // checkpoints on the right of && and ||
	"sideeffect",     // durable.SideEffect
	"sleep",          // durable.Sleep
	"switch",         // expression switches
	"tupleassign",    // a, b = e1, e2 and a, b = b, a
	"typeswitch",     // type switches
	"variadic",       // variadic steps
	"variadicspread", // step(ctx, xs...)
}, richFeatures...)

// knownBugs maps each feature that is off by default to the file under
// testdata/bugs that shows why: enable it with -fuzzgen.enable=name once
// the bug is fixed.
var knownBugs = map[string]string{}

// features is the set of grammar features a run may use.
type features struct{ off map[string]bool }

func (f features) enabled(name string) bool {
	if !slices.Contains(allFeatures, name) {
		panic(fmt.Sprintf("fuzzgen: unknown feature %q", name))
	}
	return !f.off[name]
}

// String lists the features that are off.
func (f features) String() string {
	var off []string
	for k := range f.off {
		off = append(off, k)
	}
	slices.Sort(off)
	return strings.Join(off, ",")
}

// newFeatures returns the default features adjusted by the comma-separated
// lists enable and disable.
func newFeatures(enable, disable string) (features, error) {
	f := features{off: map[string]bool{}}
	for name := range knownBugs {
		f.off[name] = true
	}
	for _, list := range []struct {
		names string
		off   bool
	}{{enable, false}, {disable, true}} {
		for _, name := range strings.Split(list.names, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !slices.Contains(allFeatures, name) {
				return f, fmt.Errorf("unknown feature %q; want one of %s", name, strings.Join(allFeatures, ", "))
			}
			if list.off {
				f.off[name] = true
			} else {
				delete(f.off, name)
			}
		}
	}
	return f, nil
}
