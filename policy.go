package durable

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Policy is the retry policy of a step. The zero value means the defaults
// given for each field.
type Policy struct {
	// MaxAttempts is the number of attempts including the first; 0 means 3,
	// 1 means no retry.
	MaxAttempts int
	// InitialInterval is the wait before the first retry; 0 means 100ms.
	InitialInterval time.Duration
	// MaxInterval caps the wait between attempts; 0 means 1m.
	MaxInterval time.Duration
	// Coefficient multiplies the interval after each retry; 0 means 2.
	Coefficient float64
	// Jitter is the fraction (0 to 1) by which a wait is randomly shortened.
	Jitter float64
	// Timeout bounds each attempt; 0 means no bound.
	Timeout time.Duration
	// NonRetryable lists errors (matched with errors.Is) that fail the step
	// at once, like [Permanent] errors.
	NonRetryable []error
}

// Backoff returns the wait after attempt n (1 for the first) failed,
// before jitter.
func (p Policy) Backoff(n int) time.Duration {
	d := float64(p.initial())
	for i := 1; i < n; i++ {
		d *= p.coefficient()
		if d >= float64(p.maxInterval()) {
			return p.maxInterval()
		}
	}
	return min(time.Duration(d), p.maxInterval())
}

// Attempts returns the effective maximum number of attempts.
func (p Policy) Attempts() int {
	if p.MaxAttempts <= 0 {
		return 3
	}
	return p.MaxAttempts
}

func (p Policy) initial() time.Duration {
	if p.InitialInterval <= 0 {
		return 100 * time.Millisecond
	}
	return p.InitialInterval
}

func (p Policy) maxInterval() time.Duration {
	if p.MaxInterval <= 0 {
		return time.Minute
	}
	return p.MaxInterval
}

func (p Policy) coefficient() float64 {
	if p.Coefficient < 1 {
		return 2
	}
	return p.Coefficient
}

// Option adjusts the policy of one step call ([Do]).
type Option func(*Policy)

// WithPolicy replaces the policy of a step call.
func WithPolicy(p Policy) Option { return func(q *Policy) { *q = p } }

// WithRetries sets the number of retries after the first attempt.
func WithRetries(n int) Option { return func(p *Policy) { p.MaxAttempts = n + 1 } }

// WithTimeout bounds each attempt of a step call.
func WithTimeout(d time.Duration) Option { return func(p *Policy) { p.Timeout = d } }

// ParsePolicy parses the options of a //durable:step directive:
//
//	retries=N            retries after the first attempt (MaxAttempts = N+1)
//	backoff=MIN..MAX     initial and maximum interval, e.g. 1s..5m
//	backoff=D            initial interval
//	coefficient=F        interval multiplier
//	jitter=F             fraction 0..1
//	timeout=D            per-attempt timeout
func ParsePolicy(opts string) (Policy, error) {
	var p Policy
	for _, f := range strings.Fields(opts) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return p, fmt.Errorf("step option %q: want key=value (retries, backoff, coefficient, jitter, timeout)", f)
		}
		var err error
		switch k {
		case "retries":
			var n int
			n, err = strconv.Atoi(v)
			if err != nil || n < 0 || n == math.MaxInt {
				err = fmt.Errorf("want a number of retries (0 or more)")
			}
			p.MaxAttempts = n + 1
		case "backoff":
			lo, hi, rng := strings.Cut(v, "..")
			p.InitialInterval, err = parseDuration(lo)
			if err == nil && rng {
				p.MaxInterval, err = parseDuration(hi)
			}
		case "coefficient":
			p.Coefficient, err = parseFloat(v)
		case "jitter":
			p.Jitter, err = parseFloat(v)
			if err == nil && (p.Jitter < 0 || p.Jitter > 1) {
				err = fmt.Errorf("must be between 0 and 1")
			}
		case "timeout":
			p.Timeout, err = parseDuration(v)
		default:
			return p, fmt.Errorf("unknown step option %q (want retries, backoff, coefficient, jitter or timeout)", k)
		}
		if err != nil {
			return p, fmt.Errorf("step option %s=%s: %v", k, v, optErr(err))
		}
	}
	return p, nil
}

// parseDuration parses a duration that is not negative.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err == nil && d < 0 {
		err = errors.New("must not be negative")
	}
	return d, err
}

// parseFloat parses a finite number.
func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
		err = errors.New("want a finite number")
	}
	return f, err
}

// optErr shortens parse errors of option values.
func optErr(err error) string {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return "want a number"
	}
	return strings.TrimPrefix(err.Error(), "time: ")
}
