package equiv

import (
	"context"
	"fmt"
	"strings"

	"github.com/durablegen/durable"
)

// BookAll is the saga of a loop: each item gets a compensation and a
// parallel step whose closure captures the loop variable; every closure
// must book its own item (Go 1.22: one variable per iteration).
//
//durable:workflow
func BookAll(ctx durable.Context, items []string) (string, error) {
	var fs []*durable.Future[string]
	for _, it := range items {
		durable.Compensate(ctx, Note, "release "+it)
		fs = append(fs, durable.Go(ctx, "book", func(ctx context.Context) (string, error) { return Echo(ctx, "book "+it) }))
	}
	if err := durable.All(ctx, durable.Futures(fs)...); err != nil {
		return "", err
	}
	var out []string
	for _, f := range fs {
		v, _ := f.Get()
		out = append(out, v)
	}
	if len(items) > 2 {
		return "", fmt.Errorf("too many: %s", strings.Join(out, ","))
	}
	return strings.Join(out, ","), nil
}

// LoopAddrs keeps closures and pointers of loop variables of lowered
// loops (a three-clause loop and a range loop, each with a checkpoint)
// and reads them after the loop, before the next checkpoint.
//
//durable:workflow
func LoopAddrs(ctx durable.Context, n int) (string, error) {
	var fns []func() int
	var ps []*int
	for i := 0; i < n; i++ {
		durable.Compensate(ctx, Note, fmt.Sprint("undo ", i))
		fns = append(fns, func() int { return i * 10 })
		ps = append(ps, &i)
		i++ // the next iteration starts from this iteration's value
	}
	out := ""
	for _, fn := range fns {
		out += fmt.Sprint(fn(), " ")
	}
	for _, p := range ps {
		out += fmt.Sprint(*p, " ")
	}
	s, err := Echo(ctx, out)
	if err != nil {
		return "", err
	}
	var gets []func() string
	for k, w := range strings.Fields(s) {
		durable.Compensate(ctx, Note, w)
		x := w + "!"
		gets = append(gets, func() string { return fmt.Sprint(k, w, x) })
		x += "?" // seen by the closure: it captures the variable
	}
	for _, g := range gets {
		out += g()
	}
	return Echo(ctx, out)
}

// LoopDefs defines captured variables of a lowered loop by checkpoints
// (the step's result, and an assignment whose right side holds one): each
// is allocated where a resumed run assigns it, stored or not.
//
//durable:workflow
func LoopDefs(ctx durable.Context, n int) (string, error) {
	out := ""
	for i := range n {
		s, err := Echo(ctx, fmt.Sprint("x", i))
		if err != nil {
			return "", err
		}
		t := fmt.Sprint(Inc(ctx, i)) + "!"
		get := func() string { return s + t }
		out += get()
	}
	return out, nil
}

// Slot is an element that later iterations may skip.
type Slot struct {
	Name string
	Skip bool
}

// Basket holds slots.
type Basket struct{ Slots []Slot }

// RangeField ranges over a field of the input while its body writes
// later elements through the field: the loop sees the writes (it reads
// the field's elements, as Go's range over the slice does), also after
// a resume.
//
//durable:workflow
func RangeField(ctx durable.Context, b Basket) (string, error) {
	out := ""
	for i, s := range b.Slots {
		if _, err := Echo(ctx, s.Name); err != nil {
			return "", err
		}
		if !s.Skip {
			out += s.Name
		}
		if i+1 < len(b.Slots) && i%2 == 0 {
			b.Slots[i+1].Skip = true
		}
	}
	return out, nil
}

// CaseCapture captures a lowered type switch's variable in a closure, in
// a loop with checkpoints: each case has its own variable.
//
//durable:workflow
func CaseCapture(ctx durable.Context, n int) (string, error) {
	out := ""
	for i := range n {
		var x any = i
		if i%2 == 1 {
			x = fmt.Sprint("s", i)
		}
		switch v := x.(type) {
		case int:
			if _, err := Echo(ctx, fmt.Sprint("int ", v)); err != nil {
				return "", err
			}
			g := func() string { v++; return fmt.Sprint(v * 10) }
			out += g() + fmt.Sprint(v)
		case string:
			g := func() string { return v + "!" }
			out += g()
		}
	}
	return Echo(ctx, out)
}
