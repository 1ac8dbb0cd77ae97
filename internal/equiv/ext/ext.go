// Package ext declares steps and a workflow used by workflows of another
// package.
package ext

//go:generate go run github.com/durablegen/durable/cmd/durablegen

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

// Shout is a workflow of this package that workflows of other packages
// start as a child.
//
//durable:workflow
func Shout(ctx durable.Context, words []string) (string, error) {
	out := ""
	for _, w := range words {
		u, err := Upper(ctx, nopRecorder{}, w)
		if err != nil {
			return out, err
		}
		out += u + "!"
	}
	return out, nil
}

type nopRecorder struct{}

func (nopRecorder) Add(context.Context, string) {}

// NewTally returns a counter of a type other packages cannot name: a
// workflow may hold one in a local between two checkpoints.
func NewTally(n int) *tally { return &tally{n: n} }

type tally struct{ n int }

// Add adds k to the tally.
func (t *tally) Add(k int) { t.n += k }

// Total returns the tally.
func (t *tally) Total() int { return t.n }
