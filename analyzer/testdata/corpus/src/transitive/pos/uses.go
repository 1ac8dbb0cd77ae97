package pos

import (
	"time"

	"transitive/lib"

	"github.com/durablegen/durable"
)

func expires() time.Time { return lib.Deadline(time.Hour) }

// Renew computes a deadline through a library.
//
//durable:workflow
func Renew(ctx durable.Context, n int) (time.Time, error) {
	return lib.Deadline(time.Duration(n) * time.Minute), nil // finding: DG001
}

// Tenant reads the environment through a library.
//
//durable:workflow
func Tenant(ctx durable.Context, id string) (string, error) {
	return lib.Tenant() + "/" + id, nil // finding: DG004
}

// Expires reaches the clock through a local helper.
//
//durable:workflow
func Expires(ctx durable.Context, id string) (time.Time, error) {
	return expires(), nil // finding: DG001
}
