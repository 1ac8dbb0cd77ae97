package crashdemo

import (
	"fmt"
	"time"
)

// Clock is the durable clock of a demo's store and workers. With Day set,
// one day of durable time passes in Day of real time, counted from Epoch
// (a durable.Sleep of 24h ends after Day); with Day zero it is the real
// clock. Processes given the same Clock read the same time.
//
// The store measures leases on this clock too, but a worker renews its
// lease (every third of it) on its own monotonic clock: so that the lease
// lasts the same real time whatever the speed, [Clock.Durable] scales it,
// and a worker then renews it in real time only after a run that long.
// The examples' runs are milliseconds long, far shorter than their leases.
type Clock struct {
	Epoch time.Time
	Day   time.Duration
}

// Now returns the durable time.
func (c Clock) Now() time.Time {
	if c.Day <= 0 {
		return time.Now()
	}
	return c.Epoch.Add(c.Durable(time.Now().Round(0).Sub(c.Epoch)))
}

// Durable returns how much durable time passes in real time d.
func (c Clock) Durable(d time.Duration) time.Duration {
	if c.Day <= 0 {
		return d
	}
	return time.Duration(float64(d) * float64(24*time.Hour) / float64(c.Day))
}

// Real returns how much real time durable time d takes.
func (c Clock) Real(d time.Duration) time.Duration {
	if c.Day <= 0 {
		return d
	}
	return time.Duration(float64(d) * float64(c.Day) / float64(24*time.Hour))
}

// args returns the worker flags that give a child this clock.
func (c Clock) args() []string {
	if c.Day <= 0 {
		return nil
	}
	return []string{"-epoch", fmt.Sprint(c.Epoch.UnixNano()), "-day", c.Day.String()}
}
