package transitive

import (
	"helper"

	"github.com/durablegen/durable"
)

func local(n int) int { return helper.Chain(n) * 2 } // want local:"nondet DG001: calls helper.Chain, which calls helper.pick, which calls helper.Pick, which calls time.Now"

//durable:workflow
func Transfer(ctx durable.Context, n int) (int, error) { // want Transfer:"workflow"
	a := helper.Pick(n)                   // want `DG001: Transfer calls helper.Pick, which calls time.Now: time.Now returns a different value on resume; use durable.Now\(ctx\), or make helper.Pick a step`
	b := helper.Chain(n)                  // want `DG001: Transfer calls helper.Chain, which calls helper.pick, which calls helper.Pick, which calls time.Now`
	c := local(n)                         // want `DG001: Transfer calls local, which calls helper.Chain`
	region := helper.Region()             // want `DG004: Transfer calls helper.Region, which calls os.Getenv`
	helper.Spawn(func() {})               // want `DG006: Transfer calls helper.Spawn, which starts a goroutine`
	helper.Hit()                          // want `DG011: Transfer calls helper.Hit, which writes package variable helper.hits`
	keys := helper.Keys(map[string]int{}) // want `DG009: Transfer calls helper.Keys, which ranges over a map in random order`
	sorted := helper.SortedKeys(map[string]int{})
	total := helper.Total([]int{a, b, c})
	stamp := helper.Clock{}.Stamp()     // want `DG001: Transfer calls helper.Clock.Stamp, which calls time.Now`
	v, err := helper.Charge(ctx, total) // a step: not followed
	_, _, _, _ = region, keys, sorted, stamp
	return v, err
}
