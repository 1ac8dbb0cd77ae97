package equiv

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/durablegen/durable"
)

// Helper functions that make checkpoints: each is compiled into a frame
// nested in its caller's, so a crash inside one resumes inside it.

// chargeAll charges every amount and returns the total: one checkpoint
// per charge, with the loop's locals in the helper's frame.
func chargeAll(ctx durable.Context, who string, amounts []int) (int, error) {
	total := 0
	for i, a := range amounts {
		if a < 0 {
			return total, fmt.Errorf("%s: amount %d is negative", who, i)
		}
		n, err := Add(ctx, total, a)
		if err != nil {
			return 0, err
		}
		total = n
		if err := Note(ctx, fmt.Sprintf("%s charged %d", who, a)); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// settle calls chargeAll (a helper two calls deep from the workflow),
// sleeps, and names its results.
func settle(ctx durable.Context, who string, amounts []int) (label string, total int, err error) {
	total, err = chargeAll(ctx, who, amounts)
	if err != nil {
		return
	}
	if err = durable.Sleep(ctx, time.Minute); err != nil {
		return
	}
	label, err = Echo(ctx, fmt.Sprintf("%s=%d", who, total))
	return
}

// record makes a checkpoint and returns nothing.
func record(ctx durable.Context, parts ...string) {
	Touch(ctx, strings.Join(parts, "+"))
}

// Helpers calls the helpers in sequence, in a loop, in an expression and
// as a statement.
//
//durable:workflow
func Helpers(ctx durable.Context, n int) (string, error) {
	var out []string
	for i := range n {
		label, total, err := settle(ctx, fmt.Sprint("c", i), []int{i, i + 1, 2 * i})
		if err != nil {
			return "", err
		}
		out = append(out, fmt.Sprintf("%s:%d", label, total))
	}
	record(ctx, "a", "b")
	record(ctx)
	sum := 0
	if t, err := chargeAll(ctx, "x", []int{n}); err == nil {
		sum += t
	}
	last, _, _ := settle(ctx, "y", []int{1})
	out = append(out, last, fmt.Sprint(sum))
	return strings.Join(out, " "), nil
}

var errNegative = errors.New("negative")

// guard returns a known error from inside a helper.
func guard(ctx durable.Context, v int) (int, error) {
	d, err := Inc(ctx, v), error(nil)
	if d < 0 {
		err = errNegative
	}
	return d, err
}

// HelperErrors returns an error made inside a helper and compares it
// after a checkpoint of the caller.
//
//durable:workflow
func HelperErrors(ctx durable.Context, v int) (string, error) {
	_, err := guard(ctx, v)
	if _, e2 := Echo(ctx, "after"); e2 != nil {
		return "", e2
	}
	if errors.Is(err, errNegative) {
		return "negative", nil
	}
	if t, err := chargeAll(ctx, "z", []int{1, -1}); err != nil {
		return fmt.Sprint("failed at ", t, ": ", err), nil
	}
	return "ok", nil
}
