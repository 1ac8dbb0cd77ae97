package equiv

import "github.com/durablegen/durable"

// Qty is an element of literals whose type is elided.
type Qty struct{ N int }

// Elided makes checkpoints inside literals whose element types are
// elided: a slice of structs, of pointers, and a map of structs.
//
//durable:workflow
func Elided(ctx durable.Context, n int) (int, error) {
	its := []Qty{{N: Inc(ctx, n)}, {N: n}}
	ps := []*Qty{{N: Inc(ctx, its[0].N)}}
	m := map[string]Qty{"a": {N: Inc(ctx, n) + ps[0].N}}
	// An elided element before one with a checkpoint goes to a temporary.
	b := struct{ Qs []Qty }{Qs: []Qty{{N: max(2, n)}, {N: Inc(ctx, n)}}}
	return its[0].N + its[1].N + ps[0].N + m["a"].N + b.Qs[0].N + b.Qs[1].N, nil
}
