package wf

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"

	"github.com/durablegen/durable"
)

var ErrX = errors.New("x")

type Limited struct{ After int }

func (e *Limited) Error() string { return "limited" }

type hidden struct{ n int }

func (e *hidden) Error() string { return "hidden" }

type temporary interface{ Temporary() bool }

//durable:step
func Step(ctx context.Context, in int) error { return nil }

func mkErr() error { return ErrX }

func one(ctx context.Context) (int, error) { return 1, nil }

//durable:workflow
func Refused(ctx durable.Context, in int) (int, error) {
	local := errors.New("local")
	err := Step(ctx, in)
	if err := Step(ctx, in); err != nil {
		return 0, err
	}
	n := 0
	if err == local { // a local error variable
		n++
	}
	if err != mkErr() { // a call result
		n++
	}
	if errors.Is(err, local) { // a non-constant target
		n++
	}
	switch err {
	case ErrX:
	case local: // a switch case
		n++
	}
	var tmp temporary
	if errors.As(err, &tmp) { // an interface target
		n++
	}
	var pe *fs.PathError
	if errors.As(err, &pe) { // a type with an error field
		n++
	}
	if _, ok := err.(*hidden); ok { // a type with an unexported field
		n++
	}
	switch err.(type) {
	case temporary: // an interface case
		n++
	}
	if errors.Unwrap(err) != nil { // the chain is not restored
		n++
	}
	if errors.Is(Step(ctx, n), local) { // a step's error, inline
		n++
	}
	return n, nil
}

//durable:workflow
func Future(ctx durable.Context, in int) (int, error) {
	f := durable.Go(ctx, "one", one)
	if err := durable.All(ctx, f); err != nil {
		return 0, err
	}
	v, ferr := f.Get()
	if errors.Is(ferr, ErrX) { // only the message survives
		return 0, nil
	}
	return v, nil
}

//durable:workflow
func Accepted(ctx durable.Context, in int) (int, error) {
	err := Step(ctx, in)
	if err := Step(ctx, in); err != nil {
		return 0, err
	}
	n := 0
	if err == nil || err != nil {
		n++
	}
	if err == ErrX || errors.Is(err, io.EOF) || err == io.ErrUnexpectedEOF {
		n++
	}
	var l *Limited
	if errors.As(err, &l) {
		n++
	}
	if _, ok := err.(*Limited); ok {
		n++
	}
	var e error
	if errors.As(err, &e) {
		n++
	}
	switch err.(type) {
	case nil, error:
	}
	// Nothing crossed: the unmarshal error is made after the last checkpoint.
	var v int
	jerr := json.Unmarshal([]byte("x"), &v)
	local := errors.New("local")
	var se *json.SyntaxError
	if jerr == local || errors.Is(jerr, local) || errors.As(jerr, &se) || errors.Unwrap(jerr) != nil {
		n++
	}
	var tmp temporary
	if errors.As(jerr, &tmp) {
		n++
	}
	return n, nil
}

// isLocal compares its argument with an error it makes.
func isLocal(err error, local error) bool { return err == local }

// retryAfter matches a type it does not need the workflow to name.
func retryAfter(err error) int {
	var l *Limited
	if errors.As(err, &l) {
		return l.After
	}
	return 0
}

//durable:workflow
func Helpers(ctx durable.Context, in int) (int, error) {
	err := Step(ctx, in)
	if err := Step(ctx, in); err != nil {
		return 0, err
	}
	if isLocal(err, errors.New("x")) {
		return 1, nil
	}
	return retryAfter(err), nil
}
