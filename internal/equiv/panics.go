package equiv

import (
	"fmt"

	"github.com/durablegen/durable"
)

// Panics panics at the line marked "panic: where" for its input where;
// TestPanicPositions checks that the direct call and the machine report
// the same file and line. The statements span several lines on purpose.
//
//durable:workflow
func Panics(ctx durable.Context, where string) (int, error) {
	xs := []int{1, 2, 3}
	n, err := Add(ctx, 1, 2)
	if err != nil {
		return 0, err
	}
	if where == "if" ||
		where == "cond" &&
			xs[at(where, "cond")] > 0 { // panic: cond
		n++
		// A comment the generated code drops.
		_ = xs[at(where, "if")] // panic: if
	}
	v := fmt.Sprint(n,
		"and",
		xs[at(where, "arg")], // panic: arg
	)
	for i := range 2 {
		m, _ := Add(ctx, i, n)
		if where == "loop" &&
			i == 1 {
			m += xs[at(where, "loop")] // panic: loop
		}
		n += m
	}
	if where != "" &&
		xs[at(where, "lowered")] > 0 { // panic: lowered
		Touch(ctx, "lowered")
	}
	s, _ := Echo(ctx, v)
	switch {
	case where == "after":
		var p *Pair
		n += p.A // panic: after
	}
	return n + len(s), nil
}

// at returns an index out of range when where is want, else 0.
func at(where, want string) int {
	if where == want {
		return 99
	}
	return 0
}
