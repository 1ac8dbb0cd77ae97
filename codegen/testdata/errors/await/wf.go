package wf

import (
	"github.com/durablegen/durable"
)

//durable:workflow
func W(ctx durable.Context, name string) (int, error) {
	return durable.Await[int](ctx, name)
}
