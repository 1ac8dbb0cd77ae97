package equiv

import (
	"context"
	"fmt"

	"github.com/durablegen/durable"
)

// Trip: a saga. Every booking registers its cancellation; an odd number of
// bookings fails the trip and the cancellations run, last first. A
// booking of "broken" registers a compensation that fails too.
//
//durable:workflow
func Trip(ctx durable.Context, bookings []string) (string, error) {
	out := ""
	for i, b := range bookings {
		s, err := Echo(ctx, "book "+b)
		if err != nil {
			return "", err
		}
		if b == "broken" {
			durable.Compensate(ctx, Fail, "cannot cancel "+b)
		} else {
			durable.Compensate(ctx, Note, fmt.Sprintf("cancel %d %s", i, b))
		}
		out += s + ";"
	}
	if len(bookings)%2 == 1 {
		if err := Fail(ctx, "odd trip"); err != nil {
			return out, fmt.Errorf("trip of %d: %w", len(bookings), err)
		}
	}
	return out, nil
}

// SagaShapes: compensations of every shape — a method step whose
// receiver is stored with it, a value-only step, a step with several
// typed parameters given untyped constants, and one registered right
// before a failure, with no checkpoint in between.
//
//durable:workflow
func SagaShapes(ctx durable.Context, n int) (int, error) {
	c := Calc{Factor: n}
	v, err := c.Mul(ctx, 2)
	if err != nil {
		return 0, err
	}
	durable.Compensate(ctx, c.Mul, v)
	c.Factor = 100 // the stored receiver keeps Factor n
	durable.Compensate(ctx, Touch, fmt.Sprint("undo ", v))
	durable.Compensate(ctx, Add, 1, 2)
	if n > 5 {
		durable.Compensate(ctx, Note, "big")
		return v, fmt.Errorf("too big: %d", n)
	}
	if n < 0 {
		return v + Inc(ctx, n), nil
	}
	return v, nil
}

// Refunds is a workflow method whose compensation is a step of its
// receiver (dependencies), evaluated again when it runs.
//
//durable:workflow
func (a *Account) Refunds(ctx durable.Context, n int) (int, error) {
	v, err := a.Calc.Mul(ctx, n)
	if err != nil {
		return 0, err
	}
	durable.Compensate(ctx, a.Calc.Mul, -v)
	if err := CheckEven(ctx, v); err != nil {
		return 0, err
	}
	return v, nil
}

// Booking books every item, registering its cancellation, then waits for a
// confirmation that may never come: a cancel requested meanwhile unbooks
// the items, last first.
//
//durable:workflow
func Booking(ctx durable.Context, items []string) (string, error) {
	for _, it := range items {
		if _, err := Echo(ctx, "book "+it); err != nil {
			return "", err
		}
		durable.Compensate(ctx, Note, "unbook "+it)
	}
	ok, err := durable.Await[bool](ctx, "confirm")
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("not confirmed")
	}
	return "confirmed", nil
}

// Boom is a value-only step that panics for a positive n: a failure
// without an error result, which fails the workflow at its commit.
//
//durable:step retries=1
func Boom(ctx context.Context, n int) int {
	if n > 0 {
		panic(fmt.Sprint("boom ", n))
	}
	return n
}

// SagaValueFail registers a compensation, then calls Boom: when Boom
// fails for good the compensation still runs. (Not for durabletest.Run:
// the direct call panics.)
//
//durable:workflow
func SagaValueFail(ctx durable.Context, n int) (int, error) {
	durable.Compensate(ctx, Note, fmt.Sprint("undo ", n))
	v := Boom(ctx, n)
	return v, nil
}
