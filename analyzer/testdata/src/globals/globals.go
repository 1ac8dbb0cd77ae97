package globals

import (
	"context"

	"github.com/durablegen/durable"
)

const limit = 10

var (
	counter  int                        // want counter:"written"
	rates    = map[string]int{"eur": 1} // never written: a constant in all but name
	override string                     // want override:"written"
)

// SetOverride changes override at run time.
func SetOverride(s string) { override = s } // want SetOverride:"nondet DG011: writes package variable globals.override"

type Worker struct{ seen int }

//durable:step
func Save(ctx context.Context, n int) error { counter++; return nil } // want Save:"step"

//durable:workflow
func Count(ctx durable.Context, cur string) (int, error) { // want Count:"workflow"
	counter++ // want `DG011: workflow Count writes package variable globals.counter`
	n := rates[cur] * limit
	if override != "" { // want `DG011: workflow code reads package variable globals.override, which is assigned at run time`
		n++
	}
	return n, Save(ctx, n)
}

//durable:workflow
func (w *Worker) Track(ctx durable.Context, n int) (int, error) { // want Track:"workflow"
	w.seen += n      // want `DG011: workflow Worker.Track writes w.seen: the receiver is shared by every instance`
	SetOverride("x") // want `DG011: Worker.Track calls SetOverride, which writes package variable globals.override`
	return w.seen, nil
}

// Shop is the receiver of a workflow whose helpers write through it.
type Shop struct {
	orders int
	byID   map[string]int
	last   *int
}

func (s *Shop) bump()            { s.orders++ }
func (s *Shop) note(id string)   { s.byID[id]++ }
func (s *Shop) record(id string) { s.note(id) }
func (s *Shop) count() int       { return s.orders }
func (s Shop) copyBump() int     { s.orders++; return s.orders } // a copy: not shared
func (s Shop) point(n int)       { *s.last = n }                 // shared through the pointer

//durable:workflow
func (s *Shop) Order(ctx durable.Context, id string) (int, error) { // want Order:"workflow"
	s.bump()       // want `DG011: workflow Shop.Order calls s.bump, which writes s.orders: the receiver is shared by every instance`
	s.record(id)   // want `DG011: workflow Shop.Order calls s.record, which writes s.byID\[id\]`
	s.point(1)     // want `DG011: workflow Shop.Order calls s.point, which writes \*s.last`
	n := s.count() // reads only
	n += s.copyBump()
	var local Shop
	local.bump() // not the receiver
	return n, nil
}
