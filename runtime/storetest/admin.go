package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/durablegen/durable/runtime"
)

// adminCases check the optional [runtime.Admin] capability. A store
// without it skips them.
func adminCases() []testCase {
	return []testCase{
		{"Admin/List/Empty", testListEmpty},
		{"Admin/List/Filters", testListFilters},
		{"Admin/List/Payloads", testListPayloads},
		{"Admin/List/CreatedRange", testListCreatedRange},
		{"Admin/List/Pagination", testListPagination},
		{"Admin/List/Invalid", testListInvalid},
		{"Admin/Retry/Failed", testRetryFailed},
		{"Admin/Retry/Fencing", testRetryFencing},
		{"Admin/Retry/NotFailed", testRetryNotFailed},
		{"Admin/Retry/StaleSeq", testRetryStaleSeq},
	}
}

// admin returns the store's Admin capability, or skips the test.
func (h *harness) admin() runtime.Admin {
	h.t.Helper()
	a, ok := h.s.(runtime.Admin)
	if !ok {
		h.t.Skipf("%T does not implement runtime.Admin, an optional capability: nothing to check", h.s)
	}
	return a
}

func (h *harness) list(opts runtime.ListOptions) []*runtime.Instance {
	h.t.Helper()
	got, err := h.admin().List(h.ctx, opts)
	if err != nil {
		h.t.Fatalf("List(%+v) error = %v, want nil", opts, err)
	}
	return got
}

// listIDs lists with opts and returns the IDs in the order listed.
func (h *harness) listIDs(opts runtime.ListOptions) []string {
	h.t.Helper()
	return ids(h.list(opts))
}

// finish claims a created instance id and leaves it in status with one
// checkpoint (seq 1), or claimed (running) for StatusRunning.
func (h *harness) finish(id string, status runtime.Status) {
	h.t.Helper()
	inst := h.claimID("worker-a", id, longLease)
	switch status {
	case runtime.StatusRunning:
		h.checkpoint(step(inst, 1, []byte("frame1")))
	case runtime.StatusCanceled:
		if err := h.s.Cancel(h.ctx, id, "stop"); err != nil {
			h.t.Fatalf("Cancel(%s) error = %v, want nil", id, err)
		}
	case runtime.StatusWaiting:
		h.checkpoint(wait(inst, 1, "approval", time.Time{}))
	default:
		cp := suspend(inst, 1, status)
		cp.WakeAt = time.Now().Add(time.Hour)
		if status == runtime.StatusFailed {
			cp.Error = "boom"
		}
		if status == runtime.StatusCompleted {
			cp.Output = []byte("receipt")
		}
		h.checkpoint(cp)
	}
}

// fixture creates one instance in each status, plus one of another
// workflow, and returns the full listing.
func (h *harness) fixture() []*runtime.Instance {
	h.t.Helper()
	for _, c := range []struct {
		id     string
		status runtime.Status
	}{
		{"a-running", runtime.StatusRunning},
		{"a-sleeping", runtime.StatusSleeping},
		{"b-waiting", runtime.StatusWaiting},
		{"b-completed", runtime.StatusCompleted},
		{"b-failed", runtime.StatusFailed},
		{"c-canceled", runtime.StatusCanceled},
	} {
		h.create(c.id)
		h.finish(c.id, c.status)
	}
	h.create("a-ready")
	h.createInstance(&runtime.Instance{ID: "x-other", Workflow: "invoice", Version: "v2", Frame: []byte("frame0")})
	all := h.list(runtime.ListOptions{})
	if len(all) != 8 {
		h.t.Fatalf("List() = %v, want the 8 instances created", ids(all))
	}
	h.wantOrdered(all, false)
	return all
}

// wantOrdered requires that insts are in listing order.
func (h *harness) wantOrdered(insts []*runtime.Instance, desc bool) {
	h.t.Helper()
	for i := 1; i < len(insts); i++ {
		c := compareKey(insts[i-1], insts[i])
		if desc {
			c = -c
		}
		if c >= 0 {
			h.t.Fatalf("List(descending=%v) = %v: %s (created %v) is listed before %s (created %v)", desc, ids(insts),
				insts[i-1].ID, insts[i-1].CreatedAt, insts[i].ID, insts[i].CreatedAt)
		}
	}
}

func compareKey(a, b *runtime.Instance) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// pick returns the IDs of all that keep, in order.
func pick(all []*runtime.Instance, keep func(*runtime.Instance) bool) []string {
	var out []string
	for _, inst := range all {
		if keep(inst) {
			out = append(out, inst.ID)
		}
	}
	return out
}

func testListEmpty(h *harness) {
	h.admin()
	if got := h.list(runtime.ListOptions{}); len(got) != 0 {
		h.t.Errorf("List() of an empty store = %v, want none", ids(got))
	}
}

func testListFilters(h *harness) {
	h.admin()
	all := h.fixture()
	byID := map[string]*runtime.Instance{}
	for _, inst := range all {
		byID[inst.ID] = inst
		want := h.get(inst.ID)
		if inst.Status != want.Status || inst.Workflow != want.Workflow || inst.Version != want.Version ||
			inst.Seq != want.Seq || inst.Epoch != want.Epoch || inst.Owner != want.Owner ||
			inst.Error != want.Error || inst.AwaitName != want.AwaitName || !inst.CreatedAt.Equal(want.CreatedAt) ||
			!inst.WakeAt.Equal(want.WakeAt) || !inst.LeaseUntil.Equal(want.LeaseUntil) {
			h.t.Errorf("List() has %+v, want the fields of Get() %+v", inst, want)
		}
		if inst.Frame != nil || inst.Output != nil {
			h.t.Errorf("List() without Payloads has %s with frame %q output %q, want both nil", inst.ID, inst.Frame, inst.Output)
		}
	}
	if st := byID["b-waiting"]; st.AwaitName != "approval" {
		h.t.Errorf("List() has b-waiting awaiting %q, want approval", st.AwaitName)
	}
	tests := []struct {
		name string
		opts runtime.ListOptions
		keep func(*runtime.Instance) bool
	}{
		{"failed", runtime.ListOptions{Statuses: []runtime.Status{runtime.StatusFailed}},
			func(i *runtime.Instance) bool { return i.Status == runtime.StatusFailed }},
		{"ready or waiting", runtime.ListOptions{Statuses: []runtime.Status{runtime.StatusWaiting, runtime.StatusReady}},
			func(i *runtime.Instance) bool {
				return i.Status == runtime.StatusWaiting || i.Status == runtime.StatusReady
			}},
		{"workflow", runtime.ListOptions{Workflow: "invoice"},
			func(i *runtime.Instance) bool { return i.Workflow == "invoice" }},
		{"other workflow", runtime.ListOptions{Workflow: workflow},
			func(i *runtime.Instance) bool { return i.Workflow == workflow }},
		{"unknown workflow", runtime.ListOptions{Workflow: "nope"},
			func(i *runtime.Instance) bool { return false }},
		{"prefix", runtime.ListOptions{IDPrefix: "b-"},
			func(i *runtime.Instance) bool { return strings.HasPrefix(i.ID, "b-") }},
		{"prefix is case-sensitive", runtime.ListOptions{IDPrefix: "B-"},
			func(i *runtime.Instance) bool { return false }},
		{"prefix is not a pattern", runtime.ListOptions{IDPrefix: "_-"},
			func(i *runtime.Instance) bool { return false }},
		{"prefix and status", runtime.ListOptions{IDPrefix: "b-", Statuses: []runtime.Status{runtime.StatusCompleted, runtime.StatusRunning}},
			func(i *runtime.Instance) bool { return i.ID == "b-completed" }},
		{"whole ID as prefix", runtime.ListOptions{IDPrefix: "a-ready"},
			func(i *runtime.Instance) bool { return i.ID == "a-ready" }},
		{"limit", runtime.ListOptions{Limit: 3},
			func(i *runtime.Instance) bool { return slices.Contains(ids(all[:3]), i.ID) }},
	}
	for _, tc := range tests {
		got := h.listIDs(tc.opts)
		if want := pick(all, tc.keep); !slices.Equal(got, want) {
			h.t.Errorf("List(%s: %+v) = %v, want %v", tc.name, tc.opts, got, want)
		}
	}
}

func testListPayloads(h *harness) {
	h.admin()
	h.fixture()
	got := h.list(runtime.ListOptions{Payloads: true, IDPrefix: "b-"})
	for _, inst := range got {
		want := h.get(inst.ID)
		if string(inst.Frame) != string(want.Frame) || string(inst.Output) != string(want.Output) {
			h.t.Errorf("List(Payloads) has %s with frame %q output %q, want %q %q", inst.ID, inst.Frame, inst.Output, want.Frame, want.Output)
		}
	}
	if len(got) != 3 {
		h.t.Errorf("List(Payloads, b-) = %v, want 3 instances", ids(got))
	}
}

func testListCreatedRange(h *harness) {
	h.admin()
	for i := range 6 {
		h.create(fmt.Sprintf("order-%d", i))
	}
	all := h.list(runtime.ListOptions{})
	first, mid, last := all[0].CreatedAt, all[3].CreatedAt, all[5].CreatedAt
	tests := []struct {
		name          string
		after, before time.Time
	}{
		{"after first", first, time.Time{}},
		{"after mid", mid, time.Time{}},
		{"before mid", time.Time{}, mid},
		{"mid to last", mid, last},
		{"first to mid", first, mid},
		{"after last", last.Add(time.Microsecond), time.Time{}},
		{"before first", time.Time{}, first},
	}
	for _, tc := range tests {
		got := h.listIDs(runtime.ListOptions{CreatedAfter: tc.after, CreatedBefore: tc.before})
		want := pick(all, func(i *runtime.Instance) bool {
			return !i.CreatedAt.Before(tc.after) && (tc.before.IsZero() || i.CreatedAt.Before(tc.before))
		})
		if !slices.Equal(got, want) {
			h.t.Errorf("List(%s: created in [%v, %v)) = %v, want %v", tc.name, tc.after, tc.before, got, want)
		}
	}
}

func testListPagination(h *harness) {
	h.admin()
	// IDs whose byte order differs from their creation order.
	for i := range 23 {
		h.create(fmt.Sprintf("p-%02d", (i*7)%23))
	}
	h.create("q-1")
	all := h.list(runtime.ListOptions{IDPrefix: "p-"})
	if len(all) != 23 {
		h.t.Fatalf("List(p-) = %d instances, want 23", len(all))
	}
	for _, desc := range []bool{false, true} {
		full := h.list(runtime.ListOptions{IDPrefix: "p-", Descending: desc})
		h.wantOrdered(full, desc)
		for _, size := range []int{1, 5, 23, 100} {
			var got []string
			var after runtime.Cursor
			for page := 0; ; page++ {
				if page > 30 {
					h.t.Fatalf("List(p-, limit %d, descending=%v) does not end", size, desc)
				}
				insts := h.list(runtime.ListOptions{IDPrefix: "p-", Limit: size, After: after, Descending: desc})
				if len(insts) > size {
					h.t.Fatalf("List(limit %d) = %d instances", size, len(insts))
				}
				got = append(got, ids(insts)...)
				if len(insts) < size {
					break
				}
				// The page token survives its text form.
				tok := insts[len(insts)-1].Cursor().String()
				var err error
				if after, err = runtime.ParseCursor(tok); err != nil {
					h.t.Fatalf("ParseCursor(%q) error = %v", tok, err)
				}
			}
			if want := ids(full); !slices.Equal(got, want) {
				h.t.Errorf("List(p-, pages of %d, descending=%v) = %v, want %v", size, desc, got, want)
			}
		}
	}
	// A cursor taken from another filter still positions the page.
	mid := all[11]
	got := h.listIDs(runtime.ListOptions{After: mid.Cursor()})
	want := append(ids(all[12:]), "q-1")
	if !slices.Equal(got, want) {
		h.t.Errorf("List(after %s) = %v, want %v", mid.ID, got, want)
	}
}

func testListInvalid(h *harness) {
	a := h.admin()
	for _, opts := range []runtime.ListOptions{
		{Statuses: []runtime.Status{"paused"}},
		{Limit: -1},
		{Limit: runtime.MaxListLimit + 1},
		{CreatedAfter: time.Now(), CreatedBefore: time.Now().Add(-time.Hour)},
	} {
		if got, err := a.List(h.ctx, opts); err == nil {
			h.t.Errorf("List(%+v) = %v, nil, want an error", opts, ids(got))
		}
	}
}

// failed starts instance id with worker-a, commits one step and fails it
// at seq 2 with the step's frame kept, and returns the claim.
func (h *harness) failed(id string) *runtime.Instance {
	h.t.Helper()
	inst := h.start(id, "worker-a")
	h.checkpoint(step(inst, 1, []byte("frame1")))
	cp := step(inst, 2, []byte("frame1"))
	cp.Status = runtime.StatusFailed
	cp.Error = "workflow panicked"
	cp.Event = runtime.Event{Seq: 2, Kind: "fail", Error: "workflow panicked"}
	h.checkpoint(cp)
	return inst
}

func (h *harness) retry(req runtime.RetryRequest) {
	h.t.Helper()
	if err := h.admin().Retry(h.ctx, req); err != nil {
		h.t.Fatalf("Retry(%+v) error = %v, want nil", req, err)
	}
}

func testRetryFailed(h *harness) {
	h.admin()
	a := h.failed("order-1")
	before := h.wantStatus("order-1", runtime.StatusFailed)
	h.retry(runtime.RetryRequest{ID: "order-1", Seq: 2, Reason: "fixed in v1.2"})
	got := h.wantStatus("order-1", runtime.StatusReady)
	if string(got.Frame) != "frame1" || got.Seq != 3 || got.Epoch <= before.Epoch || got.Epoch <= a.Epoch ||
		got.Error != "" || got.Output != nil || got.Owner != "" || got.Attempt != 0 || !got.WakeAt.IsZero() || got.AwaitName != "" {
		h.t.Errorf("Get() after Retry = %+v, want ready at seq 3 with frame1, a new epoch, no error, owner or timer", got)
	}
	evs := h.history("order-1")
	if n := len(evs); n != 3 || evs[2].Seq != 3 || evs[2].Kind != "resume" || evs[2].Error != "fixed in v1.2" || evs[2].At.IsZero() {
		h.t.Fatalf("History() after Retry = %+v, want step, fail, then resume at seq 3 with the reason", evs)
	}
	if got := h.listIDs(runtime.ListOptions{Statuses: []runtime.Status{runtime.StatusFailed}}); len(got) != 0 {
		h.t.Errorf("List(failed) after Retry = %v, want none", got)
	}
	b := h.claimID("worker-b", "order-1", longLease)
	if string(b.Frame) != "frame1" || b.Seq != 3 || b.Epoch <= got.Epoch {
		h.t.Errorf("Claim() after Retry = frame %q seq %d epoch %d, want frame1 3 and an epoch above %d", b.Frame, b.Seq, b.Epoch, got.Epoch)
	}
	h.checkpoint(step(b, 4, []byte("frame4")))
	done := suspend(b, 5, runtime.StatusCompleted)
	done.Output = []byte("receipt")
	h.checkpoint(done)
	h.wantStatus("order-1", runtime.StatusCompleted)
}

// testRetryFencing: the worker that held the instance before it failed
// cannot commit after the retry, neither before nor after a new claim.
func testRetryFencing(h *harness) {
	h.admin()
	a := h.failed("order-1")
	h.retry(runtime.RetryRequest{ID: "order-1"})
	h.checkpointErr(step(a, 3, []byte("zombie")), runtime.ErrFenced)
	if err := h.s.Heartbeat(h.ctx, "order-1", a.Epoch, longLease); !errors.Is(err, runtime.ErrFenced) {
		h.t.Errorf("Heartbeat(old epoch) after Retry error = %v, want %v", err, runtime.ErrFenced)
	}
	b := h.claimID("worker-b", "order-1", longLease)
	h.checkpointErr(step(a, 4, []byte("zombie")), runtime.ErrFenced)
	stale := step(b, 4, []byte("zombie"))
	stale.Epoch = b.Epoch - 1 // the epoch Retry set, never claimed
	h.checkpointErr(stale, runtime.ErrFenced)
	h.checkpoint(step(b, 4, []byte("by b")))
	if got := h.get("order-1"); string(got.Frame) != "by b" || got.Seq != 4 {
		h.t.Errorf("Get() = frame %q seq %d, want the new owner's %q 4", got.Frame, got.Seq, "by b")
	}
}

func testRetryNotFailed(h *harness) {
	a := h.admin()
	for _, status := range []runtime.Status{runtime.StatusRunning, runtime.StatusSleeping, runtime.StatusWaiting,
		runtime.StatusCompleted, runtime.StatusCanceled} {
		id := "order-" + string(status)
		h.create(id)
		h.finish(id, status)
	}
	h.create("order-ready")
	for _, status := range []runtime.Status{runtime.StatusReady, runtime.StatusRunning, runtime.StatusSleeping,
		runtime.StatusWaiting, runtime.StatusCompleted, runtime.StatusCanceled} {
		id := "order-" + string(status)
		before := h.get(id)
		events := len(h.history(id))
		if err := a.Retry(h.ctx, runtime.RetryRequest{ID: id}); !errors.Is(err, runtime.ErrNotRetryable) {
			h.t.Errorf("Retry(%s) error = %v, want %v", status, err, runtime.ErrNotRetryable)
		}
		got := h.get(id)
		if got.Status != before.Status || got.Seq != before.Seq || got.Epoch != before.Epoch || len(h.history(id)) != events {
			h.t.Errorf("Retry(%s) changed the instance: %+v, want %+v", status, got, before)
		}
	}
	if err := a.Retry(h.ctx, runtime.RetryRequest{ID: "missing"}); !errors.Is(err, runtime.ErrNotFound) {
		h.t.Errorf("Retry(missing) error = %v, want %v", err, runtime.ErrNotFound)
	}
}

func testRetryStaleSeq(h *harness) {
	a := h.admin()
	h.failed("order-1")
	before := h.get("order-1")
	if err := a.Retry(h.ctx, runtime.RetryRequest{ID: "order-1", Seq: 1}); !errors.Is(err, runtime.ErrNotRetryable) {
		h.t.Errorf("Retry(seq 1 of an instance at seq 2) error = %v, want %v", err, runtime.ErrNotRetryable)
	}
	if got := h.get("order-1"); got.Status != runtime.StatusFailed || got.Seq != before.Seq || got.Epoch != before.Epoch {
		h.t.Errorf("Get() after a stale Retry = %+v, want unchanged %+v", got, before)
	}
	h.retry(runtime.RetryRequest{ID: "order-1", Seq: 2})
	if err := a.Retry(h.ctx, runtime.RetryRequest{ID: "order-1", Seq: 2}); !errors.Is(err, runtime.ErrNotRetryable) {
		h.t.Errorf("second Retry() error = %v, want %v", err, runtime.ErrNotRetryable)
	}
	if n := len(h.history("order-1")); n != 3 {
		h.t.Errorf("History() after two retries = %d events, want 3 (one resume)", n)
	}
}
