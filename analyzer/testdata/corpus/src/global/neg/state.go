package neg

import (
	"errors"

	"github.com/durablegen/durable"
)

const maxItems = 100

var ErrTooMany = errors.New("too many items")

var currencies = map[string]int{"EUR": 2, "JPY": 0} // never written

// Check reads constants and never-written variables.
//
//durable:workflow
func Check(ctx durable.Context, n int) (int, error) {
	if n > maxItems {
		return 0, ErrTooMany
	}
	return currencies["EUR"] * n, nil
}

type Shop struct{ Name string }

// Greet reads its receiver.
//
//durable:workflow
func (s *Shop) Greet(ctx durable.Context, who string) (string, error) {
	count := 0
	count++
	return s.Name + " greets " + who, nil
}
