package wf

import (
	"context"

	"github.com/durablegen/durable"
)

type Order struct {
	ID     string
	Status string
	Lines  []int
}

type Item struct {
	SKU    string
	Status string
	Skip   bool
}

type In struct {
	Order Order
	Items []Item
}

//durable:step
func Step(ctx context.Context) error { return nil }

//durable:step
func Reserve(ctx context.Context, sku string) (string, error) { return "held", nil }

//durable:workflow
func PtrToField(ctx durable.Context, in In) (string, error) {
	o := &in.Order
	if err := Step(ctx); err != nil {
		return "", err
	}
	o.Status = "charged"
	if err := Step(ctx); err != nil {
		return "", err
	}
	return in.Order.Status, nil
}

//durable:workflow
func PtrToElem(ctx durable.Context, in In) (string, error) {
	items := in.Items
	for i := range items {
		it := &items[i]
		st, _ := Reserve(ctx, it.SKU)
		it.Status = st
	}
	return items[0].Status, nil
}

//durable:workflow
func PtrToDead(ctx durable.Context, n int) (int, error) {
	p := &n
	if err := Step(ctx); err != nil {
		return 0, err
	}
	n = 5
	return *p, nil
}

//durable:workflow
func StructCopy(ctx durable.Context, a Order) (int, error) {
	b := a
	if err := Step(ctx); err != nil {
		return 0, err
	}
	b.Lines[0] = 100
	return a.Lines[0], nil
}

//durable:workflow
func PtrTwice(ctx durable.Context, n int) (int, error) {
	p := &Item{SKU: "a"}
	list := []*Item{p, p}
	if err := Step(ctx); err != nil {
		return 0, err
	}
	list[0].SKU = "b"
	return len(list[1].SKU), nil
}

//durable:workflow
func AppendShared(ctx durable.Context, xs []int) (int, error) {
	head := xs[:1]
	if err := Step(ctx); err != nil {
		return 0, err
	}
	head = append(head, 7)
	return xs[1], nil
}

//durable:workflow
func RangeReassigned(ctx durable.Context, in In) (int, error) {
	n := 0
	for i, it := range in.Items {
		if err := Step(ctx); err != nil {
			return 0, err
		}
		if !it.Skip {
			n++
		}
		if i == 0 {
			in.Items = append(in.Items[:1], Item{SKU: "x"})
		}
		in.Items[0].Skip = true
	}
	return n, nil
}
