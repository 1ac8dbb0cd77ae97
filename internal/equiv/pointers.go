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
