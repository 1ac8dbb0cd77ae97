// Package lib is a library that workflows call.
package lib

import (
	"os"
	"sort"
	"time"
)

// Deadline computes a deadline from the wall clock.
func Deadline(d time.Duration) time.Time { return now().Add(d) }

func now() time.Time { return time.Now() }

// Tenant reads the environment.
func Tenant() string { return os.Getenv("TENANT") }

// Sorted returns the keys of m in order.
func Sorted(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Add is pure.
func Add(a, b int) int { return a + b }
