package durabletest

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/durablegen/durable/runtime"
)

// sample chooses the crash points of SampleCrashes.
type sample struct {
	n    int
	seed uint64
}

// sampleEdge is how many crash points at each end of a phase a sample
// always holds.
const sampleEdge = 3

// SampleCrashes crashes at n of the uncrashed run's crash points rather
// than at every one, for workflows too long to crash everywhere (each
// crashed run still runs from its crash point to the end). The sample
// always holds, in each phase, the first and last three crash points and
// the first at each checkpoint site (each step, sleep, wait or child call
// in the source, and each workflow's return), even if they are more than
// n; the rest are drawn at random with seed, so that a seed gives the
// same sample every time. [Report].CrashPoints says how many there were.
func SampleCrashes(n int, seed uint64) Option {
	return func(c *config) {
		if n < 1 {
			c.errs = append(c.errs, fmt.Errorf("durabletest.SampleCrashes(%d, %d): want at least 1 crash point", n, seed))
			return
		}
		c.sample = &sample{n: n, seed: seed}
	}
}

// choose returns the sample of the crash points sites, in the order Run
// crashes.
func (sm *sample) choose(sites []site) []point {
	type place struct {
		phase int
		site  *runtime.Site
		root  bool
	}
	last := [len(phases)]int{}
	for _, s := range sites {
		last[s.at.phase] = max(last[s.at.phase], s.at.k)
	}
	seen := map[place]bool{}
	var chosen, rest []point
	for _, s := range sites {
		p := place{s.at.phase, s.site, s.root}
		switch {
		case s.at.k <= sampleEdge, s.at.k > last[s.at.phase]-sampleEdge, !seen[p]:
			chosen = append(chosen, s.at)
		default:
			rest = append(rest, s.at)
		}
		seen[p] = true
	}
	if more := sm.n - len(chosen); more > 0 && len(rest) > 0 {
		rng := rand.New(rand.NewPCG(sm.seed, sm.seed^0x9e3779b97f4a7c15))
		rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		chosen = append(chosen, rest[:min(more, len(rest))]...)
	}
	slices.SortFunc(chosen, point.compare)
	return chosen
}
