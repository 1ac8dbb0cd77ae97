package equiv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/durablegen/durable"
)

// Switch: tagged switch with fallthrough, checkpoint in the tag.
//
//durable:workflow
func Switch(ctx durable.Context, n int) ([]string, error) {
	var out []string
	for i := n; i < n+4; i++ {
		switch Inc(ctx, i) % 4 {
		case 0:
			s, _ := Echo(ctx, "zero")
			out = append(out, s)
			fallthrough
		case 1:
			out = append(out, "one-ish")
		case 2, 3:
			s, _ := Echo(ctx, "two or three")
			out = append(out, s)
			if i > n+2 {
				break
			}
			out = append(out, "not broken")
		default:
			out = append(out, "never")
		}
	}
	return out, nil
}

// TypeSwitch: a type switch whose cases make checkpoints.
//
//durable:workflow
func TypeSwitch(ctx durable.Context, n int) ([]string, error) {
	var out []string
	for i := range 5 {
		v := pick(n, i)
		var kind string
		switch x := v.(type) {
		case int:
			s, _ := Echo(ctx, fmt.Sprint("int ", x+1))
			kind = s
		case string, Pair:
			msg := fmt.Sprintf("%T %v", x, x) // x (an interface) is not stored
			s, _ := Echo(ctx, msg)
			kind = s
		case nil:
			kind = "nil"
		default:
			kind = fmt.Sprintf("other %v", x)
		}
		out = append(out, kind)
	}
	return out, nil
}

func pick(n, i int) any {
	return []any{n, fmt.Sprint(n), Pair{n, n}, nil, 1.5}[i]
}

// Errors: a step error that matches a sentinel after a checkpoint.
//
//durable:workflow
func Errors(ctx durable.Context, n int) (string, error) {
	err := CheckEven(ctx, n)
	if errors.Is(err, ErrOdd) {
		if err := Note(ctx, "odd"); err != nil {
			return "", err
		}
		return "odd handled", nil
	}
	if err != nil {
		return "", err
	}
	if err := Fail(ctx, fmt.Sprint("even ", n)); err != nil {
		return "", fmt.Errorf("failed: %w", err)
	}
	return "unreachable", nil
}

// Closures: closures and method values used between checkpoints.
//
//durable:workflow
func Closures(ctx durable.Context, n int) (int, error) {
	c := Calc{Factor: 3}
	a, err := c.Mul(ctx, n)
	if err != nil {
		return 0, err
	}
	double := func(x int) int { return x * 2 }
	f := fmt.Sprint
	label := f(a)
	factor := double(len(label)) // double (a func) is not stored
	b, err := Calc{Factor: factor}.Mul(ctx, a)
	if err != nil {
		return 0, err
	}
	triple := func(x int) int { return x * 3 }
	return triple(b), nil
}

// Variadic: variadic steps and helpers.
//
//durable:workflow
func Variadic(ctx durable.Context, n int) (int, error) {
	a, err := Sum(ctx)
	if err != nil {
		return 0, err
	}
	b, err := Sum(ctx, n, n+1, n+2)
	if err != nil {
		return 0, err
	}
	parts, err := Split(ctx, fmt.Sprint(a, " ", b))
	if err != nil {
		return 0, err
	}
	return len(parts) + b + max(a, 1), nil
}

// Inline: durable.Do closures, SideEffect and Now.
//
//durable:workflow
func Inline(ctx durable.Context, n int) (string, error) {
	base := n * 2
	v, err := durable.Do(ctx, "square", func(ctx context.Context) (int, error) {
		Effects.Add(ctx, fmt.Sprint("square ", base))
		return base * base, nil
	})
	if err != nil {
		return "", err
	}
	w := durable.SideEffect(ctx, func() int { return v + 1 })
	start := durable.Now(ctx)
	if err := durable.Sleep(ctx, 7*24*time.Hour); err != nil {
		return "", err
	}
	slept := durable.Now(ctx).Sub(start) >= 7*24*time.Hour
	return fmt.Sprint(v, w, slept), nil
}

// Approval: waits for a signal, as a transfer over $10,000 does.
//
//durable:workflow
func Approval(ctx durable.Context, cents int64) (string, error) {
	if cents <= 10_000_00 {
		return Echo(ctx, "auto-approved")
	}
	a, err := durable.Await[Decision](ctx, "approval")
	if err != nil {
		return "", err
	}
	if !a.OK {
		return "", fmt.Errorf("rejected by %s", a.By)
	}
	return Echo(ctx, "approved by "+a.By)
}

// Decision is an approval signal.
type Decision struct {
	By string
	OK bool
}

// Account is the receiver of a method workflow: dependencies, never stored.
type Account struct {
	Owner string
	Calc  Calc
}

// Report is a workflow method using its receiver between checkpoints.
//
//durable:workflow
func (a *Account) Report(ctx durable.Context, n int) (string, error) {
	v, err := a.Calc.Mul(ctx, n)
	if err != nil {
		return "", err
	}
	w, err := Add(ctx, v, len(a.Owner))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: %d", a.Owner, w), nil
}

// ApprovalDeadline: a signal that may never come, with a timeout.
//
//durable:workflow
func ApprovalDeadline(ctx durable.Context, cents int64) (string, error) {
	d, ok, err := durable.AwaitTimeout[Decision](ctx, "approval", 72*time.Hour)
	if err != nil {
		return "", err
	}
	if !ok {
		return Echo(ctx, "timed out, escalating")
	}
	return Echo(ctx, fmt.Sprint("decided by ", d.By, " ", d.OK))
}
