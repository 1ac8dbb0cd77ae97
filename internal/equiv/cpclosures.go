package equiv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/equiv/ext"
)

// Function literals that make checkpoints: each is compiled like a
// helper whose frame nests in its caller's and which reads and writes the
// variables it captures in the caller's frame, as Go closures do.

// ClosureNotify defines a literal that makes a step and a sleep, writes
// two captured variables and is called before and inside a loop.
//
//durable:workflow
func ClosureNotify(ctx durable.Context, n int) (string, error) {
	sent := 0
	var log []string
	notify := func(msg string) error {
		k, err := Add(ctx, len(msg), sent)
		if err != nil {
			return err
		}
		sent = k
		if err := durable.Sleep(ctx, time.Minute); err != nil {
			return err
		}
		log = append(log, msg)
		return Note(ctx, msg)
	}
	if err := notify("welcome"); err != nil {
		return "", err
	}
	for i := range n {
		if err := notify(fmt.Sprint("day ", i)); err != nil {
			return "", err
		}
	}
	return fmt.Sprint(sent, " ", strings.Join(log, ",")), nil
}

// ClosureByReference reads, after a call, what the caller changed since
// the previous one: the literal sees the variable, not a copy of it.
//
//durable:workflow
func ClosureByReference(ctx durable.Context, n int) (string, error) {
	x := n
	read := func(label string) (string, error) {
		v, err := Add(ctx, x, 0)
		if err != nil {
			return "", err
		}
		x++ // seen by the caller
		return Echo(ctx, fmt.Sprintf("%s=%d", label, v))
	}
	a, err := read("a")
	if err != nil {
		return "", err
	}
	x *= 10
	b, err := read("b")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s x=%d", a, b, x), nil
}

// ClosureOwnContext defines a literal that takes the durable.Context
// as its first parameter, with several results, called in an expression.
//
//durable:workflow
func ClosureOwnContext(ctx durable.Context, n int) (int, error) {
	total := 0
	step := func(ctx durable.Context, a, b int) (int, int, error) {
		s, err := Add(ctx, a, b)
		if err != nil {
			return 0, 0, err
		}
		if err := Touch2(ctx, s); err != nil {
			return 0, 0, err
		}
		return s, a * b, nil
	}
	for i := 1; i <= n; i++ {
		s, p, err := step(ctx, i, total)
		if err != nil {
			return 0, err
		}
		total += s + p
	}
	return total, nil
}

// Touch2 is a helper that makes one checkpoint.
func Touch2(ctx durable.Context, n int) error {
	return Note(ctx, fmt.Sprint("touch ", n))
}

// ClosureInLoop defines the literal inside a loop, capturing the
// iteration's variable and one of the whole loop, and calls a helper and
// returns early from inside it.
//
//durable:workflow
func ClosureInLoop(ctx durable.Context, n int) (string, error) {
	var out []string
	for i := range n {
		label := fmt.Sprint("it", i)
		charge := func(amounts ...int) (total int, err error) {
			if len(amounts) == 0 {
				return 0, nil
			}
			total, err = chargeAll(ctx, label, amounts)
			if err != nil {
				return
			}
			label += "!"
			out = append(out, fmt.Sprintf("%s=%d", label, total))
			return
		}
		if _, err := charge(i, i+1); err != nil {
			return "", err
		}
		if _, err := charge(); err != nil {
			return "", err
		}
		out = append(out, label)
	}
	return strings.Join(out, " "), nil
}

// closureHelper is a helper that defines a literal making checkpoints:
// the literal's frame nests in the helper's, which nests in the
// workflow's.
func closureHelper(ctx durable.Context, who string, n int) (string, error) {
	count := 0
	greet := func(s string) (string, error) {
		count++
		return Echo(ctx, fmt.Sprintf("%s:%s:%d", who, s, count))
	}
	var parts []string
	for i := range n {
		p, err := greet(fmt.Sprint(i))
		if err != nil {
			return "", err
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "/"), nil
}

// ClosureInHelper calls closureHelper twice.
//
//durable:workflow
func ClosureInHelper(ctx durable.Context, n int) (string, error) {
	a, err := closureHelper(ctx, "a", n)
	if err != nil {
		return "", err
	}
	b, err := closureHelper(ctx, "b", n+1)
	if err != nil {
		return "", err
	}
	return a + " " + b, nil
}

// ClosureCalledAtOnce calls literals that make checkpoints where they are
// written: as a statement, and in an assignment with results.
//
//durable:workflow
func ClosureCalledAtOnce(ctx durable.Context, n int) (string, error) {
	acc := n
	func() {
		for i := range 2 {
			v, err := Add(ctx, acc, i)
			if err == nil {
				acc = v
			}
		}
	}()
	s, err := func(k int) (string, error) {
		if err := durable.Sleep(ctx, time.Second); err != nil {
			return "", err
		}
		return Echo(ctx, fmt.Sprint("acc ", acc*k))
	}(3)
	if err != nil {
		return "", err
	}
	return s, nil
}

// reserveAll reserves each item and registers its release: compensations
// registered by a helper join the workflow's saga.
func reserveAll(ctx durable.Context, items []string) ([]string, error) {
	var ids []string
	for _, it := range items {
		id, err := Echo(ctx, "res-"+it)
		if err != nil {
			return ids, err
		}
		durable.Compensate(ctx, Note, "release "+id)
		ids = append(ids, id)
	}
	return ids, nil
}

// HelperSaga reserves items in a helper and in a literal compiled as one,
// then fails when n is odd: the compensations of both run, last first,
// with the workflow's own.
//
//durable:workflow
func HelperSaga(ctx durable.Context, n int) (string, error) {
	durable.Compensate(ctx, Note, "undo start")
	ids, err := reserveAll(ctx, []string{"a", "b"})
	if err != nil {
		return "", err
	}
	book := func(what string) error {
		if err := Note(ctx, "book "+what); err != nil {
			return err
		}
		durable.Compensate(ctx, Note, "unbook "+what)
		return nil
	}
	if err := book("room"); err != nil {
		return "", err
	}
	if n%2 == 1 {
		return "", Fail(ctx, fmt.Sprint("odd ", n))
	}
	return strings.Join(ids, ","), nil
}

// fanHelper starts a step per word with durable.Go and awaits them with
// durable.All, inside a helper: the batch is one checkpoint of the
// helper's frame.
func fanHelper(ctx durable.Context, words []string) ([]string, error) {
	var fs []*durable.Future[string]
	for _, w := range words {
		fs = append(fs, durable.Go(ctx, "upper", func(ctx context.Context) (string, error) {
			Effects.Add(ctx, "upper "+w)
			if w == "" {
				return "", durable.Permanent(fmt.Errorf("empty word"))
			}
			return strings.ToUpper(w), nil
		}))
	}
	err := durable.All(ctx, durable.Futures(fs)...)
	var out []string
	for _, f := range fs {
		v, ferr := f.Get()
		if ferr != nil {
			v = "!" + ferr.Error()
		}
		out = append(out, v)
	}
	return out, err
}

// HelperFanout fans out inside a helper and inside a literal compiled as
// one (durable.Select there), between steps of the workflow.
//
//durable:workflow
func HelperFanout(ctx durable.Context, words []string) (string, error) {
	ups, err := fanHelper(ctx, words)
	if err != nil {
		return strings.Join(ups, ","), err
	}
	first := func() (string, error) {
		a := durable.Go(ctx, "a", func(ctx context.Context) (string, error) { return "a", nil })
		b := durable.Go(ctx, "b", func(ctx context.Context) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		})
		i, err := durable.Select(ctx, a, b)
		if err != nil {
			return "", err
		}
		return fmt.Sprint("won ", i), nil
	}
	w, err := first()
	if err != nil {
		return "", err
	}
	return Echo(ctx, strings.Join(ups, ",")+" "+w)
}

// ForeignHelpers calls a helper of another package (ext.Spell) twice, its
// frame nested in its own: a crash inside it resumes inside it.
//
//durable:workflow
func ForeignHelpers(ctx durable.Context, words []string) (string, error) {
	s, n, err := ext.Spell(ctx, words, "-", 3)
	if errors.Is(err, ext.ErrTooMany) {
		s += " (cut)"
	} else if err != nil {
		return "", err
	}
	t, m, err := ext.Spell(ctx, []string{"ab", "cd"}, "+", 5)
	if err != nil {
		return "", err
	}
	return Echo(ctx, fmt.Sprint(s, " ", n, " ", t, " ", m))
}

// firstOf is a generic helper: one frame type for every instance, each
// call with its own.
func firstOf[T any](ctx durable.Context, xs []T, label string) (T, int, error) {
	var zero T
	for i := range xs {
		s, err := Echo(ctx, label+fmt.Sprint(xs[i]))
		if err != nil {
			return zero, i, err
		}
		if s != "" && i > 0 {
			return xs[i], i, nil
		}
		if err := durable.Sleep(ctx, time.Second); err != nil {
			return zero, i, err
		}
	}
	return zero, len(xs), nil
}

// pairUp is a generic helper with two type parameters and a constraint,
// calling another generic helper with its own parameter.
func pairUp[K comparable, V any](ctx durable.Context, k K, vs []V) (map[K]V, error) {
	v, _, err := firstOf(ctx, vs, "v ")
	if err != nil {
		return nil, err
	}
	return map[K]V{k: v}, nil
}

// GenericHelpers calls generic helpers with several type arguments.
//
//durable:workflow
func GenericHelpers(ctx durable.Context, n int) (string, error) {
	a, i, err := firstOf(ctx, []int{n, n + 1, n + 2}, "int ")
	if err != nil {
		return "", err
	}
	b, j, err := firstOf(ctx, []string{"x", "y"}, "s ")
	if err != nil {
		return "", err
	}
	m, err := pairUp(ctx, "k", []float64{1.5, 2.5})
	if err != nil {
		return "", err
	}
	return fmt.Sprint(a, i, b, j, m), nil
}

// Ledger has a method with a value receiver and one with a pointer
// receiver.
type Ledger struct {
	Owner string
	Bal   int
}

// Label names the ledger with n.
func (g Ledger) Label(n int) string { return fmt.Sprint(g.Owner, ":", n) }

// Add adds n and returns the balance.
func (g *Ledger) Add(n int) int { g.Bal += n; return g.Bal }

// MethodValues keeps method values across checkpoints: one with a
// pointer receiver on a variable (bound to the variable itself), one with
// a value receiver on a variable nothing writes.
//
//durable:workflow
func MethodValues(ctx durable.Context, n int) (string, error) {
	acct := Ledger{Owner: "ann"}
	names := Ledger{Owner: "bob"}
	add := acct.Add
	label := names.Label
	s, err := Echo(ctx, label(n))
	if err != nil {
		return "", err
	}
	v := add(n)
	if err := Note(ctx, fmt.Sprint("added ", v)); err != nil {
		return "", err
	}
	v = add(1)
	return fmt.Sprint(s, " ", v, " ", acct.Bal, " ", label(2)), nil
}
