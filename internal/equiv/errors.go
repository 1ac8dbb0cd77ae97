package equiv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/durablegen/durable"
)

// Errors that cross checkpoints: their tests must give the same answers
// in the direct call and after any crash, with no option naming them
// (durablegen registers them in the descriptors).

// ErrNoRows is a sentinel steps return as is and wrapped.
var ErrNoRows = errors.New("no rows")

// ErrUnused is a sentinel the workflows compare with but no step returns.
var ErrUnused = errors.New("unused")

// ErrGone and Busy are only tested in a helper the workflow calls.
var ErrGone = errors.New("gone")

// Busy is a typed error only matched in a helper.
type Busy struct{ Queue string }

func (b *Busy) Error() string { return "busy: " + b.Queue }

// describe tests err outside the workflow body: durablegen follows the
// error into it.
func describe(err error) string {
	var b *Busy
	switch {
	case errors.Is(err, ErrGone):
		return "gone"
	case errors.As(err, &b):
		return "busy " + b.Queue
	}
	return "-"
}

// RateLimited is a typed error steps return by pointer.
type RateLimited struct {
	After int
	Scope string
}

func (e *RateLimited) Error() string {
	return fmt.Sprintf("rate limited for %ds on %s", e.After, e.Scope)
}

// Code is a typed error steps return by value: == compares its fields.
type Code struct{ N int }

func (c Code) Error() string { return fmt.Sprintf("code %d", c.N) }

// Failure returns the error of kind, or nil for "none".
//
//durable:step retries=0
func Failure(ctx context.Context, kind string) error {
	Effects.Add(ctx, "failure "+kind)
	switch kind {
	case "sentinel":
		return ErrNoRows
	case "wrapped":
		return fmt.Errorf("query users: %w", ErrNoRows)
	case "permanent":
		return durable.Permanent(ErrNoRows)
	case "eof":
		return io.EOF
	case "typed":
		return &RateLimited{After: 30, Scope: "users"}
	case "wrappedtyped":
		return fmt.Errorf("call api: %w", &RateLimited{After: 5, Scope: "orders"})
	case "code":
		return Code{N: 7}
	case "wrappedcode":
		return fmt.Errorf("x: %w", Code{N: 8})
	case "plain":
		return errors.New("no rows") // ErrNoRows's message, another error
	case "gone":
		return fmt.Errorf("fetch: %w", ErrGone)
	case "busy":
		return &Busy{Queue: "q1"}
	case "none":
		return nil
	}
	return fmt.Errorf("unknown kind %q", kind)
}

// ErrorIdentity tests the error of each kind, returned by a step, with
// ==, !=, errors.Is, errors.As, a switch, a type assertion and a type
// switch, after further checkpoints.
//
//durable:workflow
func ErrorIdentity(ctx durable.Context, kinds []string) (string, error) {
	var out []string
	for _, k := range kinds {
		err := Failure(ctx, k)
		if err := Note(ctx, k); err != nil { // a checkpoint between the error and its tests
			return "", err
		}
		var rl *RateLimited
		var code Code
		asRL := errors.As(err, &rl)
		after := -1
		if asRL {
			after = rl.After
		}
		kind := "other"
		switch err {
		case nil:
			kind = "nil"
		case ErrNoRows:
			kind = "norows"
		case io.EOF:
			kind = "eof"
		case ErrUnused:
			kind = "unused"
		}
		ts := "none"
		switch e := err.(type) {
		case nil:
			ts = "nil"
		case *RateLimited:
			ts = "ratelimited " + e.Scope
		case Code:
			ts = fmt.Sprint("code ", e.N)
		}
		p, isRL := err.(*RateLimited)
		if isRL && p.After <= 0 {
			return "", errors.New("bad value")
		}
		out = append(out, fmt.Sprintf("%s: ==%v !=%v is=%v isEOF=%v isUnused=%v as=%v/%d asCode=%v code=%d ==code7=%v isCode8=%v switch=%s type=%s assert=%v perm=%v helper=%s",
			k, err == ErrNoRows, err != ErrNoRows, errors.Is(err, ErrNoRows), errors.Is(err, io.EOF), errors.Is(err, ErrUnused),
			asRL, after, errors.As(err, &code), code.N, err == Code{N: 7}, errors.Is(err, Code{N: 8}), kind, ts, isRL, durable.IsPermanent(err), describe(err)))
	}
	return strings.Join(out, "\n"), nil
}

// ErrorChild returns the error of kind as its own.
//
//durable:workflow
func ErrorChild(ctx durable.Context, kind string) (int, error) {
	if err := Failure(ctx, kind); err != nil {
		return 0, err
	}
	return 1, nil
}

// ErrorParent tests the errors its children return.
//
//durable:workflow
func ErrorParent(ctx durable.Context, kinds []string) (string, error) {
	var out []string
	for _, k := range kinds {
		_, err := ErrorChild(ctx, k)
		if err := Note(ctx, k); err != nil {
			return "", err
		}
		var rl *RateLimited
		out = append(out, fmt.Sprintf("%s: ==%v is=%v as=%v", k, err == ErrNoRows, errors.Is(err, ErrNoRows), errors.As(err, &rl)))
	}
	return strings.Join(out, "\n"), nil
}

// ErrorResult fails with the error of kind after a checkpoint: the error a
// client reads.
//
//durable:workflow
func ErrorResult(ctx durable.Context, kind string) (int, error) {
	err := Failure(ctx, kind)
	if nerr := Note(ctx, "after"); nerr != nil {
		return 0, nerr
	}
	if err == ErrNoRows {
		return 0, fmt.Errorf("result: %w", err)
	}
	return 0, err
}
