package wf

import (
	"context"
	"maps"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context, k string) error { return nil }

//durable:workflow
func W(ctx durable.Context, m map[string]int) (int, error) {
	for k := range maps.Keys(m) {
		if err := Step(ctx, k); err != nil {
			return 0, err
		}
	}
	return len(m), nil
}
