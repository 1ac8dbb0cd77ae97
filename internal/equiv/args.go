package equiv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/durablegen/durable"
)

// Counter hands out numbers: its Next has an effect, so a step argument
// that calls it must be evaluated once, however often the step retries.
type Counter struct{ N int }

// Next returns the next number.
func (c *Counter) Next() int {
	c.N++
	return c.N
}

// Issue fails its first attempt when run as a step (a direct call does not
// retry), and its retry is an hour away, so the instance suspends and the
// second attempt runs after a resume.
//
//durable:step retries=3 backoff=1h..1h
func Issue(ctx context.Context, n int) (string, error) {
	Effects.Add(ctx, fmt.Sprint("issue ", n))
	if s, ok := durable.Step(ctx); ok && s.Attempt == 1 {
		return "", errors.New("try again later")
	}
	return fmt.Sprint("id-", n), nil
}

// ArgsOnce calls steps whose arguments have effects: each is evaluated
// once, before the first attempt, and reused by the retry that resumes.
//
//durable:workflow
func ArgsOnce(ctx durable.Context, start int) (string, error) {
	seq := &Counter{N: start}
	a, err := Issue(ctx, seq.Next())
	if err != nil {
		return "", err
	}
	b, err := Issue(ctx, seq.Next()*10)
	if err != nil {
		return "", err
	}
	return fmt.Sprint(a, " ", b, " ", seq.N), nil
}

// ArgPanic indexes past the end of a slice in a step's argument: the
// workflow panics there, as the direct call does, and no attempt runs.
//
//durable:workflow
func ArgPanic(ctx durable.Context, i int) (string, error) {
	xs := []string{"a", "b"}
	if _, err := Echo(ctx, "before"); err != nil {
		return "", err
	}
	return Echo(ctx, xs[i])
}

// ChildArgs starts children whose inputs have effects: a waiting parent
// resumes several times before its child ends, and evaluates the input
// only once.
//
//durable:workflow
func ChildArgs(ctx durable.Context, users []string) (string, error) {
	seq := &Counter{}
	out := ""
	for _, u := range users {
		r, err := Drip(ctx, fmt.Sprint(u, seq.Next()))
		if err != nil {
			return "", err
		}
		out += r + ";"
	}
	return fmt.Sprint(out, seq.N), nil
}

// ArgsOnly builds step arguments with values the frame cannot store (a
// strings.Builder, a closure): they feed the steps' arguments and are not
// used after, so only the arguments' values are kept while a step is
// pending.
//
//durable:workflow
func ArgsOnly(ctx durable.Context, words []string) (string, error) {
	var b strings.Builder
	for _, w := range words {
		b.WriteString(w)
	}
	a, err := Echo(ctx, b.String())
	if err != nil {
		return "", err
	}
	n := 0
	tick := func() int { n++; return n }
	c, err := Issue(ctx, tick()+len(a))
	if err != nil {
		return "", err
	}
	return a + " " + c, nil
}
