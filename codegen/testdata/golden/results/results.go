// Package results has steps with several results: with and without a
// final error, through a method, discarded in part, forwarded to a call,
// and as a compensation.
package results

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step retries=3
func DivMod(ctx context.Context, a, b int) (int, int, error) { return a / b, a % b, nil }

//durable:step
func MinMax(ctx context.Context, xs []int) (lo, hi int) {
	lo, hi = xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// Ledger posts entries.
type Ledger struct{ Name string }

//durable:step
func (l Ledger) Post(ctx context.Context, cents int) (id string, balance int, at int64, err error) {
	return l.Name, cents, 0, nil
}

//durable:step
func Unpost(ctx context.Context, id string) (bool, string, error) { return true, id, nil }

func sum(a, b int) int { return a + b }

//durable:workflow
func Split(ctx durable.Context, in int) (int, error) {
	q, r, err := DivMod(ctx, in, 7)
	if err != nil {
		return 0, err
	}
	lo, hi := MinMax(ctx, []int{q, r, in})
	led := Ledger{Name: "main"}
	id, _, _, err := led.Post(ctx, hi-lo)
	if err != nil {
		return 0, err
	}
	durable.Compensate(ctx, Unpost, id)
	total := sum(MinMax(ctx, []int{q, r}))
	return total + q, nil
}
