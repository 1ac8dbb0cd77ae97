package durabletest

import (
	"slices"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// A crashed run and the uncrashed one are the same run up to the crash
// point: the k-th call of a phase's hook. There the crashed run's
// process dies — nothing after it is committed, and a new worker takes
// over once the lease has expired. So instead of running from the start
// up to the crash, a crashed run resumes from what the uncrashed run had
// at its k-th call: the store (instances, frames, leases, timers, pending
// signals, histories, children), the clock, the effects in the Log, the
// checkpoints committed, and the fakes' state if WithSnapshot saves it.

// snapshot is what a crashed run starts from.
type snapshot struct {
	at      point
	where   string
	clock   *Clock
	store   *memstore.Store
	commits int    // checkpoints the uncrashed run had committed
	effects int    // the Log's mark
	restore func() // the fakes', or nil
}

// recorder is told of every hook call of an uncrashed run: it records
// each crash point's site, for sampling, and takes the snapshots asked for.
type recorder[In, Out any] struct {
	sites []site
	take  func(point) bool // nil: no snapshots
	snaps []*snapshot
}

// site is a crash point and where the workflow was.
type site struct {
	at   point
	site *runtime.Site // nil for a workflow's return
	root bool          // in the instance, not one of its children
}

func (rec *recorder[In, Out]) record(w *world[In, Out], at point, id string, seq int64, s *runtime.Site) {
	rec.sites = append(rec.sites, site{at, s, id == InstanceID})
	if rec.take == nil || !rec.take(at) {
		return
	}
	cfg := w.r.cfg
	clock := &Clock{now: w.clock.Now()}
	sn := &snapshot{at: at, where: where(id, seq, s), clock: clock, store: w.mem.Clone(clock.Now),
		commits: w.commits.upTo, effects: cfg.log.mark()}
	if cfg.state != nil {
		sn.restore = cfg.state()
	}
	rec.snaps = append(rec.snaps, sn)
}

// points returns the crash points recorded, in the order Run crashes.
func (rec *recorder[In, Out]) points() []point {
	out := make([]point, len(rec.sites))
	for i, s := range rec.sites {
		out[i] = s.at
	}
	slices.SortFunc(out, point.compare)
	return out
}

// resume returns the world of the run that crashed where sn was taken,
// taken over by a new worker: its store, clock and effects are the
// snapshot's, and the checkpoints it committed those of the uncrashed
// run base that it had committed then.
func (r *runner[In, Out]) resume(sn *snapshot, base baseline) *world[In, Out] {
	r.t.Helper()
	w := &world[In, Out]{r: r, clock: sn.clock, store: sn.store, mem: sn.store, close: func() {},
		commits: commits{order: base.commits, upTo: sn.commits, mine: map[cpKey]bool{}}}
	r.cfg.log.restore(InstanceID, base.log, sn.effects)
	if sn.restore != nil {
		sn.restore()
	}
	w.connect()
	return w
}
