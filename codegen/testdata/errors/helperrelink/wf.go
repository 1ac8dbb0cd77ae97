package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Touch(ctx context.Context, n int) {}

//durable:step
func Inc(ctx context.Context, n int) int { return n + 1 }

type Order struct {
	Status string
	Lines  []int
}

// mark assigns a field of its copy, which stays its own in Go, and writes
// through the copy's slice, which the caller shares: re-linking o to the
// caller's Order after a resume would undo the field's assignment, so
// the call is refused rather than re-linked.
func mark(ctx durable.Context, o Order) string {
	o.Status = "local"
	Touch(ctx, 1)
	o.Lines[0] = 100
	return o.Status
}

// bump gives its copy a slice of its own, then writes it: the caller's
// slice must not change.
func bump(ctx durable.Context, o Order) int {
	o.Lines = []int{7}
	Touch(ctx, 2)
	o.Lines[0]++
	return o.Lines[0]
}

// put moves k, then writes through p: p points at the element the index
// had when the call started, so the call's state cannot find it again by
// evaluating &arr[k] on a resume.
func put(ctx durable.Context, p, pk *int) int {
	*pk = 2
	Touch(ctx, 3)
	*p = 5
	return *p
}

// Idx maps i into [0, n).
func Idx(i, n int) int { return (i%n + n) % n }

//durable:workflow
func W(ctx durable.Context, n int) (int, error) {
	ord := Order{Status: "caller", Lines: []int{1, 2}}
	s := mark(ctx, ord)
	b := bump(ctx, ord)
	var arr [3]int
	k := 0
	v := put(ctx, &arr[k], &k)
	// An index that makes a checkpoint of its own would run again.
	w := put(ctx, &arr[Idx(Inc(ctx, n), 3)], new(int))
	// A constant index is found again: accepted.
	z := put(ctx, &arr[1], new(int))
	Touch(ctx, 4)
	return len(s) + b + len(ord.Lines) + v + w + z + arr[0] + k, nil
}
