package equiv

import (
	"context"
	"errors"
	"fmt"

	"github.com/durablegen/durable"
)

// Steps with several results.

// Quot divides a by b into quotient, remainder and a note. Run as a step
// it fails its first attempt, and the retry is an hour away, so the
// instance suspends and the second attempt runs after a resume (a
// direct call does not retry).
//
//durable:step retries=3 backoff=1h..1h
func Quot(ctx context.Context, a, b int) (int, int, string, error) {
	Effects.Add(ctx, fmt.Sprintf("quot %d %d", a, b))
	if s, ok := durable.Step(ctx); ok && s.Attempt == 1 {
		return -1, -1, "first attempt", errors.New("try again later")
	}
	if b == 0 {
		return 0, a, "by zero", durable.Permanent(errors.New("division by zero"))
	}
	return a / b, a % b, fmt.Sprintf("%d/%d", a, b), nil
}

// Bounds returns the smallest and largest of xs. Run as a step it panics
// on its first attempt and is retried in memory, without suspending.
//
//durable:step retries=2 backoff=1ms..1ms
func Bounds(ctx context.Context, xs []int) (lo, hi int) {
	Effects.Add(ctx, fmt.Sprint("bounds ", xs))
	if s, ok := durable.Step(ctx); ok && s.Attempt == 1 {
		panic("bounds: first attempt")
	}
	lo, hi = xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// Reserve holds n seats: an id, how many are left and a flag; it refuses
// more than 10 seats, returning what it could hold with its error.
//
//durable:step retries=0
func Reserve(ctx context.Context, n int) (id string, left int, full bool, err error) {
	Effects.Add(ctx, fmt.Sprint("reserve ", n))
	if n > 10 {
		return "partial", 10 - n, true, durable.Permanent(fmt.Errorf("cannot hold %d seats", n))
	}
	return fmt.Sprint("seat-", n), 10 - n, n == 10, nil
}

// Release undoes Reserve; its results (a count and a note) are those of a
// compensation, discarded.
//
//durable:step
func Release(ctx context.Context, id string) (int, string, error) {
	Effects.Add(ctx, "release "+id)
	return 1, "released " + id, nil
}

func span(lo, hi int) string { return fmt.Sprint(lo, "..", hi) }

// SeveralResults uses steps with several results: a three-result step
// retried after a suspension, a two-value step retried in memory, results
// partly discarded, forwarded to a call, live across later checkpoints,
// and a compensation with several results.
//
//durable:workflow
func SeveralResults(ctx durable.Context, n int) (string, error) {
	q, r, note, err := Quot(ctx, n*7+3, 7)
	if err != nil {
		return "", err
	}
	lo, hi := Bounds(ctx, []int{q, r, n})
	id, left, _, err := Reserve(ctx, q)
	if err != nil {
		return "", fmt.Errorf("held %s, %d left: %w", id, left, err)
	}
	durable.Compensate(ctx, Release, id)
	_, r2, _, err := Quot(ctx, hi*10, lo+1)
	if err != nil {
		return "", err
	}
	s := span(Bounds(ctx, []int{r2, q, hi}))
	if q > 3 {
		return "", fmt.Errorf("%s %s: too many", note, s)
	}
	return fmt.Sprint(note, " ", s, " ", id, " ", left, " ", r2), nil
}

// Halves returns n's halves; run as a step it panics for a negative n on
// every attempt.
//
//durable:step retries=1 backoff=1ms..1ms
func Halves(ctx context.Context, n int) (int, int) {
	Effects.Add(ctx, fmt.Sprint("halves ", n))
	if n < 0 {
		panic(fmt.Sprint("halves of ", n))
	}
	return n / 2, n - n/2
}

// HalvesFail calls Halves: when it still panics after its retry, the
// workflow fails with the panic, since the step has no error to return.
// (Not for durabletest.Run: the direct call panics.)
//
//durable:workflow
func HalvesFail(ctx durable.Context, n int) (int, error) {
	a, b := Halves(ctx, n)
	return a * b, nil
}

// QuotLoop divides its own results again: each retry of Quot, after the
// instance suspended, reads the variables its failed first attempt would
// have set.
//
//durable:workflow
func QuotLoop(ctx durable.Context, n int) (string, error) {
	q, r, note := n, 0, ""
	for range 3 {
		var err error
		q, r, note, err = Quot(ctx, q+r, 2)
		if err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d %d %s", q, r, note), nil
}
