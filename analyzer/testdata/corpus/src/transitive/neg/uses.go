package neg

import (
	"context"
	"time"

	"transitive/lib"

	"github.com/durablegen/durable"
)

//durable:step
func Deadline(ctx context.Context, d time.Duration) (time.Time, error) {
	return lib.Deadline(d), nil // steps may call anything
}

// Renew gets its deadline from a step and uses pure helpers.
//
//durable:workflow
func Renew(ctx durable.Context, m map[string]int) (time.Time, error) {
	keys := lib.Sorted(m)
	_ = lib.Add(len(keys), 1)
	return Deadline(ctx, time.Hour)
}
