package durable

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParsePolicy checks the parser of //durable:step options: it never
// panics, its errors name the option the generator reports them for, and
// an accepted policy means what it says (no silently negative, NaN or
// overflowed value reaches the retry loop).
func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{
		"",
		"retries=5 backoff=1s..5m timeout=30s",
		"retries=0",
		"backoff=250ms coefficient=1.5 jitter=0.2",
		"retries=9223372036854775807",
		"retries=-1",
		"backoff=-1s..1m",
		"backoff=5m..1s",
		"coefficient=NaN",
		"coefficient=+Inf",
		"jitter=NaN",
		"timeout=-5s",
		"retries",
		"color=red",
		"backoff=1s.. timeout=1h",
		"  retries=2\tjitter=1  ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, opts string) {
		p, err := ParsePolicy(opts)
		if err != nil {
			checkPolicyError(t, opts, err)
			return
		}
		checkPolicy(t, opts, p)
	})
}

// checkPolicyError checks that err reads like the generator's other
// findings: lowercase, about a step option, one line.
func checkPolicyError(t *testing.T, opts string, err error) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "step option") && !strings.HasPrefix(msg, "unknown step option") {
		t.Errorf("ParsePolicy(%q) error = %q, want it to start with \"step option\" or \"unknown step option\"", opts, msg)
	}
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("ParsePolicy(%q) error = %q, want one line", opts, msg)
	}
}

// checkPolicy checks the invariants of an accepted policy.
func checkPolicy(t *testing.T, opts string, p Policy) {
	t.Helper()
	if p.Attempts() < 1 {
		t.Errorf("ParsePolicy(%q).Attempts() = %d, want >= 1", opts, p.Attempts())
	}
	if n, ok := lastRetries(opts); ok && p.Attempts() != n+1 {
		t.Errorf("ParsePolicy(%q).Attempts() = %d, want %d (retries=%d)", opts, p.Attempts(), n+1, n)
	}
	for name, d := range map[string]time.Duration{"InitialInterval": p.InitialInterval, "MaxInterval": p.MaxInterval, "Timeout": p.Timeout} {
		if d < 0 {
			t.Errorf("ParsePolicy(%q).%s = %v, want >= 0", opts, name, d)
		}
	}
	if math.IsNaN(p.Jitter) || p.Jitter < 0 || p.Jitter > 1 {
		t.Errorf("ParsePolicy(%q).Jitter = %v, want within [0, 1]", opts, p.Jitter)
	}
	if math.IsNaN(p.Coefficient) || math.IsInf(p.Coefficient, 0) {
		t.Errorf("ParsePolicy(%q).Coefficient = %v, want a finite number", opts, p.Coefficient)
	}
	ceiling := p.maxInterval()
	prev := time.Duration(0)
	for n := 1; n <= 64; n++ {
		d := p.Backoff(n)
		if d < prev || d > ceiling {
			t.Errorf("ParsePolicy(%q).Backoff(%d) = %v, want within [%v, %v]", opts, n, d, prev, ceiling)
			return
		}
		prev = d
	}
}

// lastRetries returns N of the last retries=N field of opts.
func lastRetries(opts string) (int, bool) {
	n, ok := 0, false
	for _, f := range strings.Fields(opts) {
		if v, found := strings.CutPrefix(f, "retries="); found {
			m, err := strconv.Atoi(v)
			if err != nil {
				return 0, false
			}
			n, ok = m, true
		}
	}
	return n, ok
}
