package equiv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/durabletest"
)

// Effects records what the steps of this package do.
var Effects = &durabletest.Log{}

// ErrOdd is a sentinel that crosses checkpoints.
var ErrOdd = errors.New("odd number")

//durable:step
func Add(ctx context.Context, a, b int) (int, error) {
	Effects.Add(ctx, fmt.Sprintf("add %d %d", a, b))
	return a + b, nil
}

//durable:step
func Echo(ctx context.Context, s string) (string, error) {
	Effects.Add(ctx, "echo "+s)
	return s, nil
}

//durable:step retries=0
func Fail(ctx context.Context, msg string) error {
	Effects.Add(ctx, "fail "+msg)
	return durable.Permanent(errors.New(msg))
}

//durable:step
func Inc(ctx context.Context, n int) int {
	Effects.Add(ctx, fmt.Sprintf("inc %d", n))
	return n + 1
}

//durable:step
func Note(ctx context.Context, s string) error {
	Effects.Add(ctx, "note "+s)
	return nil
}

//durable:step
func Touch(ctx context.Context, s string) {
	Effects.Add(ctx, "touch "+s)
}

//durable:step
func IsEven(ctx context.Context, n int) (bool, error) {
	Effects.Add(ctx, fmt.Sprintf("even? %d", n))
	return n%2 == 0, nil
}

//durable:step
func CheckEven(ctx context.Context, n int) error {
	Effects.Add(ctx, fmt.Sprintf("check %d", n))
	if n%2 != 0 {
		return durable.Permanent(fmt.Errorf("check %d: %w", n, ErrOdd))
	}
	return nil
}

//durable:step
func Sum(ctx context.Context, xs ...int) (int, error) {
	Effects.Add(ctx, fmt.Sprintf("sum %v", xs))
	t := 0
	for _, x := range xs {
		t += x
	}
	return t, nil
}

//durable:step
func Split(ctx context.Context, s string) ([]string, error) {
	Effects.Add(ctx, "split "+s)
	return strings.Fields(s), nil
}

//durable:step
func DivMod(ctx context.Context, a, b int) (Pair, error) {
	Effects.Add(ctx, fmt.Sprintf("divmod %d %d", a, b))
	return Pair{a / b, a % b}, nil
}

// Pair is two numbers.
type Pair struct{ A, B int }

// Calc is a receiver whose methods are steps.
type Calc struct{ Factor int }

//durable:step
func (c Calc) Mul(ctx context.Context, n int) (int, error) {
	Effects.Add(ctx, fmt.Sprintf("mul %d %d", c.Factor, n))
	return c.Factor * n, nil
}
