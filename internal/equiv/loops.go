package equiv

import (
	"fmt"
	"strings"

	"github.com/durablegen/durable"
)

// RangeSlice: range over a slice, index and value.
//
//durable:workflow
func RangeSlice(ctx durable.Context, xs []int) (int, error) {
	total := 0
	for i, x := range xs {
		v, err := Add(ctx, i, x)
		if err != nil {
			return 0, err
		}
		total += v
	}
	for _, x := range xs {
		total += Inc(ctx, x)
	}
	return total, nil
}

// RangeArray: range over an array copies it, as in Go.
//
//durable:workflow
func RangeArray(ctx durable.Context, n int) ([3]int, error) {
	arr := [3]int{n, n + 1, n + 2}
	var seen [3]int
	for i, v := range arr {
		arr[2] = 100 // not seen: the loop ranges over a copy
		w, err := Add(ctx, v, i)
		if err != nil {
			return seen, err
		}
		seen[i] = w
	}
	return seen, nil
}

// RangeString: runes and byte offsets of a UTF-8 string.
//
//durable:workflow
func RangeString(ctx durable.Context, s string) (string, error) {
	var parts []string
	for i, r := range s {
		e, err := Echo(ctx, fmt.Sprintf("%d:%c", i, r))
		if err != nil {
			return "", err
		}
		parts = append(parts, e)
	}
	return strings.Join(parts, " "), nil
}

// RangeInt: range over an integer.
//
//durable:workflow
func RangeInt(ctx durable.Context, n int) (int, error) {
	total := 0
	for i := range n {
		total += Inc(ctx, i)
	}
	for range 2 {
		total += Inc(ctx, 0)
	}
	return total, nil
}

// RangeMap: a map is visited in sorted key order by the machine (in Go's
// random order by a direct call).
//
//durable:workflow
func RangeMap(ctx durable.Context, m map[string]int) ([]string, error) {
	var out []string
	for k, v := range m {
		s, err := Echo(ctx, fmt.Sprintf("%s=%d", k, v))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Labeled: labeled break and continue across nested loops.
//
//durable:workflow
func Labeled(ctx durable.Context, n int) ([]string, error) {
	var out []string
outer:
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if j > i {
				continue outer
			}
			s, _ := Echo(ctx, fmt.Sprint(i, j))
			if i+j == 5 {
				break outer
			}
			if j == 1 {
				continue
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// ReturnInLoop: return from inside nested loops and a switch.
//
//durable:workflow
func ReturnInLoop(ctx durable.Context, target int) (string, error) {
	for i := 0; i < 5; i++ {
		for _, d := range []int{1, 2, 3} {
			v, err := Add(ctx, i, d)
			if err != nil {
				return "", err
			}
			switch {
			case v == target:
				return fmt.Sprintf("found %d+%d", i, d), nil
			case v > target+3:
				return "overshot", nil
			}
		}
	}
	return "none", nil
}

// LoopVars: each iteration has its own variables (Go 1.22 semantics);
// closures made in an iteration see that iteration's value.
//
//durable:workflow
func LoopVars(ctx durable.Context, n int) ([]int, error) {
	var out []int
	for i := 0; i < n; i++ {
		get := func() int { return i * 10 }
		g := get()
		v := Inc(ctx, i)
		out = append(out, g+v)
	}
	return out, nil
}
