package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/durablegen/durable/runtime"
)

func createCases() []testCase {
	return []testCase{
		{"Create/Idempotent", testCreateIdempotent},
		{"Create/Fields", testCreateFields},
		{"Get/Missing", testGetMissing},
		{"Create/IDLimits", testCreateIDLimits},
		{"Create/Trace", testCreateTrace},
	}
}

// testCreateIDLimits checks that a store takes every ID runtime.CheckID
// accepts, the longest included, through the calls that write it (a
// claim, a commit that releases the instance and notifies, a signal), and
// refuses the others with runtime.ErrInvalidID and an error that does not
// repeat a long ID whole.
func testCreateIDLimits(h *harness) {
	longest := strings.Repeat("é", runtime.MaxIDLength/2) // 2 bytes each
	if len(longest) != runtime.MaxIDLength {
		h.t.Fatalf("test ID is %d bytes, want %d", len(longest), runtime.MaxIDLength)
	}
	inst := h.start(longest, "worker-a")
	cp := suspend(inst, 1, runtime.StatusWaiting)
	cp.AwaitName = "approval"
	h.checkpoint(cp)
	h.signal(longest, "approval", []byte("ok"))
	h.wantStatus(longest, runtime.StatusReady)
	if evs := h.history(longest); len(evs) != 1 {
		h.t.Errorf("History(longest ID) = %d events, want 1", len(evs))
	}
	for name, id := range map[string]string{
		"empty":             "",
		"one byte too long": strings.Repeat("x", runtime.MaxIDLength+1),
		"1 MiB":             strings.Repeat("x", 1<<20),
		"NUL":               "order\x00x",
		"newline":           "order\nx",
		"not UTF-8":         "order\xffx",
	} {
		_, _, err := h.s.Create(h.ctx, &runtime.Instance{ID: id, Workflow: workflow, Version: version})
		if !errors.Is(err, runtime.ErrInvalidID) {
			h.t.Errorf("Create(%s ID) = %v, want %v", name, err, runtime.ErrInvalidID)
			continue
		}
		if len(err.Error()) > 300 {
			h.t.Errorf("Create(%s ID) error is %d bytes long, want the ID cut short", name, len(err.Error()))
		}
	}
}

func claimCases() []testCase {
	return []testCase{
		{"Claim/Fields", testClaimFields},
		{"Claim/Exclusive", testClaimExclusive},
		{"Claim/Concurrent", testClaimConcurrent},
		{"Claim/Keys", testClaimKeys},
		{"Claim/Limit", testClaimLimit},
		{"Claim/ExpiredLease", testClaimExpiredLease},
		{"Claim/Aborted", testClaimAborted},
	}
}

// testClaimAborted checks Instance.Aborted: a claim that takes over an
// expired lease at the sequence number of the claim before counts one
// more run that committed nothing; a run that commits, or releases the
// instance, ends the count.
func testClaimAborted(h *harness) {
	h.create("order-1")
	claims := []struct {
		owner string
		want  int
		then  func(inst *runtime.Instance)
	}{
		{"worker-a", 0, nil},
		{"worker-b", 1, nil},
		{"worker-c", 2, func(inst *runtime.Instance) { h.checkpoint(step(inst, 1, []byte("by c"))) }},
		{"worker-d", 0, func(inst *runtime.Instance) { h.checkpoint(suspend(inst, 2, runtime.StatusReady)) }},
		{"worker-e", 0, nil},
		{"worker-f", 1, nil},
	}
	for _, c := range claims {
		inst := h.waitClaim(c.owner, "order-1", shortLease)
		if inst.Aborted != c.want {
			h.t.Errorf("Claim(%s).Aborted = %d, want %d", c.owner, inst.Aborted, c.want)
		}
		if c.then != nil {
			c.then(inst)
		}
	}
}

func testCreateIdempotent(h *harness) {
	first := h.create("order-1")
	again, created, err := h.s.Create(h.ctx, &runtime.Instance{
		ID: "order-1", Workflow: workflow, Version: version, Frame: []byte("other frame"),
	})
	if err != nil {
		h.t.Fatalf("Create(order-1) again error = %v, want nil", err)
	}
	if created {
		h.t.Errorf("Create(order-1) again created = true, want false")
	}
	if again == nil || again.ID != first.ID || string(again.Frame) != "frame0" || !again.CreatedAt.Equal(first.CreatedAt) {
		h.t.Errorf("Create(order-1) again = %+v, want the stored instance %+v", again, first)
	}
	if got := h.get("order-1"); string(got.Frame) != "frame0" {
		h.t.Errorf("Get(order-1).Frame = %q, want %q", got.Frame, "frame0")
	}
}

func testCreateFields(h *harness) {
	before := time.Now().Add(-time.Minute)
	in := &runtime.Instance{ID: "commande-é-42", Workflow: "transfert", Version: "v2:ü", Frame: allBytes()}
	got := h.createInstance(in)
	for _, inst := range []*runtime.Instance{got, h.get(in.ID)} {
		if inst.ID != in.ID || inst.Workflow != in.Workflow || inst.Version != in.Version {
			h.t.Errorf("instance = %s %s@%s, want %s %s@%s", inst.ID, inst.Workflow, inst.Version, in.ID, in.Workflow, in.Version)
		}
		if inst.Status != runtime.StatusReady {
			h.t.Errorf("instance.Status = %s, want %s (an empty status creates a ready instance)", inst.Status, runtime.StatusReady)
		}
		if !bytes.Equal(inst.Frame, in.Frame) {
			h.t.Errorf("instance.Frame = %x, want %x", inst.Frame, in.Frame)
		}
		if inst.Seq != 0 || inst.Epoch != 0 || inst.Owner != "" {
			h.t.Errorf("instance seq, epoch, owner = %d, %d, %q, want 0, 0, \"\"", inst.Seq, inst.Epoch, inst.Owner)
		}
		if inst.CreatedAt.Before(before) || inst.UpdatedAt.Before(before) {
			h.t.Errorf("instance CreatedAt, UpdatedAt = %v, %v, want the store clock", inst.CreatedAt, inst.UpdatedAt)
		}
	}
}

func testGetMissing(h *harness) {
	if _, err := h.s.Get(h.ctx, "missing"); !errors.Is(err, runtime.ErrNotFound) {
		h.t.Fatalf("Get(missing) error = %v, want %v", err, runtime.ErrNotFound)
	}
}

func testClaimFields(h *harness) {
	h.create("order-1")
	before := time.Now().Add(-time.Minute)
	got := h.claimID("worker-a", "order-1", longLease)
	if got.Status != runtime.StatusRunning || got.Owner != "worker-a" || got.Epoch != 1 {
		h.t.Errorf("Claim() = status %s owner %q epoch %d, want running worker-a 1", got.Status, got.Owner, got.Epoch)
	}
	if got.Now.Before(before) || got.Now.After(time.Now().Add(time.Minute)) {
		h.t.Errorf("Claim().Now = %v, want the store clock, near %v", got.Now, time.Now())
	}
	if d := got.LeaseUntil.Sub(got.Now); d < longLease-time.Second || d > longLease+time.Second {
		h.t.Errorf("Claim().LeaseUntil - Now = %v, want %v", d, longLease)
	}
	if string(got.Frame) != "frame0" || got.Signal != nil {
		h.t.Errorf("Claim() frame %q signal %v, want %q and no signal", got.Frame, got.Signal, "frame0")
	}
	stored := h.wantStatus("order-1", runtime.StatusRunning)
	if stored.Owner != "worker-a" || stored.Epoch != 1 || !stored.LeaseUntil.Equal(got.LeaseUntil) {
		h.t.Errorf("Get() = owner %q epoch %d lease %v, want worker-a 1 %v", stored.Owner, stored.Epoch, stored.LeaseUntil, got.LeaseUntil)
	}
}

func testClaimExclusive(h *harness) {
	h.start("order-1", "worker-a")
	h.claimNone("while worker-a holds the lease")
}

// testClaimConcurrent has goroutines claim until nothing is left and
// checks that each instance went to exactly one of them.
func testClaimConcurrent(h *harness) {
	const instances, workers = 24, 8
	for i := range instances {
		h.create(fmt.Sprintf("order-%02d", i))
	}
	var mu sync.Mutex
	claimedBy := map[string][]string{}
	var wg sync.WaitGroup
	for w := range workers {
		owner := fmt.Sprintf("worker-%d", w)
		wg.Go(func() {
			for {
				got, err := h.s.Claim(h.ctx, runtime.ClaimRequest{Owner: owner, Workflows: []string{key}, Limit: 2, Lease: longLease})
				if err != nil {
					h.t.Errorf("Claim(%s) error = %v, want nil", owner, err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, inst := range got {
					claimedBy[inst.ID] = append(claimedBy[inst.ID], owner)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimedBy) != instances {
		h.t.Errorf("instances claimed = %d, want %d", len(claimedBy), instances)
	}
	for id, owners := range claimedBy {
		if len(owners) != 1 {
			h.t.Errorf("instance %s claimed by %v, want one owner", id, owners)
		}
	}
}

func testClaimKeys(h *harness) {
	for _, in := range []*runtime.Instance{
		{ID: "a1", Workflow: "a", Version: "v1"},
		{ID: "a2", Workflow: "a", Version: "v2"},
		{ID: "b1", Workflow: "b", Version: "v1"},
		{ID: "ab", Workflow: "a@v", Version: "1"}, // key "a@v@1" is not "a@v1"
	} {
		h.createInstance(in)
	}
	tests := []struct {
		name string
		keys []string
		want []string
	}{
		{"none", nil, nil},
		{"unknown", []string{"c@v1", "a@v3"}, nil},
		{"one", []string{"a@v1"}, []string{"a1"}},
		{"two", []string{"a@v2", "b@v1", "c@v1"}, []string{"a2", "b1"}},
		{"claimed", []string{"a@v1", "a@v2", "b@v1"}, nil},
	}
	for _, tt := range tests {
		got := ids(h.claim("worker-"+tt.name, longLease, 10, tt.keys...))
		sort.Strings(got)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			h.t.Errorf("%s: Claim(%v) = %v, want %v", tt.name, tt.keys, got, tt.want)
		}
	}
}

func testClaimLimit(h *harness) {
	for i := range 5 {
		h.create(fmt.Sprintf("order-%d", i))
	}
	for _, want := range []int{2, 2, 1, 0} {
		if got := h.claim("worker", longLease, 2, key); len(got) != want {
			h.t.Errorf("Claim(limit 2) = %v, want %d instances", ids(got), want)
		}
	}
}

// testClaimExpiredLease lets a short lease expire and has another worker
// take the instance over with a new epoch.
func testClaimExpiredLease(h *harness) {
	h.create("order-1")
	a := h.claimID("worker-a", "order-1", shortLease)
	b := h.waitClaim("worker-b", "order-1", longLease)
	if b.Owner != "worker-b" || b.Epoch != a.Epoch+1 || b.Status != runtime.StatusRunning {
		h.t.Errorf("takeover = owner %q epoch %d status %s, want worker-b %d running", b.Owner, b.Epoch, b.Status, a.Epoch+1)
	}
	h.claimNone("after the takeover")
}
