package wf

import (
	"context"
	"strings"

	"github.com/durablegen/durable"
)

//durable:step
func Echo(ctx context.Context, s string) (string, error) { return s, nil }

//durable:workflow
func Builder(ctx durable.Context, in string) (string, error) {
	// The literal writes b across its checkpoint: b is stored with the
	// frame, and a strings.Builder cannot be.
	var b strings.Builder
	add := func(s string) error {
		v, err := Echo(ctx, s)
		b.WriteString(v)
		return err
	}
	if err := add(in); err != nil {
		return "", err
	}
	return b.String(), nil
}

//durable:workflow
func Saga(ctx durable.Context, in string) (string, error) {
	run := func() error {
		_, err := Echo(ctx, in)
		return err
	}
	go run()
	return in, nil
}
