package durable_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/durablegen/durable"
)

// reserve and release stand for steps (marked //durable:step in real code).
func reserve(ctx context.Context, seat string) (string, error) {
	if seat == "13A" {
		return "", errors.New("seat 13A is taken")
	}
	return "hold-" + seat, nil
}

func release(ctx context.Context, hold string) error {
	fmt.Println("released", hold)
	return nil
}

// A saga: each reservation registers its release; when a later one fails,
// the releases run, last first. (Run directly here, through
// Workflow.Call; the generated machine does the same with checkpoints.)
func ExampleCompensate() {
	book := durable.NewWorkflow[[]string, string]("example.Book", "v1", nil).WithFunc(
		func(ctx durable.Context, seats []string) (string, error) {
			var holds []string
			for _, s := range seats {
				h, err := reserve(ctx, s)
				if err != nil {
					return "", err
				}
				durable.Compensate(ctx, release, h)
				holds = append(holds, h)
			}
			return strings.Join(holds, ","), nil
		})
	_, err := book.Call(durable.Background(), []string{"12A", "12B", "13A"})
	fmt.Println("error:", err)
	// Output:
	// released hold-12B
	// released hold-12A
	// error: seat 13A is taken
}

// Parallel steps: Go prepares them, All runs them concurrently (one
// checkpoint in a generated machine) and settles their futures.
func ExampleAll() {
	ctx := durable.Background()
	price := durable.Go(ctx, "price", func(ctx context.Context) (int, error) { return 4200, nil })
	stock := durable.Go(ctx, "stock", func(ctx context.Context) (bool, error) { return true, nil })
	if err := durable.All(ctx, price, stock); err != nil {
		fmt.Println(err)
		return
	}
	p, _ := price.Get()
	s, _ := stock.Get()
	fmt.Println(p, s)
	// Output: 4200 true
}

// TooManyRequests is a typed error a step returns.
type TooManyRequests struct{ RetryAfter int }

func (e *TooManyRequests) Error() string { return fmt.Sprintf("retry after %ds", e.RetryAfter) }

var errSoldOut = errors.New("sold out")

// The known errors of a workflow, as durablegen registers them on its
// descriptor when the workflow compares an error with errSoldOut and
// matches a *TooManyRequests with errors.As: errors restored from a
// checkpoint keep their identity for them.
func ExampleErrorTypeFor() {
	wf := durable.NewWorkflow[string, string]("example.Buy", "v1", nil).
		WithErrors(errSoldOut).
		WithErrorTypes(durable.ErrorTypeFor[*TooManyRequests]())
	fmt.Println(wf.Errors())
	for _, t := range wf.ErrorTypes() {
		fmt.Println(t.Name())
	}
	// Output:
	// [sold out]
	// *github.com/durablegen/durable_test.TooManyRequests
}

// A workflow that continues as new: the direct call returns the error of
// ContinueAsNew, whose Input is the next run's; calling again with it is
// what the runtime does, under the same instance ID, with a fresh frame
// and history.
func ExampleContinueAsNew() {
	count := durable.NewWorkflow[int, string]("example.Count", "v1", nil).WithFunc(
		func(ctx durable.Context, n int) (string, error) {
			if n < 3 {
				return "", durable.ContinueAsNew(ctx, n+1)
			}
			return fmt.Sprint("done at ", n), nil
		})
	ctx, in := durable.Background(), 1
	for {
		out, err := count.Call(ctx, in)
		if c, ok := durable.IsContinueAsNew(err); ok {
			fmt.Println("continued with", c.Input)
			in = c.Input.(int)
			continue
		}
		fmt.Println(out, err)
		break
	}
	// Output:
	// continued with 2
	// continued with 3
	// done at 3 <nil>
}
