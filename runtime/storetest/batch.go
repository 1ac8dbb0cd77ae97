package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
)

// Batching is what [RunBatch] needs, beside the store, to test a store
// that commits the writes of concurrent callers together (group commit):
// a way to make writes meet in one batch, and ways to cut a batch.
type Batching struct {
	// Hold makes the next batch the store starts wait, once started,
	// until release is called; held is closed when it waits. Writes made
	// meanwhile queue up and run together in the batch after it.
	Hold func() (held <-chan struct{}, release func())
	// Queued returns how many writes wait behind the batch in flight.
	Queued func() int
	// Sizes returns the number of writes of every batch started so far.
	Sizes func() []int
	// LoseConnection, if not nil, makes the next batch of several writes
	// fail as a whole before it commits, as when the connection to the
	// database is lost while the batch is sent.
	LoseConnection func()
	// LoseAck makes the next batch of several writes report err to each
	// of its callers after it committed, as when the process dies between
	// the commit and the acknowledgement.
	LoseAck func(err error)
	// Reopen returns a new store on the same database, as a process
	// started after a crash would open it.
	Reopen func(t *testing.T) runtime.Store
}

// RunBatch runs the cases of a store that batches concurrent writes:
// checkpoints of different instances committed together, each fenced on
// its own epoch and sequence number, so that a fenced or failing write
// fails only its caller; a batch cut by a lost connection commits none of
// its writes, and one whose acknowledgement was lost commits all of
// them; a checkpoint retried with the same sequence number and epoch
// afterwards commits if it had not been, and is refused
// ([runtime.ErrDuplicateSeq] while running, [runtime.ErrFenced] once
// released) if it had.
func RunBatch(t *testing.T, newStore func(t *testing.T) (runtime.Store, *Batching)) {
	t.Helper()
	for _, tc := range []struct {
		name string
		run  func(h *harness, b *Batching)
	}{
		{"Batch/OneFenced", testBatchOneFenced},
		{"Batch/Mixed", testBatchMixed},
		{"Batch/ConnectionLost", testBatchConnectionLost},
		{"Batch/AckLost", testBatchAckLost},
		{"Batch/History", testBatchHistory},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, b := newStore(t)
			tc.run(&harness{t: t, s: s, ctx: t.Context()}, b)
		})
	}
}

// batchCall is one write of a batch and its outcome.
type batchCall struct {
	name string
	do   func() error
	err  error
}

// inOneBatch runs the calls concurrently so that they meet in one batch:
// it holds the store with a create of an unrelated instance, waits until
// every call is queued behind it, and releases it. It requires that a
// batch of len(calls) writes ran.
func (h *harness) inOneBatch(b *Batching, calls []*batchCall) {
	h.t.Helper()
	held, release := b.Hold()
	holder := make(chan error, 1)
	go func() {
		_, _, err := h.s.Create(h.ctx, &runtime.Instance{ID: fmt.Sprintf("holder-%d", len(b.Sizes())), Workflow: workflow, Version: "none"})
		holder <- err
	}()
	<-held
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Go(func() { c.err = c.do() })
		// One at a time, so that the batch runs them in this order.
		for deadline := time.Now().Add(pollTimeout); b.Queued() < 1+indexOf(calls, c); {
			if time.Now().After(deadline) {
				release()
				h.t.Fatalf("%d writes queued behind the held batch, want %d", b.Queued(), 1+indexOf(calls, c))
			}
			time.Sleep(time.Millisecond)
		}
	}
	release()
	wg.Wait()
	if err := <-holder; err != nil {
		h.t.Fatalf("Create(holder) error = %v, want nil", err)
	}
	sizes := b.Sizes()
	if !containsInt(sizes, len(calls)) {
		h.t.Fatalf("batch sizes = %v, want one of %d writes", sizes, len(calls))
	}
}

func indexOf(calls []*batchCall, c *batchCall) int {
	for i, x := range calls {
		if x == c {
			return i
		}
	}
	return -1
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (h *harness) wantCall(c *batchCall, want error) {
	h.t.Helper()
	if want == nil && c.err != nil || want != nil && !errors.Is(c.err, want) {
		h.t.Errorf("%s in a batch: error = %v, want %v", c.name, c.err, want)
	}
}

// cpCall returns a call that commits cp.
func (h *harness) cpCall(name string, cp *runtime.Checkpoint) *batchCall {
	return &batchCall{name: name, do: func() error { return h.s.Checkpoint(h.ctx, cp) }}
}

// wantCommitted requires that instance id is at seq with frame and status
// and that its history ends with an event of kind at seq.
func (h *harness) wantCommitted(id string, seq int64, frame string, status runtime.Status, kind string) {
	h.t.Helper()
	got := h.get(id)
	if got.Seq != seq || string(got.Frame) != frame || got.Status != status {
		h.t.Errorf("Get(%s) = seq %d frame %q %s, want %d %q %s", id, got.Seq, got.Frame, got.Status, seq, frame, status)
	}
	evs := h.history(id)
	if seq == 0 && len(evs) != 0 {
		h.t.Errorf("History(%s) = %v, want none", id, kinds(evs))
	}
	if seq > 0 && (len(evs) == 0 || evs[len(evs)-1].Seq != seq || evs[len(evs)-1].Kind != kind) {
		h.t.Errorf("History(%s) = %v, want it to end with %s at seq %d", id, kinds(evs), kind, seq)
	}
}

func kinds(evs []runtime.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = fmt.Sprintf("%d:%s", ev.Seq, ev.Kind)
	}
	return out
}

// testBatchOneFenced commits five checkpoints in one batch, one of a
// stale epoch and one of a sequence number already committed: those two
// fail alone, the other three commit.
func testBatchOneFenced(h *harness, b *Batching) {
	insts := make([]*runtime.Instance, 5)
	for i := range insts {
		insts[i] = h.start(fmt.Sprintf("order-%d", i), "worker-a")
		h.checkpoint(step(insts[i], 1, []byte("frame1")))
	}
	stale := step(insts[2], 2, []byte("stale"))
	stale.Epoch--
	calls := []*batchCall{
		h.cpCall("step of order-0", step(insts[0], 2, []byte("frame2"))),
		h.cpCall("step of order-1", step(insts[1], 2, []byte("frame2"))),
		h.cpCall("step of order-2 with a stale epoch", stale),
		h.cpCall("step of order-3 with seq 1 again", step(insts[3], 1, []byte("again"))),
		h.cpCall("step of order-4", step(insts[4], 2, []byte("frame2"))),
	}
	h.inOneBatch(b, calls)
	for i, want := range []error{nil, nil, runtime.ErrFenced, runtime.ErrDuplicateSeq, nil} {
		h.wantCall(calls[i], want)
		id := fmt.Sprintf("order-%d", i)
		if want == nil {
			h.wantCommitted(id, 2, "frame2", runtime.StatusRunning, "step")
		} else {
			h.wantCommitted(id, 1, "frame1", runtime.StatusRunning, "step")
		}
	}
	// The batch left the survivors claimed: they go on.
	for _, i := range []int{0, 1, 4} {
		h.checkpoint(step(insts[i], 3, []byte("frame3")))
	}
	h.checkpoint(step(insts[2], 2, []byte("frame2")))
}

// testBatchMixed commits every kind of write in one batch: steps, a
// consumed signal and one that is not pending, a sleep, a wait whose
// signal is already there, a completion, and creates, one of an ID that
// exists.
func testBatchMixed(h *harness, b *Batching) {
	run := h.start("run", "worker-a")
	consume := h.start("consume", "worker-a")
	h.checkpoint(wait(consume, 1, "approval", time.Time{}))
	h.signal("consume", "approval", []byte("yes"))
	consume = h.claimID("worker-b", "consume", longLease)
	sig := h.wantSignal(consume, "approval", []byte("yes"))
	notPending := h.start("not-pending", "worker-a")
	sleep := h.start("sleep", "worker-a")
	waiting := h.start("waiting", "worker-a")
	h.signal("waiting", "go", []byte("now"))
	done := h.start("done", "worker-a")
	h.create("beat")
	beat := h.claimID("worker-a", "beat", shortLease)
	h.create("exists")
	h.createInstance(&runtime.Instance{ID: "other", Workflow: workflow, Version: "v2"})

	consumeCP := step(consume, 2, []byte("consumed"))
	consumeCP.ConsumeSignal = sig.ID
	notPendingCP := step(notPending, 1, []byte("nothing"))
	notPendingCP.ConsumeSignal = sig.ID
	sleepCP := suspend(sleep, 1, runtime.StatusSleeping)
	sleepCP.WakeAt = time.Now().Add(time.Hour)
	doneCP := suspend(done, 1, runtime.StatusCompleted)
	doneCP.Output = []byte("receipt")
	var created, existed bool
	var claimed []*runtime.Instance
	calls := []*batchCall{
		h.cpCall("step", step(run, 1, []byte("frame1"))),
		h.cpCall("step consuming a signal", consumeCP),
		h.cpCall("step consuming another instance's signal", notPendingCP),
		h.cpCall("sleep", sleepCP),
		h.cpCall("wait for a signal sent before", wait(waiting, 1, "go", time.Time{})),
		h.cpCall("completion", doneCP),
		{name: "create", do: func() (err error) {
			_, created, err = h.s.Create(h.ctx, &runtime.Instance{ID: "new", Workflow: workflow, Version: version, Frame: []byte("frame0")})
			return err
		}},
		{name: "create of an ID that exists", do: func() (err error) {
			_, existed, err = h.s.Create(h.ctx, &runtime.Instance{ID: "exists", Workflow: workflow, Version: version})
			existed = !existed
			return err
		}},
		{name: "heartbeat", do: func() error { return h.s.Heartbeat(h.ctx, "beat", beat.Epoch, longLease) }},
		{name: "claim", do: func() (err error) {
			claimed, err = h.s.Claim(h.ctx, runtime.ClaimRequest{Owner: "worker-d", Workflows: []string{workflow + "@v2"}, Limit: 5, Lease: longLease})
			return err
		}},
		{name: "heartbeat with a stale epoch", do: func() error { return h.s.Heartbeat(h.ctx, "run", run.Epoch-1, longLease) }},
	}
	h.inOneBatch(b, calls)
	for i, c := range calls {
		switch i {
		case 2:
			if c.err == nil {
				h.t.Errorf("%s in a batch: error = nil, want an error", c.name)
			}
		case len(calls) - 1:
			h.wantCall(c, runtime.ErrFenced)
		default:
			h.wantCall(c, nil)
		}
	}
	if got := h.get("beat"); !got.LeaseUntil.After(beat.LeaseUntil.Add(longLease / 2)) {
		h.t.Errorf("Get(beat).LeaseUntil = %v after a heartbeat of %v in a batch, want about %v", got.LeaseUntil, longLease, beat.Now.Add(longLease))
	}
	h.wantCommitted("run", 1, "frame1", runtime.StatusRunning, "step")
	h.wantCommitted("consume", 2, "consumed", runtime.StatusRunning, "step")
	h.wantCommitted("not-pending", 0, "frame0", runtime.StatusRunning, "")
	h.wantCommitted("sleep", 1, "frame1", runtime.StatusSleeping, "sleeping")
	h.wantCommitted("waiting", 1, "frame1", runtime.StatusReady, "await")
	h.wantCommitted("done", 1, "frame1", runtime.StatusCompleted, "completed")
	if len(claimed) != 1 || claimed[0].ID != "other" || claimed[0].Owner != "worker-d" {
		h.t.Errorf("Claim() in a batch = %v, want [other] claimed by worker-d", ids(claimed))
	}
	if !created || !existed {
		h.t.Errorf("Create() in a batch: created = %v, existing one reported = %v, want true, true", created, existed)
	}
	h.wantStatus("new", runtime.StatusReady)
	if got := h.claim("worker-c", longLease, 10, key); len(got) != 3 {
		// ready: waiting (its signal arrived), new, exists
		h.t.Errorf("Claim() after the batch = %v, want waiting, new and exists", ids(got))
	}
	again := step(consume, 3, nil)
	again.ConsumeSignal = sig.ID
	if err := h.s.Checkpoint(h.ctx, again); err == nil {
		h.t.Errorf("Checkpoint() consuming signal %d a second time: error = nil, want an error", sig.ID)
	}
}

// testBatchConnectionLost cuts a batch of four checkpoints before it
// commits: all four fail, none is committed, and each commits when
// retried with the same sequence number and epoch.
func testBatchConnectionLost(h *harness, b *Batching) {
	if b.LoseConnection == nil {
		h.t.Skip("the store has no connection to lose (an in-process database): the batch's database errors are tested by Batch/AckLost and the store's own tests")
	}
	cps := batchOfFour(h)
	b.LoseConnection()
	calls := make([]*batchCall, len(cps))
	for i, cp := range cps {
		calls[i] = h.cpCall(fmt.Sprintf("checkpoint of %s", cp.ID), cp)
	}
	h.inOneBatch(b, calls)
	for _, c := range calls {
		if c.err == nil {
			h.t.Errorf("%s in a batch that lost its connection: error = nil, want an error", c.name)
		}
	}
	for _, cp := range cps {
		h.wantCommitted(cp.ID, 1, "frame1", runtime.StatusRunning, "step")
	}
	for _, cp := range cps {
		h.checkpoint(cp)
	}
	wantBatchOfFour(h, cps)
}

// testBatchAckLost loses the acknowledgement of a batch of four
// checkpoints: each caller gets an error, yet all four are committed, as
// a store opened after the crash shows, and each retried with the same
// sequence number and epoch is refused.
func testBatchAckLost(h *harness, b *Batching) {
	cps := batchOfFour(h)
	crash := errors.New("process died before the acknowledgement")
	b.LoseAck(crash)
	calls := make([]*batchCall, len(cps))
	for i, cp := range cps {
		calls[i] = h.cpCall(fmt.Sprintf("checkpoint of %s", cp.ID), cp)
	}
	h.inOneBatch(b, calls)
	for _, c := range calls {
		h.wantCall(c, crash)
	}
	if b.Reopen != nil {
		h.s = b.Reopen(h.t)
	}
	wantBatchOfFour(h, cps)
	for _, cp := range cps {
		want := runtime.ErrFenced
		if cp.Status == runtime.StatusRunning {
			want = runtime.ErrDuplicateSeq
		}
		h.checkpointErr(cp, want)
	}
	wantBatchOfFour(h, cps)
	for _, cp := range cps[:2] {
		next := *cp
		next.Seq, next.Frame = 3, []byte("frame3")
		next.Event.Seq = 3
		h.checkpoint(&next)
	}
}

// testBatchHistory commits the checkpoints of four instances in batches
// from their 6th to their end, with events of every size, and reads each
// history after every batch.
func testBatchHistory(h *harness, b *Batching) {
	insts := make([]*runtime.Instance, 4)
	want := make([][]runtime.Event, len(insts))
	for i := range insts {
		insts[i] = h.start(fmt.Sprintf("order-%d", i), "worker-a")
	}
	commit := func(i int, seq int64, status runtime.Status) *runtime.Checkpoint {
		cp := step(insts[i], seq, []byte(fmt.Sprintf("frame%d", seq)))
		cp.Status = status
		cp.Event.Name = fmt.Sprintf("step-%d-%d", i, seq)
		switch (int(seq) + i) % 4 {
		case 1:
			cp.Event.Detail = bigFrame(1000)
		case 2:
			cp.Event.Error = "déclinée ✓"
		case 3:
			cp.Event.Detail = allBytes()[:40]
		}
		if status == runtime.StatusCompleted {
			cp.Event.Kind = "complete"
		}
		want[i] = append(want[i], cp.Event)
		return cp
	}
	for i := range insts {
		for seq := int64(1); seq <= 5; seq++ {
			h.checkpoint(commit(i, seq, runtime.StatusRunning))
		}
	}
	for seq := int64(6); seq <= 18; seq++ {
		calls := make([]*batchCall, len(insts))
		for i := range insts {
			status := runtime.StatusRunning
			if seq == 18 || i == 3 && seq == 17 {
				status = runtime.StatusCompleted
			}
			if i == 3 && seq == 18 {
				calls = calls[:3]
				continue
			}
			calls[i] = h.cpCall(fmt.Sprintf("order-%d seq %d", i, seq), commit(i, seq, status))
		}
		h.inOneBatch(b, calls)
		for i, c := range calls {
			h.wantCall(c, nil)
			got := h.history(fmt.Sprintf("order-%d", i))
			if len(got) != len(want[i]) {
				h.t.Fatalf("History(order-%d) after the batch of seq %d = %v, want %d events", i, seq, kinds(got), len(want[i]))
			}
			for k := range got {
				if w := want[i][k]; got[k].Seq != w.Seq || got[k].Name != w.Name || got[k].Error != w.Error || !bytes.Equal(got[k].Detail, w.Detail) {
					h.t.Fatalf("History(order-%d)[%d] after the batch of seq %d = %+v, want %+v", i, k, seq, got[k], w)
				}
			}
		}
	}
}

// batchOfFour starts four instances, commits a first step of each and
// returns their second checkpoints: two steps, a completion and a wait.
func batchOfFour(h *harness) []*runtime.Checkpoint {
	var cps []*runtime.Checkpoint
	for i, status := range []runtime.Status{runtime.StatusRunning, runtime.StatusRunning, runtime.StatusCompleted, runtime.StatusWaiting} {
		inst := h.start(fmt.Sprintf("order-%d", i), "worker-a")
		h.checkpoint(step(inst, 1, []byte("frame1")))
		cp := step(inst, 2, []byte("frame2"))
		cp.Status = status
		switch status {
		case runtime.StatusCompleted:
			cp.Output = []byte("receipt")
			cp.Event.Kind = "complete"
		case runtime.StatusWaiting:
			cp.AwaitName = "approval"
			cp.Event.Kind = "await"
		}
		cps = append(cps, cp)
	}
	return cps
}

// wantBatchOfFour requires that the checkpoints of batchOfFour are
// committed, once each.
func wantBatchOfFour(h *harness, cps []*runtime.Checkpoint) {
	h.t.Helper()
	for _, cp := range cps {
		h.wantCommitted(cp.ID, 2, "frame2", cp.Status, cp.Event.Kind)
		if evs := h.history(cp.ID); len(evs) != 2 {
			h.t.Errorf("History(%s) = %v, want 2 events", cp.ID, kinds(evs))
		}
	}
}

// concurrentCases run on every store.
func concurrentCases() []testCase {
	return []testCase{
		{"History/Pending", testHistoryPending},
		{"Checkpoint/Concurrent", testCheckpointConcurrent},
	}
}

// testHistoryPending reads the history after each of many checkpoints of
// one instance, across a hand-over to another worker, with events of
// every size and content, and at its end.
func testHistoryPending(h *harness) {
	inst := h.start("order-1", "worker-a")
	at := time.Date(2031, time.March, 4, 5, 6, 7, 890123000, time.UTC)
	var want []runtime.Event
	commit := func(cp *runtime.Checkpoint) {
		h.t.Helper()
		h.checkpoint(cp)
		want = append(want, cp.Event)
		got := h.history("order-1")
		if len(got) != len(want) {
			h.t.Fatalf("History() after seq %d = %v, want %d events", cp.Seq, kinds(got), len(want))
		}
		for i := range want {
			w := want[i]
			if w.At.IsZero() { // the store clock, close to ours
				if d := time.Since(got[i].At); d < -time.Minute || d > time.Minute {
					h.t.Fatalf("History()[%d].At = %v for an event committed without a time, want the store clock, about %v", i, got[i].At, time.Now())
				}
				w.At = got[i].At
			}
			if !sameEvent(got[i], w) {
				h.t.Fatalf("History()[%d] after seq %d = %+v, want %+v", i, cp.Seq, got[i], w)
			}
		}
	}
	for seq := int64(1); seq <= 30; seq++ {
		if seq == 21 { // handed over, with the store's clock as the event's time
			commit(suspend(inst, seq, runtime.StatusReady))
			inst = h.claimID("worker-b", "order-1", longLease)
			continue
		}
		cp := step(inst, seq, []byte(fmt.Sprintf("frame%d", seq)))
		cp.Event = runtime.Event{Seq: seq, Kind: "step", Name: fmt.Sprintf("step-%d", seq), Site: int(seq),
			Attempts: int(seq % 3), At: at.Add(time.Duration(seq) * time.Microsecond)}
		switch seq % 5 {
		case 1:
			cp.Event.Detail = []byte(fmt.Sprintf(`{"n":%d}`, seq))
		case 2:
			cp.Event.Detail = allBytes()
		case 3:
			cp.Event.Error = `declined: "карта" 💳 \ ` + strings.Repeat("x", int(seq))
		case 4:
			cp.Event.Detail = bigFrame(3000)
			cp.Event.Name = "批准 ✓"
		}
		commit(cp)
	}
	done := suspend(inst, 31, runtime.StatusCompleted)
	done.Event.Kind, done.Event.At = "complete", at.Add(time.Hour)
	commit(done)
}

// testCheckpointConcurrent runs instances through many checkpoints from
// concurrent goroutines, while others commit with stale epochs, and
// checks every instance's state and history.
func testCheckpointConcurrent(h *harness) {
	const instances, steps = 12, 20
	insts := make([]*runtime.Instance, instances)
	for i := range insts {
		insts[i] = h.start(fmt.Sprintf("order-%d", i), "worker-a")
	}
	errs := make(chan error, 2*instances)
	var wg sync.WaitGroup
	for _, inst := range insts {
		wg.Go(func() {
			for seq := int64(1); seq <= steps; seq++ {
				cp := step(inst, seq, []byte(fmt.Sprintf("%s-%d", inst.ID, seq)))
				cp.Event.Detail = []byte(fmt.Sprintf(`{"seq":%d}`, seq))
				if seq == steps {
					cp.Status = runtime.StatusCompleted
					cp.Output = []byte(inst.ID)
				}
				if err := h.s.Checkpoint(h.ctx, cp); err != nil {
					errs <- fmt.Errorf("Checkpoint(%s seq %d) error = %w, want nil", inst.ID, seq, err)
					return
				}
			}
		})
		wg.Go(func() {
			for seq := int64(1); seq <= steps; seq++ {
				cp := step(inst, seq, []byte("stale"))
				cp.Epoch = inst.Epoch + 1
				if err := h.s.Checkpoint(h.ctx, cp); !errors.Is(err, runtime.ErrFenced) {
					errs <- fmt.Errorf("Checkpoint(%s seq %d, wrong epoch) error = %v, want %w", inst.ID, seq, err, runtime.ErrFenced)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		h.t.Error(err)
	}
	for _, inst := range insts {
		got := h.wantStatus(inst.ID, runtime.StatusCompleted)
		if want := fmt.Sprintf("%s-%d", inst.ID, steps); string(got.Frame) != want || got.Seq != steps || string(got.Output) != inst.ID {
			h.t.Errorf("Get(%s) = frame %q seq %d output %q, want %q %d %q", inst.ID, got.Frame, got.Seq, got.Output, want, steps, inst.ID)
		}
		evs := h.history(inst.ID)
		if len(evs) != steps {
			h.t.Fatalf("History(%s) = %v, want %d events", inst.ID, kinds(evs), steps)
		}
		for i, ev := range evs {
			if want := fmt.Sprintf(`{"seq":%d}`, i+1); ev.Seq != int64(i+1) || string(ev.Detail) != want {
				h.t.Errorf("History(%s)[%d] = seq %d detail %q, want %d %q", inst.ID, i, ev.Seq, ev.Detail, i+1, want)
			}
		}
	}
}

// BatchControl is the state behind a [Batching] that a store's test hooks
// share: the store's hook before a batch calls BeforeBatch, its hook
// where a batch may lose its connection calls LoseConnectionNow, and its
// hook after a commit calls AckError.
type BatchControl struct {
	mu      sync.Mutex
	sizes   []int
	hold    chan struct{} // the next batch waits until it is closed
	held    chan struct{} // closed when it waits
	lose    bool
	loseAck error
}

// BeforeBatch records a batch of n writes and, if Hold was called, waits
// for its release.
func (c *BatchControl) BeforeBatch(n int) {
	c.mu.Lock()
	c.sizes = append(c.sizes, n)
	hold, held := c.hold, c.held
	c.hold, c.held = nil, nil
	c.mu.Unlock()
	if hold != nil {
		close(held)
		<-hold
	}
}

// LoseConnectionNow reports whether the batch at hand must lose its
// connection (once after each call of Batching.LoseConnection).
func (c *BatchControl) LoseConnectionNow() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	lose := c.lose
	c.lose = false
	return lose
}

// AckError returns the error the callers of a batch of n writes that just
// committed get instead of their results: that of Batching.LoseAck, once,
// for a batch of several writes.
func (c *BatchControl) AckError(n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n == 1 {
		return nil
	}
	err := c.loseAck
	c.loseAck = nil
	return err
}

// Batching returns the Batching of c, with queued as its Queued; the
// caller sets Reopen, and clears LoseConnection if the store cannot lose
// a connection.
func (c *BatchControl) Batching(queued func() int) *Batching {
	return &Batching{
		Hold: func() (<-chan struct{}, func()) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.hold, c.held = make(chan struct{}), make(chan struct{})
			hold := c.hold
			return c.held, func() { close(hold) }
		},
		Queued: queued,
		Sizes: func() []int {
			c.mu.Lock()
			defer c.mu.Unlock()
			return append([]int(nil), c.sizes...)
		},
		LoseConnection: func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.lose = true
		},
		LoseAck: func(err error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.loseAck = err
		},
	}
}
