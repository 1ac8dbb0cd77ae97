package wf

import (
	"context"

	"github.com/durablegen/durable"
)

type Cursor struct{ Page int }

//durable:step
func Fetch(ctx context.Context, c Cursor) (Cursor, error) { return c, nil }

//durable:workflow
func W(ctx durable.Context, in Cursor) (int, error) {
	next, err := Fetch(ctx, in)
	if err != nil {
		return 0, err
	}
	if next.Page > 9 {
		return 0, durable.ContinueAsNew(ctx, &next)
	}
	if next.Page > 5 {
		return 0, durable.ContinueAsNew(ctx, next.Page)
	}
	return 0, durable.ContinueAsNew(ctx, next)
}
