package pos

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Reserve(ctx context.Context, n int) (int, error) { return n, nil }

type Cart struct{ Items []string }

// Share keeps a pointer into a local across a step.
//
//durable:workflow
func Share(ctx durable.Context, c Cart) (int, error) {
	cart := c
	p := &cart // finding: DG013
	n, err := Reserve(ctx, len(p.Items))
	p.Items = append(p.Items, "gift")
	return n + len(cart.Items), err
}

// Slices keeps two slices of one array across a step.
//
//durable:workflow
func Slices(ctx durable.Context, items []string) (int, error) {
	head := items[:1] // finding: DG013
	n, err := Reserve(ctx, len(items))
	head[0] = "first"
	return n + len(items), err
}
