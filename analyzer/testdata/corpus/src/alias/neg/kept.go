package neg

import "github.com/durablegen/durable"

type Cart struct{ Items []string }

// Share keeps a pointer into a local across a step: the frame stores
// where it points.
//
//durable:workflow
func Share(ctx durable.Context, c Cart) (int, error) {
	cart := c
	p := &cart
	n, err := Reserve(ctx, len(p.Items))
	p.Items = append(p.Items, "gift")
	return n + len(cart.Items), err
}

// Slices keeps two slices of one array across a step: the frame stores
// that they share it.
//
//durable:workflow
func Slices(ctx durable.Context, items []string) (int, error) {
	head := items[:1]
	n, err := Reserve(ctx, len(items))
	head[0] = "first"
	return n + len(items), err
}

// Element keeps a pointer to an element of a slice of its input.
//
//durable:workflow
func Element(ctx durable.Context, c Cart) (string, error) {
	it := &c.Items[0]
	if _, err := Reserve(ctx, 1); err != nil {
		return "", err
	}
	*it = "changed"
	return c.Items[0], nil
}
