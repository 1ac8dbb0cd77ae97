package pos

import (
	"context"
	"os"

	"github.com/durablegen/durable"
)

//durable:step
func Upload(ctx context.Context, name string) (string, error) { return name, nil }

// Export keeps a file open across a step.
//
//durable:workflow
func Export(ctx durable.Context, name string) (string, error) {
	f, err := os.Create(name) // finding: DG012 DG005
	if err != nil {
		return "", err
	}
	url, err := Upload(ctx, name)
	if err != nil {
		return "", err
	}
	return url, f.Close() // finding: DG005
}

type secret struct{ token string }

// Carry keeps a struct with an unexported field across a step.
//
//durable:workflow
func Carry(ctx durable.Context, token string) (string, error) {
	s := secret{token: token} // finding: DG012
	url, err := Upload(ctx, "x")
	return url + s.token, err
}

type suffix struct{ Text string }

func (s suffix) add(v string) string { return v + s.Text }

// Callback keeps a method value, bound to its receiver, across a step:
// it cannot be rebuilt after a resume.
//
//durable:workflow
func Callback(ctx durable.Context, name string) (string, error) {
	done := suffix{Text: "!"}.add // finding: DG012
	url, err := Upload(ctx, name)
	return done(url), err
}
