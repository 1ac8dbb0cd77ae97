package equiv

import (
	"fmt"

	"github.com/durablegen/durable"
)

// CaseCheckpoints: checkpoints in case expressions are evaluated in order,
// only until one matches.
//
//durable:workflow
func CaseCheckpoints(ctx durable.Context, n int) ([]string, error) {
	var out []string
	for i := n; i < n+3; i++ {
		switch {
		case Inc(ctx, i) > n+2:
			out = append(out, "big")
		case Inc(ctx, i*10)%2 == 0, Inc(ctx, i*100) > 0:
			out = append(out, "even or positive")
		default:
			out = append(out, "other")
		}
		switch Inc(ctx, i) {
		case Inc(ctx, n), Inc(ctx, n+1):
			out = append(out, "first two")
		}
	}
	return out, nil
}

// Assignments: compound assignment, map and index targets, declarations
// with several values, returns of several checkpoints.
//
//durable:workflow
func Assignments(ctx durable.Context, n int) (string, error) {
	total := n
	total += Inc(ctx, total)
	total *= Inc(ctx, 1)
	m := map[string]int{}
	m["a"] = Inc(ctx, total)
	arr := [3]int{}
	arr[Inc(ctx, 0)] = Inc(ctx, 5)
	var a, b = Inc(ctx, 10), Inc(ctx, 20)
	p := &Pair{}
	p.A, p.B = Inc(ctx, a), b
	for i, v := range &arr {
		if v > 0 {
			total += Inc(ctx, i)
		}
	}
	if v := Inc(ctx, n); v > 3 {
		total++
	} else {
		total--
	}
	return fmt.Sprint(total, m, arr, a, b, *p), nil
}

// TypeSwitchSubject: a checkpoint in the subject of a type switch.
//
//durable:workflow
func TypeSwitchSubject(ctx durable.Context, n int) (string, error) {
	switch v := pick(Inc(ctx, n)%5, Inc(ctx, n)%5).(type) {
	case int:
		return Echo(ctx, fmt.Sprint("int ", v))
	case string:
		s, err := Echo(ctx, "string "+v)
		return s, err
	default:
		return fmt.Sprintf("%T", v), nil
	}
}

// TwoResults returns the results of two checkpoints.
//
//durable:workflow
func TwoResults(ctx durable.Context, n int) (Pair, error) {
	return Pair{Inc(ctx, n), Inc(ctx, n+1)}, Note(ctx, "done")
}
