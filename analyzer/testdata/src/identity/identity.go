package identity

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/durablegen/durable"
)

type Item struct{ N int }

//durable:workflow
func Identity(ctx durable.Context, in Item) (string, error) { // want Identity:"workflow"
	p := &in
	a := fmt.Sprintf("%p", p)              // want `DG017: the %p verb prints a memory address`
	b := reflect.ValueOf(p).Pointer()      // want `DG017: reflect.Value.Pointer returns a memory address`
	c := uintptr(unsafe.Pointer(p))        // want `DG017: uintptr\(unsafe.Pointer\(...\)\) is a memory address`
	d := fmt.Sprintf("%v %d%%p", in, in.N) // no pointer verb
	return fmt.Sprint(a, b, c, d), nil
}
