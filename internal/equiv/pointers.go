package equiv

import (
	"fmt"

	"github.com/durablegen/durable"
)

// Line is an order line for the pointer tests.
type Line struct {
	SKU    string
	Status string
	Qty    int
}

// Cart is the input of the pointer tests.
type Cart struct {
	Order Line
	Lines []Line
	Fixed [3]int
}

// PointersKept keeps pointers into stored variables across checkpoints
// and writes through them and through the variables after resumes: the
// address of a field of the input, of a local, of an element of a slice
// of the workflow's own, and of an array element.
//
//durable:workflow
func PointersKept(ctx durable.Context, in Cart) (string, error) {
	o := &in.Order
	if _, err := Echo(ctx, o.SKU); err != nil {
		return "", err
	}
	o.Status = "charged"
	n := 1
	p := &n
	lines := make([]Line, len(in.Lines))
	copy(lines, in.Lines)
	for i := range lines {
		it := &lines[i]
		st, err := Echo(ctx, "held "+it.SKU)
		if err != nil {
			return "", err
		}
		it.Status = st
		*p += it.Qty
	}
	q := &in.Fixed[1]
	if _, err := Echo(ctx, "between"); err != nil {
		return "", err
	}
	n *= 10
	*q = n
	in.Fixed[1]++
	last := &lines[len(lines)-1]
	if _, err := Echo(ctx, "last"); err != nil {
		return "", err
	}
	lines[len(lines)-1].Qty = 99
	return fmt.Sprint(in.Order.Status, " ", *p, " ", lines, " ", last.Qty, " ", in.Fixed, " ", *q), nil
}

// Bag holds slices and a map that the aliasing test shares.
type Bag struct {
	Items []string
	Tags  map[string]int
	N     int
}

// SharedKept keeps stored variables that share memory across
// checkpoints and writes through each after resumes: a slice field and
// a copy of it, a struct copy that shares its slices and map, a
// sub-slice whose append writes into its parent's array, and two names
// of one map.
//
//durable:workflow
func SharedKept(ctx durable.Context, in Bag) (string, error) {
	items := in.Items
	b := in
	xs := []int{1, 2, 3, 4}
	ys := xs[1:3]
	m := map[string]int{"a": 1}
	m2 := m
	if _, err := Echo(ctx, "one"); err != nil {
		return "", err
	}
	items[0] = "changed"
	ys[0] = 20
	m2["b"] = 2
	b.Tags["t"]++
	if _, err := Echo(ctx, "two"); err != nil {
		return "", err
	}
	ys = append(ys, 30)
	b.Items[1] = "b1"
	if _, err := Echo(ctx, "three"); err != nil {
		return "", err
	}
	ys[1] = 31
	return fmt.Sprint(in.Items, b.Items, items, xs, ys, m, m2, in.Tags, b.Tags), nil
}

// Shelf is the input of ReserveAll.
type Shelf struct{ Items []Line }

// ReserveAll reserves each item through a pointer to its element of a
// slice that shares the input's array, and reads the input afterwards.
//
//durable:workflow
func ReserveAll(ctx durable.Context, in Shelf) (string, error) {
	items := in.Items
	for i := range items {
		it := &items[i]
		st, err := Echo(ctx, "held "+it.SKU)
		if err != nil {
			return "", err
		}
		it.Status = st
	}
	if _, err := Echo(ctx, "done"); err != nil {
		return "", err
	}
	return fmt.Sprint(in.Items, items), nil
}

// BoxedPointers keeps pointers to per-iteration loop variables (boxed in
// the frame, as each iteration has its own) across checkpoints: the
// address of a range key, and of an element of an array declared in the
// loop body; before the first iteration the boxes do not exist yet.
//
//durable:workflow
func BoxedPointers(ctx durable.Context, in string) (string, error) {
	sum := 0
	for i, r := range in {
		p := &i
		arr := [3]int{int(r), 0, 0}
		q := &arr[1]
		if _, err := Echo(ctx, string(r)); err != nil {
			return "", err
		}
		*p += 100
		*q = i
		sum += arr[1] + *p
	}
	if _, err := Echo(ctx, "end"); err != nil {
		return "", err
	}
	return fmt.Sprint(sum), nil
}
