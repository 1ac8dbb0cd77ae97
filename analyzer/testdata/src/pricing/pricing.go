// Package pricing reads mutable package state through helpers: the
// finding is at the workflow's call, with the chain.
package pricing

import (
	"context"
	"fmt"
	"os"
	"time"

	"rates"

	"github.com/durablegen/durable"
)

const fixed = 4

var rate = 5 // want rate:"written"

var table = map[string]int{"EUR": 1} // never written

// SetRate is the code that writes rate.
func SetRate(r int) { rate = r } // want SetRate:"nondet DG011: writes package variable pricing.rate"

func currentRate() int { return rate } // want currentRate:"nondet DG011: reads package variable pricing.rate"

func feeRate() int { return currentRate() + 1 } // want feeRate:"nondet DG011: calls pricing.currentRate, which reads package variable pricing.rate"

func fixedRate() int { return fixed }

func tableRate(cur string) int { return table[cur] }

func apply(f func() int) int { return f() }

func viaValue() int { return apply(currentRate) } // want viaValue:"nondet DG011: calls pricing.currentRate, which reads package variable pricing.rate"

var rateOf = func() int { return rate } // want rateOf:"nondet DG011: reads package variable pricing.rate"

var stamp = func() int64 { return time.Now().Unix() } // want stamp:"nondet DG001: calls time.Now"

var home = func() string { return os.Getenv("HOME") } // want home:"nondet DG004: calls os.Getenv"

var say = func(s string) { fmt.Println(s) } // want say:"nondet DG005: calls fmt.Println"

var addr = func(p *int) string { return fmt.Sprintf("%p", p) } // want addr:"nondet DG017: uses a pointer's address"

var triple = func(n int) int { return 3 * n }

var hook = func() int { return 1 } // want hook:"written"

// SetHook replaces hook at run time.
func SetHook(f func() int) { hook = f } // want SetHook:"nondet DG011: writes package variable pricing.hook"

// Book has a method that reads the mutable rate.
type Book struct{}

func (Book) rate() int { return rate } // want rate:"nondet DG011: reads package variable pricing.rate"

func clock() func() time.Time { return time.Now } // want clock:"nondet DG001: uses time.Now as a function value"

type Input struct{ Amount int }

//durable:step
func LoadRate(ctx context.Context) (int, error) { return rate + currentRate(), nil } // want LoadRate:"step"

//durable:workflow
func Quote(ctx durable.Context, in Input) (int, error) { // want Quote:"workflow"
	fee := in.Amount * currentRate() // want `DG011: Quote calls currentRate, which reads package variable pricing.rate: package variable pricing.rate is assigned at run time, so its value can differ on resume; pass the value in the workflow input, or make it a constant, or make currentRate a step`
	fee += feeRate()                 // want `DG011: Quote calls feeRate, which calls pricing.currentRate, which reads package variable pricing.rate`
	fee += Book{}.rate()             // want `DG011: Quote calls Book.rate, which reads package variable pricing.rate`
	fee += rateOf()                  // want `DG011: Quote calls rateOf, which reads package variable pricing.rate`
	fee += apply(currentRate)        // want `DG011: Quote uses currentRate as a function value, which reads package variable pricing.rate`
	fee += viaValue()                // want `DG011: Quote calls viaValue, which calls pricing.currentRate`
	fee += hook()                    // want `DG011: workflow code reads package variable pricing.hook`
	fee += rates.Current()           // want `DG011: Quote calls rates.Current, which reads package variable rates.current`
	fee += rates.Lookup()            // want `DG011: Quote calls rates.Lookup, which reads package variable rates.current`
	fee += rates.Table{}.Rate()      // want `DG011: Quote calls rates.Table.Rate, which reads package variable rates.current`
	return fee, nil
}

//durable:workflow
func Sources(ctx durable.Context, in Input) (string, error) { // want Sources:"workflow"
	n := stamp()                // want `DG001: Sources calls stamp, which calls time.Now`
	h := home()                 // want `DG004: Sources calls home, which calls os.Getenv`
	say(h)                      // want `DG005: Sources calls say, which calls fmt.Println`
	a := addr(&in.Amount)       // want `DG017: Sources calls addr, which uses a pointer's address`
	t := clock()()              // want `DG001: Sources calls clock, which uses time.Now as a function value`
	m := rates.Stamp()          // want `DG001: Sources calls rates.Stamp, which calls time.Now`
	r := rates.Region()         // want `DG004: Sources calls rates.Region, which calls os.Getenv`
	p := rates.Addr(&in.Amount) // want `DG017: Sources calls rates.Addr, which uses a pointer's address`
	u := rates.Now()            // want `DG001: Sources calls rates.Now, which calls time.Now`
	return fmt.Sprint(n, h, a, t, m, r, p, u), nil
}

// Clean reads only constants, never-written variables, pure literals, and
// the mutable rate inside steps.
//
//durable:workflow
func Clean(ctx durable.Context, in Input) (int, error) { // want Clean:"workflow"
	fee := in.Amount*fixedRate() + tableRate("EUR") + triple(in.Amount) + rates.Base() + rates.Double(fixed)
	r, err := LoadRate(ctx)
	if err != nil {
		return 0, err
	}
	d, err := durable.Do(ctx, "rate", func(ctx context.Context) (int, error) {
		return rate * currentRate() * rates.Current(), nil
	})
	if err != nil {
		return 0, err
	}
	s := durable.SideEffect(ctx, currentRate)
	return fee + r + d + s, nil
}
