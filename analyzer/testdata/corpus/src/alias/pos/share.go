package pos

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Reserve(ctx context.Context, n int) (int, error) { return n, nil }

// Share keeps a pointer to a local inside a slice across a step: the
// frame keeps pointer variables, not pointers stored in containers.
//
//durable:workflow
func Share(ctx durable.Context, n int) (int, error) {
	total := n
	held := []*int{&total} // finding: DG013
	m, err := Reserve(ctx, n)
	*held[0] += m
	return total, err
}

// Slices keeps a slice as a map value across a step, and writes it.
//
//durable:workflow
func Slices(ctx durable.Context, items []string) (int, error) {
	byName := map[string][]string{"all": items} // finding: DG013
	n, err := Reserve(ctx, len(items))
	items[0] = "first"
	return n + len(byName["all"]), err
}

// Rows keeps two names of a slice whose elements are slices.
//
//durable:workflow
func Rows(ctx durable.Context, rows [][]string) (int, error) {
	grid := rows // finding: DG013
	n, err := Reserve(ctx, len(rows))
	grid[0][0] = "x"
	return n + len(rows[0]), err
}
