package equiv

import (
	"context"
	"fmt"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/internal/equiv/ext"
)

// The workflows of this file use constructs whose generated code once
// did not compile.

// SKU is a named string type.
type SKU string

// Count is a named integer type.
type Count int

// Lines is a named slice type.
type Lines []SKU

// Stock is a named map type with named keys.
type Stock map[SKU]Count

// NamedRanges ranges over values of named basic, slice and map types in
// loops that make checkpoints.
//
//durable:workflow
func NamedRanges(ctx durable.Context, sku SKU) ([]string, error) {
	var out []string
	for i, r := range sku {
		s, err := Echo(ctx, fmt.Sprintf("%d:%c", i, r))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	for i := range Count(2) {
		n := Inc(ctx, int(i))
		out = append(out, fmt.Sprint(n))
	}
	lines := Lines{sku, sku + "x"}
	for _, l := range lines {
		for _, r := range l {
			Touch(ctx, string(r))
		}
	}
	stock := Stock{"a": 1, sku: 2}
	for k, v := range stock {
		s, _ := Echo(ctx, fmt.Sprintf("%s=%d", k, v))
		out = append(out, s)
	}
	return out, nil
}

// Load is a generic step.
//
//durable:step
func Load[T any](ctx context.Context, key string, v T) (T, error) {
	Effects.Add(ctx, fmt.Sprintf("load %s %v", key, v))
	return v, nil
}

// Store is a generic step with one result.
//
//durable:step
func Store[K comparable, V any](ctx context.Context, k K, v V) error {
	Effects.Add(ctx, fmt.Sprintf("store %v %v", k, v))
	return nil
}

// GenericSteps calls generic steps with explicit and inferred type
// arguments.
//
//durable:workflow
func GenericSteps(ctx durable.Context, n int) (string, error) {
	a, err := Load[int](ctx, "a", n)
	if err != nil {
		return "", err
	}
	b, err := Load(ctx, "b", Pair{a, a + 1})
	if err != nil {
		return "", err
	}
	if err := Store[string](ctx, "k", b); err != nil {
		return "", err
	}
	c, _ := Load[[]SKU](ctx, "c", Lines{"x"})
	return fmt.Sprint(a, b, c), Store(ctx, 1, c)
}

// ForeignLocal keeps values of a type of another package that cannot be
// named here in locals that no checkpoint separates from their uses.
//
//durable:workflow
func ForeignLocal(ctx durable.Context, n int) (int, error) {
	t := ext.NewTally(n)
	t.Add(2)
	m := t.Total()
	v, err := Add(ctx, m, 1)
	if err != nil {
		return 0, err
	}
	for i := range 2 {
		u, k := ext.NewTally(v), i*10
		u.Add(k)
		v = u.Total()
		if _, err := Add(ctx, v, i); err != nil {
			return 0, err
		}
	}
	return v, nil
}

// DefaultOnly has switches with a tag (or subject) and only a default
// clause, and constants computed from a local array.
//
//durable:workflow
func DefaultOnly(ctx durable.Context, n int) ([]int, error) {
	var buf [3]int
	const size = len(buf)
	type window [size + 1]int
	var w window
	switch Inc(ctx, n) {
	default:
		buf[0] = Inc(ctx, n+1)
	}
	switch pick(n, 0).(type) {
	default:
		buf[1] = Inc(ctx, size)
	}
	switch n {
	default:
		w[size] = Inc(ctx, len(w))
	}
	return append(buf[:], w[:]...), nil
}
