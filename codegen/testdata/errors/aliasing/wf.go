package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

type L struct{ Qty int }

type S struct{ Lines []L }

// W keeps a pointer to a field of a slice element: the frame keeps
// pointers to stored variables, their fields and their elements, not
// to fields of elements.
//
//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	s := S{Lines: make([]L, 1)}
	p := &s.Lines[0].Qty
	if err := Step(ctx); err != nil {
		return 0, err
	}
	*p = in
	return s.Lines[0].Qty, nil
}
