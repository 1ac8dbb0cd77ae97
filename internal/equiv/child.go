package equiv

import (
	"fmt"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/equiv/ext"
)

// Onboard: a child workflow per user, in a loop, with a durable sleep in
// the child (the 7-day drip), and a child that fails.
//
//durable:workflow
func Onboard(ctx durable.Context, users []string) (string, error) {
	out := ""
	for _, u := range users {
		r, err := Drip(ctx, u)
		if err != nil {
			out += "!" + err.Error() + ";"
			continue
		}
		out += r + ";"
	}
	n, err := Echo(ctx, "done")
	return out + n, err
}

// Drip is the child: a welcome, a week's wait, a follow-up.
//
//durable:workflow
func Drip(ctx durable.Context, user string) (string, error) {
	if user == "" {
		return "", durable.Permanent(fmt.Errorf("no user"))
	}
	a, err := Echo(ctx, "welcome "+user)
	if err != nil {
		return "", err
	}
	if err := durable.Sleep(ctx, 7*24*time.Hour); err != nil {
		return "", err
	}
	b, err := Echo(ctx, "tips "+user)
	return a + "+" + b, err
}

// Nested: a child of a child, started from a workflow method, whose
// input comes from a step.
//
//durable:workflow
func (a *Account) Nested(ctx durable.Context, n int) (int, error) {
	v, err := Sequence(ctx, Inc(ctx, n))
	if err != nil {
		return 0, err
	}
	s, err := Onboard(ctx, []string{a.Owner})
	if err != nil {
		return 0, err
	}
	return v + len(s), nil
}

// Loud starts a workflow of another package as a child.
//
//durable:workflow
func Loud(ctx durable.Context, words []string) (string, error) {
	s, err := ext.Shout(ctx, words)
	if err != nil {
		return "", fmt.Errorf("shout: %w", err)
	}
	return Echo(ctx, s)
}
