package durabletest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
)

// CompareModes runs workflow wf on input in under the crash matrix twice,
// on the memory store — each crashed run resumed from a snapshot of the
// uncrashed run, and run from the start — and reports through t every
// crash point where the two differ: in crash points, in where the crash
// fell, in the result, error and effects, or in the history each instance
// ends with. Then it checks that Run passes both ways, from the start on
// SQLite ([FromStart]) too, with the same result. It returns the number
// of crash points compared.
//
// The comparison is on one store: stores may order the instances that
// are runnable at once differently (SQLite does not order its claims), so
// a parent and its child may take other, equally valid, turns on SQLite.
func CompareModes[In, Out any](t *testing.T, wf *durable.Workflow[In, Out], in In, opts ...Option) int {
	t.Helper()
	n := comparePoints(t, wf, in, opts...)
	snap := Run(t, wf, in, opts...)
	start := Run(t, wf, in, append(opts, FromStart())...)
	if !sameStored(snap.Result, start.Result) || fmt.Sprint(snap.Err) != fmt.Sprint(start.Err) {
		t.Errorf("%s: Run = %v, %v; with FromStart = %v, %v", wf.Name(), snap.Result, snap.Err, start.Result, start.Err)
	}
	return n
}

func comparePoints[In, Out any](t *testing.T, wf *durable.Workflow[In, Out], in In, opts ...Option) int {
	t.Helper()
	cfg := newConfig(opts)
	if len(cfg.errs) > 0 {
		t.Fatalf("durabletest: %s: %v", wf.Name(), cfg.errs)
	}
	r := &runner[In, Out]{t: t, cfg: cfg, wf: wf, in: in, ctx: cfg.context()}
	rec := &recorder[In, Out]{take: func(point) bool { return true }}
	base := r.uncrashed(true, rec)
	slices.SortFunc(rec.snaps, func(a, b *snapshot) int { return a.at.compare(b.at) })
	if again := r.uncrashed(true, &recorder[In, Out]{}); again.counts != base.counts {
		t.Fatalf("%s: crash points by phase: %v, then %v", wf.Name(), base.counts, again.counts)
	}
	for _, sn := range rec.snaps {
		resumed := r.resume(sn, base)
		resumed.drive()
		a, ah := resumed.outcome(), resumed.histories()

		fresh := r.newWorld(true)
		fresh.crash = sn.at
		fresh.drive()
		b, bh := fresh.outcome(), fresh.histories()

		at := fmt.Sprintf("%s: crash %s #%d", wf.Name(), phases[sn.at.phase], sn.at.k)
		if sn.where != fresh.where {
			t.Errorf("%s: at %s from a snapshot, at %s from the start", at, sn.where, fresh.where)
		}
		if d := diff(b, a, sameStored); d != "" {
			t.Errorf("%s at %s: resumed from a snapshot, %s (from the start)", at, sn.where, d)
		}
		if !reflect.DeepEqual(ah, bh) {
			t.Errorf("%s at %s: histories differ:\nfrom a snapshot:  %v\nfrom the start: %v", at, sn.where, ah, bh)
		}
	}
	return len(rec.snaps)
}

// event is a history event, comparable.
type event struct {
	Seq      int64
	Kind     string
	Name     string
	Site     int
	Attempts int
	Error    string
	Detail   string
	At       int64 // on the fake clock
}

// histories returns the events of the instance and its children, by
// instance.
func (w *world[In, Out]) histories() map[string][]event {
	r := w.r
	r.t.Helper()
	insts, err := w.client.List(r.ctx, runtime.ListOptions{IDPrefix: InstanceID})
	if err != nil {
		r.t.Fatalf("durabletest: %v", err)
	}
	out := map[string][]event{}
	for _, in := range insts {
		evs, err := w.client.History(r.ctx, in.ID)
		if err != nil {
			r.t.Fatalf("durabletest: %v", err)
		}
		for _, ev := range evs {
			out[in.ID] = append(out[in.ID], event{ev.Seq, ev.Kind, ev.Name, ev.Site, ev.Attempts, ev.Error, string(ev.Detail), ev.At.UnixNano()})
		}
	}
	return out
}

// Choose exposes the choice of SampleCrashes: sites lists, in the order
// of the uncrashed run, each crash point as phase (0, 1, 2), k, and an
// index naming its checkpoint site.
func Choose(n int, seed uint64, sites [][3]int) [][2]int {
	ss := make([]runtime.Site, len(sites))
	in := make([]site, len(sites))
	for i, s := range sites {
		in[i] = site{at: point{s[0], s[1]}, site: &ss[s[2]], root: true}
	}
	var out [][2]int
	for _, p := range (&sample{n: n, seed: seed}).choose(in) {
		out = append(out, [2]int{p.phase, p.k})
	}
	return out
}
