package neg

import (
	"context"

	"github.com/durablegen/durable"
)

type Job struct {
	ID   string
	Args []string
}

//durable:step
func Exec(ctx context.Context, j Job) error { return nil }

// Run has the expected shape.
//
//durable:workflow
func Run(ctx durable.Context, j Job) (string, error) {
	return j.ID, Exec(ctx, j)
}
