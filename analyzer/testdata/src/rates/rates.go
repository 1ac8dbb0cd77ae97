// Package rates holds helpers that read package state, for workflows of
// another package to call.
package rates

import (
	"fmt"
	"os"
	"time"
)

var current = 3 // want current:"written"

var base = 2 // never written

// Set changes the current rate at run time.
func Set(r int) { current = r } // want Set:"nondet DG011: writes package variable rates.current"

// Current returns a variable that Set writes.
func Current() int { return current } // want Current:"nondet DG011: reads package variable rates.current"

// Base returns a variable nothing writes: deterministic.
func Base() int { return base }

// Lookup holds a literal that reads the written variable.
var Lookup = func() int { return current } // want Lookup:"nondet DG011: reads package variable rates.current"

// Stamp holds a literal that reads the clock.
var Stamp = func() int64 { return time.Now().Unix() } // want Stamp:"nondet DG001: calls time.Now"

// Region holds a literal that reads the environment.
var Region = func() string { return os.Getenv("REGION") } // want Region:"nondet DG004: calls os.Getenv"

// Addr holds a literal that prints a pointer.
var Addr = func(p *int) string { return fmt.Sprintf("%p", p) } // want Addr:"nondet DG017: uses a pointer's address"

// Double holds a pure literal.
var Double = func(n int) int { return 2 * n }

// Now holds the clock itself.
var Now = time.Now // want Now:"nondet DG001: calls time.Now"

// Table has a method that reads the written variable.
type Table struct{}

// Rate reads the current rate.
func (Table) Rate() int { return current } // want Rate:"nondet DG011: reads package variable rates.current"
