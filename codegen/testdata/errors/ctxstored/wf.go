package wf

import (
	"context"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context, s string) error { return nil }

type job struct {
	ctx  durable.Context
	name string
}

type runner struct{ ctx durable.Context }

func (r *runner) run(name string) error { return nil }

// The workflow context stored in a struct field, in a composite literal
// and in a slice: it cannot be stored; pass it as a parameter instead.
//
//durable:workflow
func W(ctx durable.Context, name string) (string, error) {
	j := job{ctx: ctx, name: name}
	var r runner
	r.ctx = ctx
	all := []durable.Context{ctx}
	p := &runner{ctx}
	var list []durable.Context
	list = append(list, ctx)
	byName := map[string]durable.Context{}
	byName[name] = ctx
	if err := Step(ctx, j.name); err != nil {
		return "", err
	}
	_ = all
	_ = p
	_, _ = list, byName
	return j.name, r.run(name)
}
