package clock

import (
	"context"
	"time"

	"github.com/durablegen/durable"
)

type Order struct{ ID string }

//durable:step retries=3
func Charge(ctx context.Context, id string) (string, error) { // want Charge:"step\\(retries=3\\)"
	_ = time.Now() // steps may read the clock
	time.Sleep(time.Millisecond)
	return id, nil
}

//durable:workflow
func Deadline(ctx durable.Context, o Order) (string, error) { // want Deadline:"workflow"
	deadline := time.Now().Add(time.Hour) // want `DG001: time.Now in workflow code returns a different value on resume; use durable.Now\(ctx\)`
	if time.Since(deadline) > 0 {         // want `DG001: time.Since`
		return "", nil
	}
	left := time.Until(deadline) // want `DG001: time.Until`
	_ = left
	return Charge(ctx, o.ID)
}

//durable:workflow
func Poll(ctx durable.Context, o Order) (int, error) { // want Poll:"workflow"
	for i := 0; i < 3; i++ {
		if _, err := Charge(ctx, o.ID); err != nil {
			return 0, err
		}
		time.Sleep(30 * time.Minute) // want `DG002: time.Sleep in workflow code waits on the wall clock`
	}
	<-time.After(time.Second)       // want `DG002: time.After` `DG007: a channel receive`
	t := time.NewTimer(time.Second) // want `DG002: time.NewTimer`
	_ = t
	c, cancel := context.WithTimeout(ctx, time.Second) // want `DG002: context.WithTimeout`
	defer cancel()
	_ = c
	return 1, nil
}

// Plain code that no workflow calls may use the clock.
func Report() time.Time { return time.Now() } // want Report:"nondet DG001: calls time.Now"

//durable:workflow
func Good(ctx durable.Context, o Order) (time.Time, error) { // want Good:"workflow"
	if err := durable.Sleep(ctx, time.Minute); err != nil {
		return time.Time{}, err
	}
	v, err := durable.Do(ctx, "clock", func(ctx context.Context) (time.Time, error) {
		return time.Now(), nil // inside a step
	})
	if err != nil {
		return time.Time{}, err
	}
	_ = durable.SideEffect(ctx, func() int64 { return time.Now().UnixNano() })
	return v.Add(time.Hour), nil
}

//durable:workflow
func Values(ctx durable.Context, o Order) (time.Time, error) { // want Values:"workflow"
	now := time.Now // want `DG001: time.Now used as a function value`
	_ = now
	at := durable.SideEffect(ctx, time.Now) // recorded once
	return at, nil
}

// now is the clock, through a variable.
var now = time.Now // want now:"nondet DG001: calls time.Now"

//durable:workflow
func ThroughVar(ctx durable.Context, o Order) (time.Time, error) { // want ThroughVar:"workflow"
	return now(), nil // want `DG001: time.Now in workflow code`
}
