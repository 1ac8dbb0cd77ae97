// Package ext declares steps and a workflow used by workflows of another
// package.
package ext

//go:generate go run github.com/durablegen/durable/cmd/durablegen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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

// Effects receives the effects of the steps that Spell and Fill call
// (their recorder, hookRecorder, forwards to it); nil drops them.
var Effects Recorder

type hookRecorder struct{}

func (hookRecorder) Add(ctx context.Context, effect string) {
	if Effects != nil {
		Effects.Add(ctx, effect)
	}
}

// ErrTooMany is the sentinel Spell returns, wrapped, past its limit.
var ErrTooMany = errors.New("too many words")

// Spell is an exported helper that makes checkpoints: a workflow of
// another package that calls it nests its frame in its own, so that a
// crash inside it resumes inside it. It upper-cases each word, sleeping
// between them, and stops with ErrTooMany past limit words.
func Spell(ctx durable.Context, words []string, sep string, limit int) (string, int, error) {
	out, n := "", 0
	for i, w := range words {
		if n == limit {
			return out, n, fmt.Errorf("word %d: %w", i, ErrTooMany)
		}
		u, err := Upper(ctx, hookRecorder{}, w)
		if err != nil {
			return out, n, fmt.Errorf("word %d: %w", i, err)
		}
		if i > 0 {
			out += sep
		}
		out += u
		n++
		if err := durable.Sleep(ctx, time.Minute); err != nil {
			return out, n, err
		}
	}
	return out, n, nil
}

// Fill writes the upper-cased words into dst, through the caller's
// slice: its callers must not keep dst across the call.
func Fill(ctx durable.Context, dst []string, words ...string) error {
	for i, w := range words {
		u, err := Upper(ctx, hookRecorder{}, w)
		if err != nil {
			return err
		}
		dst[i] = u
	}
	return nil
}
