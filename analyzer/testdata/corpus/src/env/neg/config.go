package neg

import (
	"context"
	"os"

	"github.com/durablegen/durable"
)

type Input struct{ Region string }

//durable:step
func LoadRegion(ctx context.Context) (string, error) { return os.Getenv("REGION"), nil }

// Region takes the region as input or reads it in a step.
//
//durable:workflow
func Region(ctx durable.Context, in Input) (string, error) {
	if in.Region != "" {
		return in.Region, nil
	}
	return LoadRegion(ctx)
}

// Host reads the host name once and records it.
//
//durable:workflow
func Host(ctx durable.Context, id string) (string, error) {
	h := durable.SideEffect(ctx, func() string {
		h, _ := os.Hostname()
		return h
	})
	return id + "@" + h, nil
}
