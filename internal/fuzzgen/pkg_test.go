package fuzzgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// stepsSource is the file of steps and helpers every generated package
// has. Steps are pure functions of their arguments that record an effect.
const stepsSource = `package PKGNAME

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/durabletest"
)

// Sub is a workflow that the generated workflows start as a child: a
// step, a failure for some inputs, a durable sleep, another step.
//
//durable:workflow
func Sub(ctx durable.Context, n int) (int, error) {
	v := Inc(ctx, n)
	if v%5 == 0 {
		return 0, durable.Permanent(fmt.Errorf("sub %d: %w", v, ErrOdd))
	}
	if err := durable.Sleep(ctx, time.Hour); err != nil {
		return 0, err
	}
	return Add(ctx, v, 10)
}

// Must returns v, ignoring err (a future's value after durable.All).
func Must(v int, err error) int { return v }

// Effects records what the steps of this package do.
var Effects = &durabletest.Log{}

// ErrOdd is a sentinel that crosses checkpoints.
var ErrOdd = errors.New("odd")

// Input is the input of every workflow.
type Input struct {
	N  int
	S  string
	Xs []int
	M  map[string]int
	B  bool
	// Order is reached through pointers (&in.Order) by feature fieldptr.
	Order Order
}

// Pair is two numbers.
type Pair struct{ A, B int }

// Sum is a value method: its method value binds a copy of the pair.
func (p Pair) Sum(k int) int { return p.A*3 + p.B + k }

// Bump is a pointer method: its method value binds the pair itself.
func (p *Pair) Bump(k int) int {
	p.A += k
	return p.A
}

// Calc is a receiver whose method is a step.
type Calc struct{ Factor int }

//durable:step
func Inc(ctx context.Context, n int) int {
	Effects.Add(ctx, fmt.Sprint("inc ", n))
	return n + 1
}

//durable:step
func Add(ctx context.Context, a, b int) (int, error) {
	Effects.Add(ctx, fmt.Sprint("add ", a, " ", b))
	return a + b, nil
}

//durable:step retries=0
func Check(ctx context.Context, n int) (int, error) {
	Effects.Add(ctx, fmt.Sprint("check ", n))
	if n%5 == 3 || n%5 == -3 {
		return 0, durable.Permanent(fmt.Errorf("check %d: %w", n, ErrOdd))
	}
	return n * 2, nil
}

//durable:step
func Echo(ctx context.Context, s string) (string, error) {
	Effects.Add(ctx, "echo "+s)
	return Clip("<" + s + ">"), nil
}

//durable:step
func Label(ctx context.Context, s string, n int) string {
	Effects.Add(ctx, fmt.Sprint("label ", s, " ", n))
	return Clip(fmt.Sprint(s, n))
}

//durable:step
func Even(ctx context.Context, n int) bool {
	Effects.Add(ctx, fmt.Sprint("even ", n))
	return n%2 == 0
}

//durable:step
func IsEven(ctx context.Context, n int) (bool, error) {
	Effects.Add(ctx, fmt.Sprint("iseven ", n))
	return n%2 == 0, nil
}

//durable:step
func Note(ctx context.Context, s string) error {
	Effects.Add(ctx, "note "+s)
	return nil
}

//durable:step
func Touch(ctx context.Context, n int) {
	Effects.Add(ctx, fmt.Sprint("touch ", n))
}

//durable:step retries=1 backoff=1h
func Flaky(ctx context.Context, n int) error {
	Effects.Add(ctx, fmt.Sprint("flaky ", n))
	if n%4 == 1 || n%4 == -1 {
		return fmt.Errorf("flaky %d", n)
	}
	return nil
}

// DivMod divides a by b; by zero it fails for good, returning a and 0.
//
//durable:step
func DivMod(ctx context.Context, a, b int) (int, int, error) {
	Effects.Add(ctx, fmt.Sprint("divmod ", a, " ", b))
	if b == 0 {
		return a, 0, durable.Permanent(fmt.Errorf("divmod %d by zero: %w", a, ErrOdd))
	}
	return a / b, a % b, nil
}

// Spread has several results and no error.
//
//durable:step
func Spread(ctx context.Context, n int) (int, string, bool) {
	Effects.Add(ctx, fmt.Sprint("spread ", n))
	return n * 3, Clip(fmt.Sprint("s", n)), n%2 == 0
}

// Split3 has three results and an error. Run as a step it fails its
// first attempt and its retry, an hour later, suspends the instance (a
// direct call does not retry); for n%5 == 2 it fails for good, with
// results.
//
//durable:step retries=2 backoff=1h..1h
func Split3(ctx context.Context, n int, s string) (int, string, int, error) {
	Effects.Add(ctx, fmt.Sprint("split3 ", n, " ", s))
	if st, ok := durable.Step(ctx); ok && st.Attempt == 1 {
		return -1, "first", -1, errors.New("split3: try again")
	}
	if n%5 == 2 || n%5 == -2 {
		return n, s, len(s), durable.Permanent(fmt.Errorf("split3 %d: %w", n, ErrOdd))
	}
	return n / 2, Clip(s + "!"), n % 2, nil
}

// Bounds returns the least and the greatest of xs (0, 0 for none): two
// results, no error.
//
//durable:step
func Bounds(ctx context.Context, xs []int) (int, int) {
	Effects.Add(ctx, fmt.Sprint("bounds ", xs))
	if len(xs) == 0 {
		return 0, 0
	}
	lo, hi := xs[0], xs[0]
	for _, x := range xs[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// Quota has two results and an error. Run as a step, its first attempt
// fails and its retry, an hour later, suspends the instance (a direct
// call does not retry); for n%7 == 6 it fails for good.
//
//durable:step retries=1 backoff=1h
func Quota(ctx context.Context, n int) (int, bool, error) {
	Effects.Add(ctx, fmt.Sprint("quota ", n))
	if st, ok := durable.Step(ctx); ok && st.Attempt == 1 {
		return 0, false, errors.New("quota: busy")
	}
	if n%7 == 6 || n%7 == -6 {
		return n, true, durable.Permanent(fmt.Errorf("quota %d: %w", n, ErrOdd))
	}
	return n * 4, n%3 == 0, nil
}

// Fold3 folds the results of DivMod into one number.
func Fold3(q, r int, err error) int {
	if err != nil {
		return -q
	}
	return q*3 + r
}

// FoldSpread folds the results of Spread into one number.
func FoldSpread(n int, s string, ok bool) int {
	if ok {
		return n + len(s)
	}
	return n - len(s)
}

//durable:step
func Digits(ctx context.Context, n int) ([]int, error) {
	Effects.Add(ctx, fmt.Sprint("digits ", n))
	var ds []int
	for _, c := range fmt.Sprint(n) {
		if c >= '0' && c <= '9' {
			ds = append(ds, int(c-'0'))
		}
	}
	return ds, nil
}

//durable:step
func MakePair(ctx context.Context, a, b int) (Pair, error) {
	Effects.Add(ctx, fmt.Sprint("pair ", a, " ", b))
	return Pair{a, b}, nil
}

//durable:step
func Sum(ctx context.Context, xs ...int) int {
	Effects.Add(ctx, fmt.Sprint("sum ", xs))
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

//durable:step
func (c Calc) Mul(ctx context.Context, n int) (int, error) {
	Effects.Add(ctx, fmt.Sprint("mul ", c.Factor, " ", n))
	return c.Factor * n, nil
}

// Mix combines two numbers.
func Mix(a, b int) int { return a*7 + b }

// Idx maps i into [0, n) for n > 0.
func Idx(i, n int) int { return (i%n + n) % n }

// Clip keeps the last 8 runes of s.
func Clip(s string) string {
	r := []rune(s)
	if len(r) > 8 {
		r = r[len(r)-8:]
	}
	return string(r)
}

// Pick returns a value of a type that depends on n.
func Pick(n int) any {
	switch Idx(n, 5) {
	case 0:
		return n
	case 1:
		return fmt.Sprint(n)
	case 2:
		return Pair{n, -n}
	case 3:
		return nil
	}
	return n%2 == 0
}
`

// writePackage writes the steps, the helpers of seed, the workflows and their test into dir
// as package name.
func writePackage(dir, name string, seed uint64, wfs []*workflow) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string]string{
		"steps.go":   strings.ReplaceAll(stepsSource, pkgNamePlaceholder, name),
		"rich.go":    strings.ReplaceAll(richSource, pkgNamePlaceholder, name),
		"helpers.go": strings.ReplaceAll(helperSource(seed), pkgNamePlaceholder, name),
		"x_test.go":  testSource(name, wfs),
	}
	for _, wf := range wfs {
		files[wf.file] = strings.Replace(string(wf.src), pkgNamePlaceholder, name, 1)
	}
	if len(wfs) > 0 && wfs[0].collide {
		for f, content := range files {
			files[f] = aliasImports(content)
		}
		files["collide.go"] = strings.ReplaceAll(collideSource, pkgNamePlaceholder, name)
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// collideSource is the file of a package (feature collide) that declares
// the names generated code imports (runtime, durable, context, fmt) and
// the short names it may declare (f, x): the generator must not capture
// them.
const collideSource = `package PKGNAME

var (
	runtime = 2
	durable = 3
	context = "ctx"
	fmt     = 4
	x       = 5
)

func f(n int) int { return n*3 + 1 }
`

// isCollide reports whether the package of seed declares the names of
// collideSource (one package in four, when feature collide is on).
func isCollide(seed uint64, feat features) bool {
	return seed%4 == 3 && feat.enabled("collide")
}

// aliasImports rewrites a file of a collide package so that its own
// imports do not collide with the package's names.
func aliasImports(src string) string {
	return strings.NewReplacer(
		"\t\"context\"\n", "\tstdcontext \"context\"\n",
		"\t\"fmt\"\n", "\tstdfmt \"fmt\"\n",
		"\t\"github.com/durablegen/durable\"\n", "\tdur \"github.com/durablegen/durable\"\n",
		"context.", "stdcontext.",
		"fmt.", "stdfmt.",
		"durable.", "dur.",
	).Replace(src)
}

// panickySource is the helper of the generated tests that runs a workflow
// that may panic while evaluating a step's argument (feature argpanic).
const panickySource = `
// runPanicky runs wf directly; if the direct call panics, the machine
// must fail with that panic after the same effects, under every crash
// (a stub that behaves as Touch makes the uncrashed machine run the
// baseline of the crashed ones, since the direct call cannot be).
func runPanicky[In, Out any](t *testing.T, wf *durable.Workflow[In, Out], in In, signals int, unordered bool, opts ...durabletest.Option) durabletest.Report {
	t.Helper()
	sigs := map[string][][]byte{}
	for i := range signals {
		sigs["sig"] = append(sigs["sig"], []byte(fmt.Sprint(100+i)))
	}
	id := "probe-" + t.Name()
	// The probe gets its own copy of the input: a workflow may write
	// through the input's slices and maps, and the runs after it must
	// start from the input as it was.
	probe := in
	if b, err := json.Marshal(in); err == nil {
		var c In
		if json.Unmarshal(b, &c) == nil {
			probe = c
		}
	}
	msg := func() (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		wf.Call(durabletest.DirectContext(id, durabletest.NewClock(), sigs), probe)
		return ""
	}()
	if msg == "" {
		return durabletest.Run(t, wf, in, opts...)
	}
	t.Logf("fuzzgen panic: the direct call panics with %q", msg)
	want := Effects.Effects(id)
	same := durabletest.Stub(Touch, func(ctx context.Context, n int) { Effects.Add(ctx, fmt.Sprint("touch ", n)) })
	r := durabletest.Run(t, wf, in, append(opts, same)...)
	if r.Err == nil || !strings.Contains(r.Err.Error(), msg) {
		t.Errorf("%s: the direct call panics with %q; the machine returns %v, %v", wf.Name(), msg, r.Result, r.Err)
	}
	got := Effects.Effects(durabletest.InstanceID)
	if unordered {
		slices.Sort(got)
		slices.Sort(want)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: the direct call panics after effects %q; the machine after %q", wf.Name(), want, got)
	}
	return r
}
`

// testSource returns the test that runs every workflow under the crash
// matrix and prints the totals on a line that reportLine parses.
func testSource(name string, wfs []*workflow) string {
	var b strings.Builder
	fmt.Fprintf(&b, `package %s

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/durabletest"
)
`, name)
	b.WriteString(panickySource)
	b.WriteString(`
func TestFuzz(t *testing.T) {
	opts := []durabletest.Option{durabletest.WithLog(Effects), durabletest.WithErrors(ErrOdd), durabletest.WithChildren(SubWorkflow)}
	total := durabletest.Report{}
	n := 0
	run := func(name string, f func(t *testing.T, opts ...durabletest.Option) durabletest.Report, extra ...durabletest.Option) {
		t.Run(name, func(t *testing.T) {
			r := f(t, append(extra, opts...)...)
			n++
			total.Checkpoints += r.Checkpoints
			total.CrashRuns += r.CrashRuns
		})
	}
`)
	for _, wf := range wfs {
		var extra []string
		for i := range wf.signals {
			extra = append(extra, fmt.Sprintf("durabletest.WithSignal(\"sig\", %d)", 100+i))
		}
		if wf.unordered {
			extra = append(extra, "durabletest.WithUnorderedEffects()")
		}
		reg := wf.name + "Workflow"
		if wf.recv {
			reg = fmt.Sprintf("Meter%sWorkflow.Bind(%s)", wf.name, meterLit)
		}
		call := fmt.Sprintf("durabletest.Run(t, %s, %s, opts...)", reg, wf.input)
		if wf.panics {
			call = fmt.Sprintf("runPanicky(t, %s, %s, %d, %v, opts...)", reg, wf.input, wf.signals, wf.unordered)
		}
		fmt.Fprintf(&b, "\trun(%q, func(t *testing.T, opts ...durabletest.Option) durabletest.Report {\n\t\treturn %s\n\t}", wf.name, call)
		for _, e := range extra {
			b.WriteString(", " + e)
		}
		b.WriteString(")\n")
	}
	b.WriteString("\tt.Logf(\"fuzzgen totals: %d workflows, %d checkpoints, %d crash runs\", n, total.Checkpoints, total.CrashRuns)\n}\n")
	return b.String()
}
