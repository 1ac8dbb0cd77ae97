package pos

import (
	"time"

	"github.com/durablegen/durable"
)

type AuditEntry struct {
	Actor string
	At    time.Time
}

// Audit stamps an entry with the wall clock.
//
//durable:workflow
func Audit(ctx durable.Context, actor string) (AuditEntry, error) {
	return AuditEntry{Actor: actor, At: time.Now().UTC()}, nil // finding: DG001
}

// Remaining computes the time left before a deadline.
//
//durable:workflow
func Remaining(ctx durable.Context, deadline time.Time) (time.Duration, error) {
	return time.Until(deadline), nil // finding: DG001
}
