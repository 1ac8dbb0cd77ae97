// Package flows holds the workflows of the tests of package durabletest:
// a long loop of steps to measure how Run scales, and one workflow per
// kind of checkpoint (children, signals, sleeps, compensations, retries,
// panics) to check that resuming from a snapshot and resuming from the
// start agree.
package flows

//go:generate go run github.com/durablegen/durable/cmd/durablegen

import (
	"context"
	"fmt"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/durabletest"
)

// Effects records what the steps of this package do.
var Effects = &durabletest.Log{}

//durable:step
func Add(ctx context.Context, a, b int) (int, error) {
	Effects.Add(ctx, fmt.Sprintf("add %d %d", a, b))
	return a + b, nil
}

// Loop makes n checkpoints, one step per iteration.
//
//durable:workflow
func Loop(ctx durable.Context, n int) (int, error) {
	sum := 0
	for i := range n {
		v, err := Add(ctx, sum, i)
		if err != nil {
			return 0, err
		}
		sum = v
	}
	return sum, nil
}

// Charge retries under the default policy: three attempts, the backoffs
// spent in memory.
//
//durable:step
func Charge(ctx context.Context, item string, cents int) (string, error) {
	Effects.Add(ctx, fmt.Sprintf("charge %s %d", item, cents))
	return "ch-" + item, nil
}

// Reserve retries an hour later: the instance suspends in between.
//
//durable:step retries=2 backoff=1h..1h
func Reserve(ctx context.Context, item string) error {
	Effects.Add(ctx, "reserve "+item)
	return nil
}

// Ping has no error result: it fails by panicking.
//
//durable:step
func Ping(ctx context.Context, n int) int {
	Effects.Add(ctx, fmt.Sprint("ping ", n))
	return n + 1
}

// Order reserves and charges every item and pings, then waits a day and
// charges the total in steps started with durable.Go: with failures
// injected, retries in memory and retries suspended for an hour.
//
//durable:workflow
func Order(ctx durable.Context, items []string) (string, error) {
	out := ""
	n := 0
	for i, it := range items {
		if err := Reserve(ctx, it); err != nil {
			return "", err
		}
		id, err := Charge(ctx, it, 100*(i+1))
		if err != nil {
			return "", err
		}
		n = Ping(ctx, n)
		out += id + ";"
	}
	if err := durable.Sleep(ctx, 24*time.Hour); err != nil {
		return "", err
	}
	a := durable.Go(ctx, "total", func(ctx context.Context) (string, error) { return Charge(ctx, "total", n) })
	b := durable.Go(ctx, "tip", func(ctx context.Context) (string, error) { return Charge(ctx, "tip", 1) })
	if err := durable.All(ctx, a, b); err != nil {
		return "", err
	}
	total, _ := a.Get()
	tip, _ := b.Get()
	return out + total + "+" + tip, nil
}

// Explode panics after its checkpoints when asked to.
//
//durable:workflow
func Explode(ctx durable.Context, at int) (int, error) {
	xs := []int{1, 2, 3}
	sum := 0
	for i := range 3 {
		v, err := Add(ctx, sum, xs[i])
		if err != nil {
			return 0, err
		}
		sum = v
		if i == at {
			sum += xs[i+at]
		}
	}
	return sum, nil
}

// Polls holds the step keys of the polls of Settle: state outside the
// workflow, as a fake bank's is.
var Polls = map[string]bool{}

// Poll says whether the charge settled: on the third poll it has.
//
//durable:step
func Poll(ctx context.Context) (bool, error) {
	Polls[durable.StepKey(ctx)] = true
	Effects.Add(ctx, fmt.Sprint("poll ", len(Polls)))
	return len(Polls) >= 3, nil
}

// Settle polls every hour until the charge settled.
//
//durable:workflow
func Settle(ctx durable.Context, id string) (int, error) {
	for n := 1; ; n++ {
		ok, err := Poll(ctx)
		if err != nil {
			return 0, err
		}
		if ok {
			return n, nil
		}
		if err := durable.Sleep(ctx, time.Hour); err != nil {
			return 0, err
		}
	}
}

// Boom panics: in a direct call the workflow panics with it, while the
// machine makes a step's panic the step's error.
//
//durable:step retries=0
func Boom(ctx context.Context) error { panic("boom") }

// Blast calls Boom.
//
//durable:workflow
func Blast(ctx durable.Context, n int) (int, error) {
	if err := Boom(ctx); err != nil {
		return 0, err
	}
	return n, nil
}

// Tally is the state Renew carries from one run to the next.
type Tally struct {
	Done, Total, Every, Sum int
}

// Renew adds one number per iteration and sleeps an hour every Every
// iterations, then continues as new, until it has made Total: a loop
// that runs in constant storage.
//
//durable:workflow
func Renew(ctx durable.Context, t Tally) (int, error) {
	for i := 0; i < t.Every && t.Done < t.Total; i++ {
		v, err := Add(ctx, t.Sum, t.Done)
		if err != nil {
			return 0, err
		}
		t.Sum, t.Done = v, t.Done+1
	}
	if t.Done == t.Total {
		return t.Sum, nil
	}
	if err := durable.Sleep(ctx, time.Hour); err != nil {
		return 0, err
	}
	return 0, durable.ContinueAsNew(ctx, t)
}
