package storetest

import (
	"errors"
	"slices"
	"time"

	"github.com/durablegen/durable/runtime"
)

func aloneCases() []testCase {
	return []testCase{
		{"Claim/Isolate", testClaimIsolate},
		{"Claim/AbortedAlone", testClaimAbortedAlone},
		{"RecordAlone/Fenced", testRecordAloneFenced},
	}
}

// claimIsolating claims for owner with req.Isolate isolate.
func (h *harness) claimIsolating(owner string, lease time.Duration, isolate, limit int) []*runtime.Instance {
	h.t.Helper()
	got, err := h.s.Claim(h.ctx, runtime.ClaimRequest{Owner: owner, Workflows: []string{key}, Limit: limit, Lease: lease, Isolate: isolate})
	if err != nil {
		h.t.Fatalf("Claim(%s, isolate %d) error = %v, want nil", owner, isolate, err)
	}
	return got
}

// expire waits until the leases of insts, claimed with shortLease, have
// run out on the store's clock too.
func expire(insts []*runtime.Instance) {
	var last time.Time
	for _, inst := range insts {
		if inst.LeaseUntil.After(last) {
			last = inst.LeaseUntil
		}
	}
	time.Sleep(time.Until(last) + 50*time.Millisecond)
}

// testClaimIsolate checks ClaimRequest.Isolate on a store that records
// runs alone: the instances whose claim counts Isolate or more runs in a
// row that committed nothing are claimed before any other and apart, up
// to the limit; below that count they are claimed with the others.
func testClaimIsolate(h *harness) {
	if _, ok := h.s.(runtime.AloneRecorder); !ok {
		return // Isolate is ignored
	}
	h.create("order-1")
	h.create("order-2")
	cut := h.claim("worker-a", shortLease, 10, key)
	if len(cut) != 2 {
		h.t.Fatalf("Claim(worker-a) = %v, want [order-1 order-2]", ids(cut))
	}
	expire(cut)
	h.create("order-3")
	seen := map[string]bool{}
	for _, owner := range []string{"worker-b", "worker-c"} {
		got := h.claimIsolating(owner, longLease, 1, 1)
		if len(got) != 1 || got[0].ID == "order-3" || seen[got[0].ID] {
			h.t.Fatalf("Claim(%s, isolate 1, limit 1) = %v, want one of the cut order-1 and order-2", owner, ids(got))
		}
		seen[got[0].ID] = true
		if got[0].Aborted != 1 || got[0].AbortedAlone != 0 {
			h.t.Errorf("Claim(%s, isolate 1).Aborted, AbortedAlone = %d, %d, want 1, 0", owner, got[0].Aborted, got[0].AbortedAlone)
		}
	}
	if got := h.claimIsolating("worker-d", longLease, 1, 10); len(got) != 1 || got[0].ID != "order-3" {
		h.t.Errorf("Claim(worker-d, isolate 1) = %v, want [order-3] once none is cut", ids(got))
	}

	// Several cut: claimed together, apart from the ready one.
	h.create("order-6")
	h.create("order-7")
	cut = h.claim("worker-x", shortLease, 2, key)
	expire(cut)
	h.create("order-8")
	got := h.claimIsolating("worker-y", longLease, 1, 10)
	slices.SortFunc(got, func(a, b *runtime.Instance) int { return compareIDs(a.ID, b.ID) })
	if len(got) != 2 || got[0].ID != "order-6" || got[1].ID != "order-7" {
		h.t.Errorf("Claim(worker-y, isolate 1) = %v, want [order-6 order-7], without the ready order-8", ids(got))
	}
	if got := h.claimIsolating("worker-z", longLease, 1, 10); len(got) != 1 || got[0].ID != "order-8" {
		h.t.Errorf("Claim(worker-z, isolate 1) = %v, want [order-8]", ids(got))
	}

	// Below the count: claimed together with the others.
	h.create("order-4")
	cut = h.claim("worker-e", shortLease, 1, key)
	if len(cut) != 1 || cut[0].ID != "order-4" {
		h.t.Fatalf("Claim(worker-e) = %v, want [order-4]", ids(cut))
	}
	expire(cut)
	h.create("order-5")
	got = h.claimIsolating("worker-f", longLease, 2, 10)
	slices.SortFunc(got, func(a, b *runtime.Instance) int { return compareIDs(a.ID, b.ID) })
	if len(got) != 2 || got[0].ID != "order-4" || got[1].ID != "order-5" {
		h.t.Errorf("Claim(worker-f, isolate 2) = %v, want [order-4 order-5]: one run cut is below the count", ids(got))
	}
}

func compareIDs(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// testClaimAbortedAlone checks Instance.AbortedAlone: of the runs in a
// row that committed nothing, it counts those recorded alone (and not
// recorded not alone since); a claim clears the record, and a run that
// commits ends both counts.
func testClaimAbortedAlone(h *harness) {
	rec, ok := h.s.(runtime.AloneRecorder)
	if !ok {
		return
	}
	h.create("order-1")
	claims := []struct {
		owner          string
		aborted, alone int
		record         bool
		unrecord       bool // record it alone, then not
		then           func(inst *runtime.Instance)
	}{
		{owner: "worker-a"},
		{owner: "worker-b", aborted: 1, record: true},
		{owner: "worker-c", aborted: 2, alone: 1, unrecord: true},
		{owner: "worker-d", aborted: 3, alone: 1, record: true},
		{owner: "worker-e", aborted: 4, alone: 2, then: func(inst *runtime.Instance) { h.checkpoint(step(inst, 1, []byte("by e"))) }},
		{owner: "worker-f", record: true},
		{owner: "worker-g", aborted: 1, alone: 1},
	}
	for _, c := range claims {
		inst := h.waitClaim(c.owner, "order-1", shortLease)
		if inst.Aborted != c.aborted || inst.AbortedAlone != c.alone {
			h.t.Errorf("Claim(%s).Aborted, AbortedAlone = %d, %d, want %d, %d", c.owner, inst.Aborted, inst.AbortedAlone, c.aborted, c.alone)
		}
		if c.record || c.unrecord {
			if err := rec.RecordAlone(h.ctx, inst.ID, inst.Epoch, true); err != nil {
				h.t.Fatalf("RecordAlone(%s, %d, true) error = %v, want nil", inst.ID, inst.Epoch, err)
			}
		}
		if c.unrecord {
			if err := rec.RecordAlone(h.ctx, inst.ID, inst.Epoch, false); err != nil {
				h.t.Fatalf("RecordAlone(%s, %d, false) error = %v, want nil", inst.ID, inst.Epoch, err)
			}
		}
		if c.then != nil {
			c.then(inst)
		}
	}
}

// testRecordAloneFenced checks that RecordAlone is fenced by the epoch
// of the current claim and fails for a missing instance.
func testRecordAloneFenced(h *harness) {
	rec, ok := h.s.(runtime.AloneRecorder)
	if !ok {
		return
	}
	h.create("order-1")
	old := h.claimID("worker-a", "order-1", shortLease)
	expire([]*runtime.Instance{old})
	cur := h.waitClaim("worker-b", "order-1", longLease)
	if err := rec.RecordAlone(h.ctx, "order-1", old.Epoch, true); !errors.Is(err, runtime.ErrFenced) {
		h.t.Errorf("RecordAlone(order-1, superseded epoch %d) error = %v, want ErrFenced", old.Epoch, err)
	}
	if err := rec.RecordAlone(h.ctx, "order-1", cur.Epoch, true); err != nil {
		h.t.Errorf("RecordAlone(order-1, epoch %d) error = %v, want nil", cur.Epoch, err)
	}
	if err := rec.RecordAlone(h.ctx, "missing", 1, true); !errors.Is(err, runtime.ErrFenced) && !errors.Is(err, runtime.ErrNotFound) {
		h.t.Errorf("RecordAlone(missing) error = %v, want ErrFenced or ErrNotFound", err)
	}
}
