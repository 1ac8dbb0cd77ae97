package main

import (
	"slices"
	"time"
)

// latencies is a sample of durations.
type latencies []time.Duration

// median returns the middle value, 0 for no samples.
func (l latencies) median() time.Duration { return l.quantile(0.5) }

// p99 returns the 99th percentile, 0 for no samples.
func (l latencies) p99() time.Duration { return l.quantile(0.99) }

// quantile returns the q-quantile (nearest rank) of l, 0 for no samples.
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(q * float64(len(s)))
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

// mean returns the average, 0 for no samples.
func (l latencies) mean() time.Duration {
	if len(l) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range l {
		sum += d
	}
	return sum / time.Duration(len(l))
}

// us converts d to microseconds.
func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// ratio returns a/b, 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
