package wf

import (
	"context"
	"os"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context) error { return nil }

type secret struct {
	token string
}

//durable:workflow
func W(ctx durable.Context, in int) (int, error) {
	ch := make(chan int)
	f := os.Stdin
	s := secret{token: "x"}
	if err := Step(ctx); err != nil {
		return 0, err
	}
	_, _ = f.Stat()
	return len(ch) + len(s.token), nil
}
