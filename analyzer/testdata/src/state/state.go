package state

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/durablegen/durable"
)

//durable:step
func Step(ctx context.Context, n int) (int, error) { return n, nil } // want Step:"step"

type secret struct{ token string }

type Money struct {
	Cents    int64
	Currency string
	At       time.Time // has a marshaler
}

type Opaque struct{ hidden int }

func (o Opaque) MarshalJSON() ([]byte, error) { return nil, nil }

//durable:workflow
func Live(ctx durable.Context, db *sql.DB) (int, error) { // want Live:"workflow" `DG015: the input of workflow Live cannot be saved: sql.DB is a database handle`
	ch := make(chan int, 1)              // want `DG012: ch is live across the checkpoint Step at line 40, but a channel \(chan int\) cannot be saved` `DG007: make\(chan\)`
	f := func() int { return 1 }         // a literal of the body: rebuilt after a resume
	file, _ := os.Open("x")              // want `DG012: file is live across the checkpoint Step at line 40, but \*os.File is an open file` `DG005: os.Open`
	var mu sync.Mutex                    // want `DG012: mu is live across .* holds synchronization state` `DG008: mu has type sync.Mutex`
	var anything any = 1                 // want `DG012: anything is live across .* the interface any has no registered codec`
	s := secret{token: "t"}              // want `DG012: s is live across .* secret has the unexported field token, which the codec drops`
	c, cancel := context.WithCancel(ctx) // want `DG012: c is live across .* a context.Context cannot be saved` `DG012: cancel is live across .* but it holds a function value that cannot be rebuilt after a resume: it is assigned a result of context.WithCancel\(ctx\) \(line 37\);` `DG016: the workflow context ctx is passed to context.WithCancel`
	money := Money{Cents: 1}
	opaque := Opaque{}
	n, err := Step(ctx, 1)
	if err != nil {
		return 0, err
	}
	ch <- n // want `DG007: a channel send`
	mu.Lock()
	_, _ = file.Stat() // want `DG005: os.File.Stat`
	_ = c
	cancel()
	_, _, _ = anything, s, opaque
	return f() + int(money.Cents), nil
}

//durable:workflow
func Dead(ctx durable.Context, n int) (int, error) { // want Dead:"workflow"
	f, err := os.Open("x") // want `DG005: os.Open`
	if err == nil {
		f.Close() // want `DG005: os.File.Close`
	}
	double := func(x int) int { return 2 * x } // not live across a checkpoint
	n = double(n)
	for i := 0; i < 3; i++ {
		v, err := Step(ctx, n)
		if err != nil {
			return 0, err
		}
		n += v
	}
	return n, nil
}

//durable:workflow
func Alias(ctx durable.Context, n int) (int, error) { // want Alias:"workflow"
	total := Money{Cents: 1}
	p := &total // kept: the frame stores where p points
	a := []int{1, 2}
	b := a                        // kept: the frame stores that a and b share
	c := append([]int(nil), a...) // a copy
	if _, err := Step(ctx, n); err != nil {
		return 0, err
	}
	p.Cents++
	b[0] = 2
	return int(total.Cents) + a[0] + c[0], nil
}

func pick(i int) any {
	if i%2 == 0 {
		return i
	}
	return "odd"
}

//durable:workflow
func Switch(ctx durable.Context, n int) (string, error) { // want Switch:"workflow"
	out := ""
	for i := range n {
		switch x := pick(i).(type) {
		case int:
			s, _ := Step(ctx, x+1)
			out += fmt.Sprint(s)
		default:
			out += fmt.Sprint(x)
		}
	}
	return out, nil
}

// SwitchSubject makes a checkpoint in the subject of a type switch: the
// clauses' variables are assigned after it, each of its own type.
//
//durable:workflow
func SwitchSubject(ctx durable.Context, n int) (string, error) { // want SwitchSubject:"workflow"
	switch x := pick(must(Step(ctx, n))).(type) {
	case int:
		s, err := Step(ctx, x+1)
		return fmt.Sprint(s), err
	default:
		return fmt.Sprint(x), nil
	}
}

func must(n int, err error) int { return n }

// SwitchDefault keeps the default clause's variable, of the subject's
// interface type, across a checkpoint.
//
//durable:workflow
func SwitchDefault(ctx durable.Context, n int) (string, error) { // want SwitchDefault:"workflow"
	switch x := pick(n).(type) { // want `DG012: x is live across the checkpoint Step at line \d+, but the interface any has no registered codec`
	case int:
		return fmt.Sprint(x), nil
	default:
		s, err := Step(ctx, 1)
		return fmt.Sprint(x, s), err
	}
}

func (m Money) add(n int) int { return int(m.Cents) + n }

func triple(n int) int { return 3 * n }

func adder(n int) func(int) int { return func(v int) int { return v + n } }

// Funcs keeps function variables across a checkpoint: durablegen
// rebuilds literals of the body that do not use the context,
// package-level functions, nil and copies of those, not the others.
//
//durable:workflow
func Funcs(ctx durable.Context, n int) (int, error) { // want Funcs:"workflow"
	count := 0
	inc := func(by int) int { count += by; return count } // rebuilt; count is kept with it
	twice := triple                                       // a package-level function
	again := inc                                          // a copy of a rebuilt variable
	var none func(int) int                                // nil
	m := Money{Cents: 2}
	add := m.add // want `DG012: add is live across the checkpoint Step at line \d+, but it holds a function value that cannot be rebuilt after a resume: it is assigned m.add, which binds a copy of m, and m is assigned \(line \d+\)`
	fixed := Money{Cents: 5}
	keep := fixed.add                                   // a copy of a receiver nothing writes: rebuilt
	plus := adder(n)                                    // want `DG012: plus is live across .* it is assigned adder\(n\), which is not a function literal of the workflow or a package-level function`
	step := func() (int, error) { return Step(ctx, n) } // compiled like a helper: only called
	alias := add                                        // want `DG012: alias is live across .* it is assigned add, which cannot be rebuilt`
	if _, err := Step(ctx, n); err != nil {
		return 0, err
	}
	m = Money{Cents: 3}
	if none != nil {
		n++
	}
	v, err := step()
	return inc(1) + again(2) + twice(n) + add(1) + plus(1) + alias(v) + keep(int(m.Cents)), err
}

// Captured keeps a literal that captures a channel: the frame would
// keep the channel with it.
//
//durable:workflow
func Captured(ctx durable.Context, n int) (int, error) { // want Captured:"workflow"
	ch := make(chan int, 1) // want `DG007: make\(chan\)` `DG012: ch is live across the checkpoint Step at line \d+, but a channel \(chan int\) cannot be saved`
	size := func() int { return cap(ch) }
	if _, err := Step(ctx, n); err != nil {
		return 0, err
	}
	return size(), nil
}

// Shared keeps memory shared between stored variables across a
// checkpoint in the ways the frame does not keep, and writes through it.
//
//durable:workflow
func Shared(ctx durable.Context, n int) (int, error) { // want Shared:"workflow"
	x := n
	ps := []*int{&x} // want `DG013: ps keeps &x across a checkpoint, and that memory is written \(\*ps\[0\]\) at line \d+: after a resume ps and what it came from are restored as separate copies, so the write would no longer show in both; keep the value itself, or an index into it, instead of a pointer`
	xs := []int{n}
	m := map[string][]int{"a": xs} // want `DG013: m keeps xs across a checkpoint, and that memory is written \(xs\[0\]\) at line \d+: .*; copy the value instead \(slices.Clone, maps.Clone, or a copy of the struct and of the slices it holds\), or recompute it after the checkpoint`
	grid := [][]int{{n}}
	rows := grid // want `DG013: rows keeps grid across a checkpoint, and that memory is written \(rows\[0\]\[0\]\)`
	row := grid[0]
	held := map[string][]int{"b": {n}}
	ys := held["b"] // want `DG013: ys keeps held\["b"\] across a checkpoint`
	if _, err := Step(ctx, n); err != nil {
		return 0, err
	}
	*ps[0] = 2
	xs[0] = 3
	rows[0][0] = 4
	ys[0] = 5
	return x + m["a"][0] + grid[0][0] + row[0] + held["b"][0], nil
}

// Kept keeps the sharing the frame stores across a checkpoint: pointers
// to a variable, to a field and to elements, slot-to-slot copies of
// slices, maps and structs holding them, and sub-slices.
//
//durable:workflow
func Kept(ctx durable.Context, in Cart) (string, error) { // want Kept:"workflow"
	o := &in.Order
	q := &in.Fixed[1]
	items := in.Lines
	it := &items[0]
	c := in
	tail := items[1:]
	tags := map[string]int{}
	same := tags
	for i := range items {
		line := &items[i]
		if _, err := Step(ctx, i); err != nil {
			return "", err
		}
		line.Qty++
	}
	o.Qty = 2
	*q = 3
	it.Qty = 4
	c.Lines[0].SKU = "c"
	tail[0].SKU = "t"
	same["x"] = 1
	return fmt.Sprint(in, items, c, tail, tags, same), nil
}

// Line and Cart are the values Kept points into.
type Line struct {
	SKU string
	Qty int
}

type Cart struct {
	Order Line
	Lines []Line
	Fixed [3]int
}

// fill writes through its parameter after a checkpoint.
func fill(ctx durable.Context, xs []int) error {
	v, err := Step(ctx, 1)
	xs[0] = v
	return err
}

// HelperWrites passes memory of its stored variables to a helper that
// writes through it: the variable itself is given back to the helper on
// every resume, a sub-slice is not.
//
//durable:workflow
func HelperWrites(ctx durable.Context, n int) (int, error) { // want HelperWrites:"workflow"
	xs := []int{n, 2}
	if err := fill(ctx, xs); err != nil {
		return 0, err
	}
	if err := fill(ctx, xs[1:]); err != nil { // want `DG013: xs\[1:\] is passed to helper fill, whose parameter is written \(xs\[0\]\) at line \d+, while xs is also kept across its checkpoints: .*; pass the variable itself \(or its address\) to a helper that does not reassign the parameter, pass a copy \(slices.Clone, maps.Clone\), or have fill return the new value`
		return 0, err
	}
	return xs[0] + xs[1], nil
}

// Box holds slices of slices.
type Box struct{ Rows [][]int }

// RangeCopy ranges, in a loop with checkpoints, over a field its body
// assigns: the loop ranges over a copy that shares the rows.
//
//durable:workflow
func RangeCopy(ctx durable.Context, b Box) (string, error) { // want RangeCopy:"workflow"
	for i := range b.Rows { // want `DG013: b keeps b.Rows \(the loop ranges over a copy of it, because its body assigns it\) across a checkpoint, and that memory is written \(b.Rows\) at line \d+`
		if _, err := Step(ctx, i); err != nil {
			return "", err
		}
		b.Rows = b.Rows[1:]
		b.Rows[0][0] = 3
	}
	return fmt.Sprint(b), nil
}
