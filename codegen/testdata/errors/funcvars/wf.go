package wf

import (
	"context"
	"fmt"

	"github.com/durablegen/durable"
)

//durable:step
func Charge(ctx context.Context, n int) (int, error) { return n, nil }

type Order struct{ N int }

func (o Order) Total() int { return o.N * 2 }

func adder(k int) func(int) int { return func(v int) int { return v + k } }

//durable:workflow
func W(ctx durable.Context, in Order) (int, error) {
	add := adder(3)
	total := in.Total // rebuilt: nothing writes in
	o := in
	half := o.Total
	o.N = 1
	key := func() string { return durable.IdempotencyKey(ctx) }
	var fs []func() int
	for i := 0; i < in.N; i++ {
		show := func() int { return i }
		if _, err := Charge(ctx, i); err != nil {
			return 0, err
		}
		fs = append(fs, show)
		fmt.Println(show())
	}
	if _, err := Charge(ctx, in.N); err != nil {
		return 0, err
	}
	return add(1) + total() + half() + len(key()) + len(fs), nil
}

//durable:workflow
func Nested(ctx durable.Context, in int) (int, error) {
	get := func() int { return in }
	reset := func() { get = func() int { return 0 } }
	if _, err := Charge(ctx, in); err != nil {
		return 0, err
	}
	reset()
	return get(), nil
}
