// Package ext declares steps used by workflows of another package.
package ext

import (
	"context"
	"errors"
	"strings"

	"github.com/durablegen/durable"
)

// Recorder receives the effects of the steps of this package.
type Recorder interface {
	Add(ctx context.Context, effect string)
}

// Upper returns s in upper case, recording the call in r.
//
//durable:step retries=2 backoff=10ms
func Upper(ctx context.Context, r Recorder, s string) (string, error) {
	r.Add(ctx, "upper "+s)
	if s == "" {
		return "", durable.Permanent(errEmpty)
	}
	return strings.ToUpper(s), nil
}

var errEmpty = errors.New("empty word")
