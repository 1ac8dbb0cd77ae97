package fuzzgen

// richSource is the second file of every generated package: the types and
// steps of the rich features (gen_rich_test.go), whose values the frame
// codec must round-trip exactly or the generator must refuse: named
// strings, structs with tags and embedded structs, times in named
// locations, floats, sentinel and typed errors, a generic step, a step
// whose first attempt fails and suspends.
const richSource = `package PKGNAME

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"
	_ "time/tzdata" // time.LoadLocation works without the system's zoneinfo

	"github.com/durablegen/durable"
)

// SKU is a named string type, ranged over by workflows.
type SKU string

// Order is a struct holding a slice: copying it shares the slice.
type Order struct {
	Status string
	Lines  []int
}

// Item is an element of a slice that workflows take pointers to.
type Item struct {
	SKU    SKU
	Qty    int
	Skip   bool
	Status string
}

// Batch holds a slice of items that workflows range over.
type Batch struct {
	Name  string
	Items []Item
}

// Tagged has fields that encoding/json renames, drops or omits.
type Tagged struct {
	ID     int    ` + "`json:\"id\"`" + `
	Secret string ` + "`json:\"-\"`" + `
	Note   string ` + "`json:\"note,omitempty\"`" + `
}

// Base and Meta are embedded in Doc, both with a field ID.
type Base struct {
	ID  int
	Tag string
}

type Meta struct {
	ID  int
	Ver int
}

// Doc embeds two structs whose fields ID collide.
type Doc struct {
	Base
	Meta
	Body string
}

// ErrNoRows is a sentinel that steps return and workflows compare.
var ErrNoRows = errors.New("no rows")

// RateLimited is a typed error that workflows match with errors.As.
type RateLimited struct{ After int }

func (e *RateLimited) Error() string { return fmt.Sprintf("rate limited for %d", e.After) }

// Seq hands out numbers: a step argument that calls Next has an effect.
type Seq struct{ N int }

// Next returns the next number.
func (s *Seq) Next() int {
	s.N++
	return s.N
}

// H hashes s into [0, 1000): workflows pass it the printed form of their
// values (fmt.Sprint, which reads them only), so that any change shows in
// the result. Never print a pointer.
func H(s string) int {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int(h.Sum32() % 1000)
}

// Lookup returns the sentinel ErrNoRows, a *RateLimited or a value.
//
//durable:step retries=0
func Lookup(ctx context.Context, n int) (int, error) {
	Effects.Add(ctx, fmt.Sprint("lookup ", n))
	switch Idx(n, 3) {
	case 0:
		return 0, ErrNoRows
	case 1:
		return 0, &RateLimited{After: n}
	}
	return n * 3, nil
}

// Find wraps ErrNoRows or a *RateLimited.
//
//durable:step retries=0
func Find(ctx context.Context, n int) (string, error) {
	Effects.Add(ctx, fmt.Sprint("find ", n))
	switch Idx(n, 3) {
	case 0:
		return "", fmt.Errorf("find %d: %w", n, ErrNoRows)
	case 1:
		return "", fmt.Errorf("find %d: %w", n, &RateLimited{After: n * 2})
	}
	return fmt.Sprint("found ", n), nil
}

// Load is a generic step.
//
//durable:step
func Load[T any](ctx context.Context, v T) (T, error) {
	Effects.Add(ctx, fmt.Sprint("load ", v))
	return v, nil
}

// Issue fails its first attempt when run as a step (a direct call does
// not retry) and retries an hour later: the instance suspends and the
// second attempt runs after a resume, with the same argument.
//
//durable:step retries=2 backoff=1h..1h
func Issue(ctx context.Context, n int) (string, error) {
	if s, ok := durable.Step(ctx); ok && s.Attempt == 1 {
		return "", errors.New("issue: try again later")
	}
	Effects.Add(ctx, fmt.Sprint("issue ", n))
	return fmt.Sprint("id-", n), nil
}

// Stamp returns t an hour later, in its location.
//
//durable:step
func Stamp(ctx context.Context, t time.Time) (time.Time, error) {
	Effects.Add(ctx, "stamp "+t.String())
	return t.Add(time.Hour), nil
}

// Reserve reserves qty of sku.
//
//durable:step
func Reserve(ctx context.Context, sku SKU, qty int) (string, error) {
	Effects.Add(ctx, fmt.Sprint("reserve ", sku, " ", qty))
	return fmt.Sprintf("r:%s:%d", sku, qty), nil
}

// Scale multiplies a float.
//
//durable:step
func Scale(ctx context.Context, f float64, k int) (float64, error) {
	Effects.Add(ctx, fmt.Sprint("scale ", f, " ", k))
	return f * float64(k), nil
}
`
