// Package orders holds the workflows the tests of runtime/otel run: an
// order that reserves an item (a step that fails its first attempt when
// asked to), registers its release as a compensation, waits for an
// approval signal, ships through a child workflow and pays (a step that
// fails for good for a negative amount, which runs the compensation).
package orders

//go:generate go run github.com/durablegen/durable/cmd/durablegen

import (
	"context"
	"errors"
	"fmt"

	"github.com/durablegen/durable"
)

// Request is the input of Order.
type Request struct {
	Item   string
	Amount int64
	// Flaky makes the first attempt of Reserve fail.
	Flaky bool
}

// ErrDeclined is the error of Pay for a negative amount.
var ErrDeclined = errors.New("payment declined")

// Order reserves, waits for "approve", ships and pays.
//
//durable:workflow
func Order(ctx durable.Context, in Request) (string, error) {
	res, err := Reserve(ctx, in.Item, in.Flaky)
	if err != nil {
		return "", err
	}
	durable.Compensate(ctx, Release, res)
	if _, err := durable.Await[bool](ctx, "approve"); err != nil {
		return "", err
	}
	tracking, err := Ship(ctx, res)
	if err != nil {
		return "", err
	}
	if err := Pay(ctx, in.Amount); err != nil {
		return "", fmt.Errorf("pay for %s: %w", res, err)
	}
	return tracking, nil
}

// Ship is the child workflow of Order.
//
//durable:workflow
func Ship(ctx durable.Context, reservation string) (string, error) {
	return Label(ctx, reservation)
}

// Reserve reserves item; with flaky, its first attempt fails.
//
//durable:step retries=3 backoff=1ms..1ms
func Reserve(ctx context.Context, item string, flaky bool) (string, error) {
	if s, _ := durable.Step(ctx); flaky && s.Attempt == 1 {
		return "", errors.New("inventory busy")
	}
	return "res-" + item, nil
}

// Release undoes Reserve.
//
//durable:step
func Release(ctx context.Context, reservation string) error { return nil }

// Label prints the shipping label.
//
//durable:step
func Label(ctx context.Context, reservation string) (string, error) {
	return "track-" + reservation, nil
}

// Pay charges amount; a negative one is declined for good.
//
//durable:step
func Pay(ctx context.Context, amount int64) error {
	if amount < 0 {
		return durable.Permanent(ErrDeclined)
	}
	return nil
}

// Bundle labels two reservations in parallel.
//
//durable:workflow
func Bundle(ctx durable.Context, reservations []string) ([]string, error) {
	a := durable.Go(ctx, "label-a", func(ctx context.Context) (string, error) { return Label(ctx, reservations[0]) })
	b := durable.Go(ctx, "label-b", func(ctx context.Context) (string, error) { return Label(ctx, reservations[1]) })
	if err := durable.All(ctx, a, b); err != nil {
		return nil, err
	}
	la, _ := a.Get()
	lb, _ := b.Get()
	return []string{la, lb}, nil
}
