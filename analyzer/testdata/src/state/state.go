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
	p := &total // want `DG013: p points into total, and both are live across the checkpoint Step at line 78`
	a := []int{1, 2}
	b := a                        // want `DG013: b shares the backing array of a`
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
	add := m.add                                        // want `DG012: add is live across the checkpoint Step at line \d+, but it holds a function value that cannot be rebuilt after a resume: it is assigned m.add, which is not a function literal of the workflow or a package-level function`
	plus := adder(n)                                    // want `DG012: plus is live across .* it is assigned adder\(n\), which is not a function literal of the workflow or a package-level function`
	step := func() (int, error) { return Step(ctx, n) } // want `DG012: step is live across .* the function literal uses the workflow context` `DG016: a closure captures the workflow context ctx`
	alias := add                                        // want `DG012: alias is live across .* it is assigned add, which cannot be rebuilt`
	if _, err := Step(ctx, n); err != nil {
		return 0, err
	}
	if none != nil {
		n++
	}
	v, err := step()
	return inc(1) + again(2) + twice(n) + add(1) + plus(1) + alias(v), err
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
