package wf

import (
	"context"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context, k string) error { return nil }

//durable:step
func Words(ctx context.Context, s string) []string { return strings.Fields(s) }

// pairs yields the elements of xs with their positions.
func pairs(xs []string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i, x := range xs {
			if !yield(i, x) {
				return
			}
		}
	}
}

// upTo yields 0 to n-1.
func upTo(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// Function iterators whose loops make checkpoints; those without one
// compile (the last loop).
//
//durable:workflow
func W(ctx durable.Context, m map[string]int) (int, error) {
	for k := range maps.Keys(m) {
		if err := Step(ctx, k); err != nil {
			return 0, err
		}
	}
	xs := slices.Sorted(maps.Keys(m))
	for i, x := range slices.All(xs) {
		_ = Step(ctx, x+string(rune('0'+i)))
	}
	for i, x := range pairs(xs) {
		durable.Compensate(ctx, Step, x+string(rune('a'+i)))
	}
	for x := range slices.Values(slices.Sorted(maps.Values(m))) {
		_ = durable.Sleep(ctx, 0)
		_ = x
	}
	for k, v := range maps.All(m) {
		_ = Step(ctx, k+string(rune(v)))
	}
	for i := range upTo(3) {
		_ = Step(ctx, string(rune('0'+i)))
	}
	n := 0
	for w := range slices.Values(Words(ctx, "a b")) {
		n += len(w)
	}
	for k, v := range maps.All(m) {
		n += len(k) + v
	}
	return n, nil
}
