package runtime

import (
	"encoding/json"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/durablegen/durable/internal/wire"
)

// Memory shared between stored variables.
//
// Each stored variable is encoded on its own, so after a decode two
// variables that shared memory (b := a with a slice inside, items :=
// in.Items, m2 := m1, q := p) would hold separate copies. Generated
// frames whose variables may share memory list the places that hold the
// references (slots: a slice, map or pointer variable, or such a field of
// a stored struct, reached without indirection) and store, next to the
// fields, which slots share: slices that overlap one backing array are
// stored as one segment of that array (with its spare capacity) and a
// view (offset, length, capacity) per slot; maps and pointers equal to an
// earlier slot's are stored as a reference to it. Decoding the frame
// restores the fields, then points the slots at the shared memory again.

// aliasKey is the frame key of the shared memory.
const aliasKey = "$alias"

// aliasRecord is what a frame stores about its shared slots.
type aliasRecord struct {
	// Segments are the backing arrays shared by several slices.
	Segments []aliasSegment `json:"s,omitempty"`
	// Refs are slots that hold the same map or pointer as an earlier
	// slot: [slot, earlier slot].
	Refs [][2]int `json:"r,omitempty"`
}

type aliasSegment struct {
	Data  json.RawMessage `json:"d"`
	Views [][4]int        `json:"v"` // slot, offset, length, capacity
}

// Aliases writes which of the slots share memory. Each slot is a
// pointer to a variable or field of slice, map or pointer type. Nothing
// is written when no two share.
func (e *Encoder) Aliases(slots ...any) {
	var rec aliasRecord
	type region struct {
		start, end uintptr
		size       uintptr
		elem       reflect.Type
		base       unsafe.Pointer // the slot's data at start
		slots      []int
	}
	var regions []*region
	firstRef := map[unsafe.Pointer]int{}
	for i, s := range slots {
		v := reflect.ValueOf(s).Elem()
		switch v.Kind() {
		case reflect.Slice:
			if v.Cap() == 0 {
				continue
			}
			elem := v.Type().Elem()
			size := elem.Size()
			if size == 0 {
				continue
			}
			start := uintptr(v.UnsafePointer())
			end := start + uintptr(v.Cap())*size
			var into *region
			for _, r := range regions {
				if r.elem == elem && start < r.end && r.start < end {
					into = r
					break
				}
			}
			if into == nil {
				into = &region{start: start, end: end, size: size, elem: elem, base: v.UnsafePointer()}
				regions = append(regions, into)
			}
			if start < into.start {
				into.start, into.base = start, v.UnsafePointer()
			}
			into.end = max(into.end, end)
			into.slots = append(into.slots, i)
		case reflect.Map, reflect.Pointer:
			if v.IsNil() {
				continue
			}
			p := v.UnsafePointer()
			if j, ok := firstRef[p]; ok && reflect.ValueOf(slots[j]).Elem().Type() == v.Type() {
				rec.Refs = append(rec.Refs, [2]int{i, j})
				continue
			}
			firstRef[p] = i
		}
	}
	// Merge regions that a later slot made overlap.
	for merged := true; merged; {
		merged = false
		for a := 0; a < len(regions) && !merged; a++ {
			for b := a + 1; b < len(regions) && !merged; b++ {
				ra, rb := regions[a], regions[b]
				if ra.elem == rb.elem && ra.start < rb.end && rb.start < ra.end {
					if rb.start < ra.start {
						ra.start, ra.base = rb.start, rb.base
					}
					ra.end = max(ra.end, rb.end)
					ra.slots = append(ra.slots, rb.slots...)
					regions = append(regions[:b], regions[b+1:]...)
					merged = true
				}
			}
		}
	}
	for _, r := range regions {
		if len(r.slots) < 2 {
			continue
		}
		n := int((r.end - r.start) / r.size)
		seg := reflect.SliceAt(r.elem, r.base, n)
		data, err := wire.Marshal(seg.Interface(), &e.known)
		if err != nil {
			e.fail(fmt.Errorf("frame: shared memory: %w", err))
			return
		}
		s := aliasSegment{Data: data}
		for _, i := range r.slots {
			v := reflect.ValueOf(slots[i]).Elem()
			off := int((uintptr(v.UnsafePointer()) - r.start) / r.size)
			s.Views = append(s.Views, [4]int{i, off, v.Len(), v.Cap()})
		}
		rec.Segments = append(rec.Segments, s)
	}
	if len(rec.Segments) == 0 && len(rec.Refs) == 0 {
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		e.fail(err)
		return
	}
	e.key(aliasKey)
	e.buf = append(e.buf, b...)
}

func (e *Encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// Aliases holds the current field if it is the frame's record of shared
// memory, for [Decoder.ShareAliases].
func (d *Decoder) Aliases() bool {
	if d.key != aliasKey {
		return false
	}
	d.alias = append(d.alias[:0], d.raw...)
	return true
}

// ShareAliases points the slots at the memory they shared when the frame
// was written: slots is the list the frame passed to [Encoder.Aliases].
func (d *Decoder) ShareAliases(slots ...any) {
	if len(d.alias) == 0 || d.err != nil {
		return
	}
	var rec aliasRecord
	if err := json.Unmarshal(d.alias, &rec); err != nil {
		d.fail(fmt.Errorf("corrupt frame: shared memory: %w", err))
		return
	}
	slot := func(i int) (reflect.Value, bool) {
		if i < 0 || i >= len(slots) {
			d.fail(fmt.Errorf("corrupt frame: shared memory names slot %d of %d", i, len(slots)))
			return reflect.Value{}, false
		}
		return reflect.ValueOf(slots[i]).Elem(), true
	}
	for _, s := range rec.Segments {
		if len(s.Views) == 0 {
			continue
		}
		first, ok := slot(s.Views[0][0])
		if !ok || first.Kind() != reflect.Slice {
			d.fail(fmt.Errorf("corrupt frame: shared memory: slot %d is not a slice", s.Views[0][0]))
			return
		}
		seg := reflect.New(reflect.SliceOf(first.Type().Elem()))
		if err := wire.Unmarshal(s.Data, seg.Interface(), &d.known); err != nil {
			d.fail(fmt.Errorf("corrupt frame: shared memory: %w", err))
			return
		}
		arr := seg.Elem()
		for _, view := range s.Views {
			v, ok := slot(view[0])
			if !ok {
				return
			}
			off, n, c := view[1], view[2], view[3]
			if v.Kind() != reflect.Slice || v.Type().Elem() != arr.Type().Elem() || off < 0 || n < 0 || c < n || off+c > arr.Len() {
				d.fail(fmt.Errorf("corrupt frame: shared memory: bad view %v of a segment of %d", view, arr.Len()))
				return
			}
			v.Set(arr.Slice3(off, off+n, off+c).Convert(v.Type()))
		}
	}
	for _, r := range rec.Refs {
		to, ok1 := slot(r[0])
		from, ok2 := slot(r[1])
		if !ok1 || !ok2 {
			return
		}
		if to.Type() != from.Type() {
			d.fail(fmt.Errorf("corrupt frame: shared memory: slots %d and %d differ in type", r[0], r[1]))
			return
		}
		to.Set(from)
	}
}
