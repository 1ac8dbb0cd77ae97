package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context, n int) error { return nil }

// Item is reached through pointers.
type Item struct{ N int }

// Ref holds a pointer.
type Ref struct {
	Name string
	Item *Item
}

// Maps live across a checkpoint whose keys cannot be stored: a pointer
// (its identity), a struct holding one, an interface, a float (NaN keys).
// Struct, array and boolean keys of plain values are stored.
//
//durable:workflow
func W(ctx durable.Context, n int) (int, error) {
	byPtr := map[*Item]int{}
	byRef := map[Ref]int{}
	byAny := map[any]int{}
	byFloat := map[float64]int{}
	refs := map[[2]Ref]bool{}
	fine := map[struct{ A, B string }][2]bool{}
	if err := Step(ctx, n); err != nil {
		return 0, err
	}
	return len(byPtr) + len(byRef) + len(byAny) + len(byFloat) + len(refs) + len(fine), nil
}
