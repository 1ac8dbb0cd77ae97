package neg

import (
	"context"
	"slices"

	"github.com/durablegen/durable"
)

//durable:step
func Reserve(ctx context.Context, n int) (int, error) { return n, nil }

// Copy copies before the step.
//
//durable:workflow
func Copy(ctx durable.Context, items []string) (int, error) {
	head := slices.Clone(items[:1])
	n, err := Reserve(ctx, len(items))
	head[0] = "first"
	return n + len(items) + len(head), err
}

// Pointer uses a pointer only before the step.
//
//durable:workflow
func Pointer(ctx durable.Context, n int) (int, error) {
	total := n
	p := &total
	*p++
	return Reserve(ctx, total)
}
