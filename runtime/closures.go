package runtime

import (
	"fmt"
	"reflect"
	"sync"
	"unsafe"
)

// Closures is the table of the function values that the function
// variables of a generated frame may hold across a checkpoint: the
// workflow's function literals kept in variables (each made by a method
// of the frame) and package-level functions. A frame stores the index of
// the value a variable holds, and a resume makes the value again from
// the same entry, bound to the resumed frame.
type Closures struct {
	once  sync.Once
	make  func() []any
	codes []uintptr
}

// NewClosures returns the table whose entries make returns, in order:
// entry i (from 1) is make()[i-1]. make is called once, when the table is
// first used, to learn the entries' code.
func NewClosures(make func() []any) *Closures { return &Closures{make: make} }

// index returns the index of the entry fn is a value of: 0 for nil, -1
// for a function that is no entry.
func (c *Closures) index(fn any) int {
	v := reflect.ValueOf(fn)
	if !v.IsValid() || v.Kind() != reflect.Func {
		return -1
	}
	if v.IsNil() {
		return 0
	}
	c.once.Do(func() {
		for _, e := range c.make() {
			c.codes = append(c.codes, reflect.ValueOf(e).Pointer())
		}
	})
	code := v.Pointer()
	for i, e := range c.codes {
		if e == code {
			return i + 1
		}
	}
	return -1
}

// Closure writes field k holding function value fn as its index in c.
// A function that is no entry of c (which the generator rules out) is an
// encoding error: the checkpoint fails rather than lose the value.
func (e *Encoder) Closure(k string, fn any, c *Closures) {
	i := c.index(fn)
	if i < 0 {
		if e.err == nil {
			e.err = fmt.Errorf("frame field %s: the function value %T it holds is not one the frame can make again", k, fn)
		}
		i = 0
	}
	e.Int(k, int64(i))
}

// Corrupt records that the current field holds a value the frame does
// not know (a closure index out of its table).
func (d *Decoder) Corrupt() {
	d.fail(fmt.Errorf("corrupt frame: field %s: unknown value %s", d.key, d.raw))
}

// ElemIndex returns the index of the element of s that p points to.
func ElemIndex[T any](p *T, s []T) (int, bool) {
	if p == nil || cap(s) == 0 {
		return 0, false
	}
	size := unsafe.Sizeof(*p)
	if size == 0 {
		return 0, false
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	at := uintptr(unsafe.Pointer(p))
	if at < base || at >= base+uintptr(len(s))*size || (at-base)%size != 0 {
		return 0, false
	}
	return int((at - base) / size), true
}

// ElemAt returns the address of element i of s, as a decoded reference
// names it; an index out of range is a corrupt frame.
func ElemAt[T any](d *Decoder, s []T, i int) *T {
	if i < 0 || i >= len(s) {
		d.fail(fmt.Errorf("corrupt frame: a pointer names element %d of a slice of length %d", i, len(s)))
		return nil
	}
	return &s[i]
}
