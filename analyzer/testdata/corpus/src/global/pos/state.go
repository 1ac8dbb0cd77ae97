package pos

import (
	"github.com/durablegen/durable"
)

var processed int

var rate = 100

// SetRate changes the rate at run time.
func SetRate(r int) { rate = r }

// Tally counts processed items in a package variable.
//
//durable:workflow
func Tally(ctx durable.Context, n int) (int, error) {
	processed += n // finding: DG011
	return n, nil
}

// Price reads a variable that other code writes.
//
//durable:workflow
func Price(ctx durable.Context, qty int) (int, error) {
	return qty * rate, nil // finding: DG011
}

type Shop struct{ orders int }

// Order counts orders in its receiver.
//
//durable:workflow
func (s *Shop) Order(ctx durable.Context, n int) (int, error) {
	s.orders++ // finding: DG011
	return s.orders, nil
}
