// Package helper holds functions that workflows of another package call.
package helper

import (
	"context"
	"os"
	"sort"
	"time"
)

var hits int // want hits:"written"

// Pick reads the clock.
func Pick(n int) int { return int(time.Now().UnixNano()) % n } // want Pick:"nondet DG001: calls time.Now"

// Chain reaches the clock through an unexported function.
func Chain(n int) int { return pick(n) + 1 } // want Chain:"nondet DG001: calls helper.pick, which calls time.Now"

func pick(n int) int { return Pick(n) } // want pick:"nondet DG001: calls helper.Pick, which calls time.Now"

// Region reads the environment.
func Region() string { return os.Getenv("REGION") } // want Region:"nondet DG004: calls os.Getenv"

// Spawn starts a goroutine.
func Spawn(f func()) { go f() } // want Spawn:"nondet DG006: starts a goroutine"

// Hit writes package state.
func Hit() { hits++ } // want Hit:"nondet DG011: writes package variable helper.hits"

// Keys returns the keys of m in random order.
func Keys(m map[string]int) []string { // want Keys:"nondet DG009: ranges over a map in random order and appends to ks in iteration order"
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// SortedKeys returns the keys of m in order: deterministic.
func SortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Total is deterministic.
func Total(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

// Clock is a type whose method reads the clock.
type Clock struct{}

// Stamp reads the clock.
func (Clock) Stamp() string { return time.Now().String() } // want Stamp:"nondet DG001: calls time.Now"

// Charge is a step: calling it from a workflow is a checkpoint, so its
// body is never followed.
//
//durable:step retries=5
func Charge(ctx context.Context, n int) (int, error) { // want Charge:"step\\(retries=5\\)"
	return n + Pick(10), nil
}
