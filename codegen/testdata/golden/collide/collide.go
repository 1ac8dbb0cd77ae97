// Package collide declares, at package, file and local scope, the
// identifiers generated code uses: import names, the frame and sites of a
// workflow, the machine's variables.
package collide

import (
	stdctx "context"
	"fmt"
	"time"

	dur "github.com/durablegen/durable"
)

// durable, runtime and context are package-level names here: generated
// code must import those packages under other names.
var (
	durable = "d"
	runtime = "r"
)

type context struct{ Name string }

// f, x and machine are the names the machine would use for its frame,
// its exec and its loop label.
var f, x, machine = 1, 2, 3

// orderFrame and orderSites are the names of Order's frame and sites.
type orderFrame struct{}

var orderSites = 0

//durable:step
func Wait(ctx stdctx.Context, d time.Duration) (time.Duration, error) {
	return d, nil
}

//durable:step
func Label(ctx stdctx.Context, c context) (string, error) {
	return fmt.Sprint(c.Name, durable, runtime), nil
}

//durable:workflow
func Order(ctx dur.Context, n int) (time.Duration, error) {
	d, err := Wait(ctx, time.Duration(n)*time.Second)
	if err != nil {
		return 0, err
	}
	if d > time.Hour {
		time, fmt, errors := 1, 2, 3 // shadow the imports in a verbatim block
		runtime, dur := time+fmt, errors
		if runtime > dur {
			return 0, nil
		}
	}
	for i := range 2 {
		f := fmt.Sprint(i, f, x, machine, orderSites, orderFrame{})
		s, err := Label(ctx, context{Name: f})
		if err != nil {
			return 0, err
		}
		if len(s) > 100 {
			strings, context := s, 1
			_, _ = strings, context
			return time.Duration(len(s)), nil
		}
	}
	return d, dur.Sleep(ctx, time.Millisecond)
}
