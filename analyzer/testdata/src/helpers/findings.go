package helpers

import (
	"fmt"
	"math/rand"
	"os"
	"sync"
	"time"

	"helperlib"

	"github.com/durablegen/durable"
)

var calls int // want calls:"written"

// now reads the clock: a plain function, followed from the helper that
// calls it.
func now() time.Time { return time.Now() } // want now:"nondet DG001: calls time.Now"

// sources holds a source of each kind, reported where it is, with the
// helper's own context in the suggested fixes.
func sources(hctx durable.Context, n int) (string, error) { // want sources:"nondet DG001: calls time.Now"
	at := time.Now()                  // want `DG001: time.Now in workflow code returns a different value on resume; use durable.Now\(ctx\)`
	pick := rand.Intn(n)              // want `DG003: rand.Intn in workflow code draws from the global random source`
	region := os.Getenv("R")          // want `DG004: os.Getenv in workflow code`
	fmt.Println(at)                   // want `DG005: fmt.Println in workflow code`
	late := now()                     // want `DG001: sources calls now, which calls time.Now: time.Now returns a different value on resume; use durable.Now\(ctx\), or make now a step`
	calls++                           // want `DG011: helper sources writes package variable helpers.calls`
	addr := fmt.Sprintf("%p", &pick)  // want `DG017: the %p verb prints a memory address`
	time.Sleep(time.Second)           // want `DG002: time.Sleep in workflow code`
	_ = fmt.Sprint(late, calls, addr) // want `DG011: workflow code reads package variable helpers.calls`
	return region, Note(hctx, fmt.Sprint(pick))
}

// concurrent starts a goroutine, uses channels and a lock.
func concurrent(ctx durable.Context) error { // want concurrent:"nondet DG006: starts a goroutine"
	done := make(chan int) // want `DG007: make\(chan\) in workflow code`
	go func() {            // want `DG006: go statement in workflow code`
		done <- 1 // want `DG007: a channel send in workflow code`
	}()
	<-done            // want `DG007: a channel receive in workflow code`
	var mu sync.Mutex // want `DG008: mu has type sync.Mutex`
	mu.Lock()
	return Note(ctx, "x")
}

// mapOrder ranges over a map calling a step, and collects keys.
func mapOrder(ctx durable.Context, m map[string]int) ([]string, error) { // want mapOrder:"nondet DG009: ranges over a map in random order and calls step Charge, so steps run in a different order on every run"
	for k, v := range m { // want `DG009: range over map m visits keys in random order, and the loop calls step Charge`
		if _, err := Charge(ctx, v); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	var keys []string
	for k := range m { // want `DG009: range over map m visits keys in random order, and the loop appends to keys`
		keys = append(keys, k)
	}
	return keys, nil
}

// state keeps values that cannot be saved, or that share memory, across
// a checkpoint of the helper.
func state(ctx durable.Context, xs []int, f func() int) (int, error) { // want `DG012: f is live across the checkpoint Charge at line 67, but a func value \(func\(\) int\) cannot be saved`
	ch := make(chan int, 1) // want `DG012: ch is live across the checkpoint Charge at line 67, but a channel \(chan int\) cannot be saved` `DG007: make\(chan\)`
	ys := xs                // kept: the frame stores that xs and ys share
	n, err := Charge(ctx, len(xs))
	if err != nil {
		return 0, err
	}
	ys[0] = n
	return xs[0] + f() + len(ch), nil
}

// misuse stores its context, lets a closure capture it, drops a step's
// error, passes the context to a plain function and names a helper as a
// value.
func misuse(ctx durable.Context) (int, error) {
	saved := ctx // want `DG016: the workflow context ctx is stored in a variable`
	_ = saved
	run := func() error {
		return Note(ctx, "x") // want `DG016: a closure captures the workflow context ctx`
	}
	_ = run
	Charge(ctx, 1) // want `DG016: the error of step Charge is ignored`
	plain(ctx)     // want `DG016: the workflow context ctx is passed to plain, which is neither a step nor a workflow and makes no checkpoint, so it is not compiled with the workflow`
	h := record    // want `DG016: helper record is used as a value; a call through a function value is not a checkpoint`
	_ = h
	if _, err := helperlib.ShipAll(ctx, []int{1, 2}); err != nil { // compiled in its package: a checkpoint
		return 0, err
	}
	n, err := helperlib.ShipTwice(ctx, 1) // want `DG016: the workflow context ctx is passed to helperlib.ShipTwice, which is neither a step nor a workflow, and its package has no compiled form of it \(NewDurableFrameShipTwice\); if it makes checkpoints, run durablegen on its package too \(its go:generate, or durablegen ./...\); otherwise make it a step or a child workflow`
	if err != nil {
		return 0, err
	}
	return n, nil
}

// plain takes the context but makes no checkpoint: durablegen does not
// compile it, so the context may not be passed to it.
func plain(ctx durable.Context) int { return len(ctx.InstanceID()) }

// Counter has a helper method that writes through its receiver.
type Counter struct{ N int }

func (c *Counter) bump(ctx durable.Context) error {
	c.N++ // want `DG011: helper Counter.bump writes c.N: the receiver is shared by every instance`
	return Note(ctx, "bump")
}

// ignored holds a finding that a directive silences.
func ignored(ctx durable.Context) (int64, error) {
	at := time.Now().Unix() //durable:ignore DG001 the value is only logged
	return at, Note(ctx, "x")
}

// unreached makes checkpoints and reads the clock, but no workflow of
// the package calls it: it is not compiled, so not checked as workflow
// code (its fact still reaches the callers of other packages).
func unreached(ctx durable.Context) (int64, error) { // want unreached:"nondet DG001: calls time.Now"
	return time.Now().Unix(), Note(ctx, "x")
}

// Findings calls each helper above. A helper's error dropped is a
// failure gone unnoticed; a map loop calling a helper makes its
// checkpoints in random order; a local that cannot be saved is live
// across a helper call.
//
//durable:workflow
func (c *Counter) Findings(ctx durable.Context, m map[string]int) (string, error) { // want Findings:"workflow"
	s, err := sources(ctx, 3)
	if err != nil {
		return "", err
	}
	concurrent(ctx) // want `DG016: the error of helper concurrent is ignored`
	keys, _ := mapOrder(ctx, m)
	_, _ = state(ctx, []int{1}, func() int { return 1 })
	_, _ = misuse(ctx)
	if err := c.bump(ctx); err != nil {
		return "", err
	}
	for k := range m { // want `DG009: range over map m visits keys in random order, and the loop calls helper record, which makes checkpoints`
		record(ctx, k)
	}
	done := make(chan struct{}) // want `DG007: make\(chan\)` `DG012: done is live across the checkpoint ignored`
	_, _ = ignored(ctx)
	close(done) // want `DG007: close`
	return s + fmt.Sprint(keys), nil
}
