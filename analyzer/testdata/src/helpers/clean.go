// Package helpers holds functions of a workflow's package that take the
// durable.Context first and make checkpoints: durablegen compiles them
// with the workflows that call them, so their bodies are workflow code.
package helpers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/durablegen/durable"
)

//durable:step
func Charge(ctx context.Context, n int) (int, error) { return n, nil } // want Charge:"step"

//durable:step
func Note(ctx context.Context, s string) error { return nil } // want Note:"step"

//durable:step
func Touch(ctx context.Context, s string) {} // want Touch:"step"

// chargeAll makes a checkpoint per amount and sleeps: clean.
func chargeAll(ctx durable.Context, who string, amounts []int) (int, error) {
	total := 0
	for i, a := range amounts {
		if a < 0 {
			return total, fmt.Errorf("%s: amount %d is negative", who, i)
		}
		n, err := Charge(ctx, a)
		if err != nil {
			return 0, err
		}
		total += n
	}
	if err := durable.Sleep(ctx, time.Minute); err != nil {
		return 0, err
	}
	return total, nil
}

// settle calls chargeAll, a helper two calls deep from the workflow,
// over the sorted keys of a map, and names its results: clean.
func settle(c durable.Context, byWho map[string][]int) (label string, total int, err error) {
	for _, who := range slices.Sorted(maps.Keys(byWho)) {
		t, err := chargeAll(c, who, byWho[who])
		if err != nil {
			return "", 0, err
		}
		total += t
	}
	at := durable.Now(c)
	label = fmt.Sprint(total, at.Unix())
	err = Note(c, label)
	return
}

// record makes a checkpoint and returns nothing: clean.
func record(ctx durable.Context, parts ...string) {
	Touch(ctx, strings.Join(parts, "+"))
}

// Service has helper methods, called on the workflow's receiver.
type Service struct{ Prefix string }

// tag makes a checkpoint with the receiver's prefix: clean.
func (s *Service) tag(ctx durable.Context, v string) (string, error) {
	return v, Note(ctx, s.Prefix+v)
}

// Clean calls helpers in sequence, in a loop and in an expression;
// locals live across a helper call are saveable.
//
//durable:workflow
func Clean(ctx durable.Context, n int) (string, error) { // want Clean:"workflow"
	var out []string
	for i := range n {
		label, total, err := settle(ctx, map[string][]int{"a": {i}, "b": {i, 1}})
		if err != nil {
			return "", err
		}
		out = append(out, fmt.Sprintf("%s:%d", label, total))
	}
	record(ctx, "a", "b")
	record(ctx)
	if t, err := chargeAll(ctx, "x", []int{n}); err == nil {
		out = append(out, fmt.Sprint(t))
	}
	return strings.Join(out, " "), nil
}

// Tagged is a workflow method calling a helper method on its receiver.
//
//durable:workflow
func (s *Service) Tagged(ctx durable.Context, v string) (string, error) { // want Tagged:"workflow"
	return s.tag(ctx, v)
}
