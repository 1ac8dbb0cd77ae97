package equiv

import (
	"fmt"
	"strings"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/equiv/ext"
)

// Sequence: plain statements between steps.
//
//durable:workflow
func Sequence(ctx durable.Context, n int) (int, error) {
	a, err := Add(ctx, n, 1)
	if err != nil {
		return 0, err
	}
	b := a * 2
	c, err := Add(ctx, b, a)
	if err != nil {
		return 0, err
	}
	return c + b, nil
}

// IfElse: branches with checkpoints, init statements, else-if chains.
//
//durable:workflow
func IfElse(ctx durable.Context, n int) (string, error) {
	out := ""
	if even, err := IsEven(ctx, n); err != nil {
		return "", err
	} else if even {
		s, _ := Echo(ctx, "even")
		out += s
	} else if n > 10 {
		s, _ := Echo(ctx, "big odd")
		out += s
	} else {
		out += "small odd"
	}
	if n < 0 {
		return out + " negative", nil
	}
	s, err := Echo(ctx, fmt.Sprint(n))
	return out + "/" + s, err
}

// ForClassic: three-clause loop with a checkpoint in the body.
//
//durable:workflow
func ForClassic(ctx durable.Context, n int) (int, error) {
	total := 0
	for i := 0; i < n; i++ {
		v, err := Add(ctx, total, i)
		if err != nil {
			return 0, err
		}
		total = v
	}
	return total, nil
}

// ForCond: loop with only a condition, and a checkpoint in it.
//
//durable:workflow
func ForCond(ctx durable.Context, n int) (int, error) {
	steps := 0
	for Inc(ctx, steps) <= n {
		steps++
	}
	return steps, nil
}

// ForeverBreak: the polling loop of the seed, with a durable sleep.
//
//durable:workflow
func ForeverBreak(ctx durable.Context, polls int) (int, error) {
	count := 0
	for {
		settled, err := IsEven(ctx, count+polls)
		if err != nil {
			return 0, err
		}
		count++
		if settled && count > 1 {
			break
		}
		if err := durable.Sleep(ctx, 30*time.Minute); err != nil {
			return 0, err
		}
	}
	return count, nil
}

// Expressions: checkpoints inside expressions, in evaluation order.
//
//durable:workflow
func Expressions(ctx durable.Context, n int) (string, error) {
	x := Inc(ctx, n) + Inc(ctx, n*10)*2
	label := fmt.Sprintf("%d-%d", Inc(ctx, x), len(strings.Repeat("a", Inc(ctx, 2))))
	p := Pair{A: Inc(ctx, 1), B: Inc(ctx, 2)}
	xs := []int{Inc(ctx, 3), x}
	m := map[string]int{"k": Inc(ctx, 4)}
	return fmt.Sprintf("%d %s %v %v %v", x, label, p, xs, m), nil
}

// ShortCircuit: && and || only run their right side when Go would.
//
//durable:workflow
func ShortCircuit(ctx durable.Context, n int) ([]bool, error) {
	var out []bool
	for i := n; i < n+4; i++ {
		a := i > n+1 && Note(ctx, fmt.Sprint("and ", i)) == nil
		b := i > n+1 || Note(ctx, fmt.Sprint("or ", i)) == nil
		even, _ := IsEven(ctx, i)
		c := !even && (Inc(ctx, i) > 0 || Note(ctx, "never") == nil)
		out = append(out, a, b, c)
	}
	return out, nil
}

// MultiValue: multi-value assignment, f(g()) forwarding and discarded results.
//
//durable:workflow
func MultiValue(ctx durable.Context, n int) (string, error) {
	var p Pair
	var err error
	p, err = DivMod(ctx, n, 3)
	if err != nil {
		return "", err
	}
	q, r := p.A, p.B
	s := fmt.Sprint(DivMod(ctx, q+10, 4))
	Touch(ctx, "discard")
	_, _ = Add(ctx, 1, 2)
	Add(ctx, 3, 4)
	return fmt.Sprintf("%d %d %s", q, r, s), nil
}

// Shadowing: the same name in nested scopes, each its own variable.
//
//durable:workflow
func Shadowing(ctx durable.Context, n int) (string, error) {
	x := n
	out := ""
	{
		x := x * 10
		v, _ := Add(ctx, x, 1)
		out += fmt.Sprint(x, v)
		if x := v + 1; x > 0 {
			w, _ := Add(ctx, x, 2)
			out += fmt.Sprint(" ", x, w)
		}
	}
	for x := 0; x < 2; x++ {
		v, _ := Add(ctx, x, 100)
		out += fmt.Sprint(" ", x, v)
	}
	v, err := Add(ctx, x, 1000)
	return fmt.Sprint(out, " ", x, " ", v), err
}

// NamedResults: named results, bare return and assignment to results.
//
//durable:workflow
func NamedResults(ctx durable.Context, n int) (total int, err error) {
	total, err = Add(ctx, n, n)
	if err != nil {
		return
	}
	if total > 100 {
		return total, nil
	}
	total += Inc(ctx, total)
	return
}

// LocalDecls: local types and constants used across checkpoints.
//
//durable:workflow
func LocalDecls(ctx durable.Context, n int) (string, error) {
	const scale = 3
	type point struct {
		X, Y int
	}
	p := point{X: n, Y: n * scale}
	v, err := Add(ctx, p.X, p.Y)
	if err != nil {
		return "", err
	}
	p.X = v
	return fmt.Sprintf("%+v %d", p, scale), nil
}

// Imported: a step declared in another package.
//
//durable:workflow
func Imported(ctx durable.Context, words []string) (string, error) {
	var out []string
	for _, w := range words {
		u, err := ext.Upper(ctx, Effects, w)
		if err != nil {
			return strings.Join(out, " "), fmt.Errorf("word %d: %w", len(out), err)
		}
		out = append(out, u)
	}
	return strings.Join(out, " "), nil
}
