package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/sqlite"
)

// FuzzStore runs random sequences of store operations (create, claim,
// checkpoint, heartbeat, signal, cancel, get, history, and the passing of
// time that expires leases and fires timers) against the SQLite store and
// against a simple in-memory model of the runtime.Store contract, and
// fails on the first answer that differs.
//
//	go test ./runtime/sqlite -run=^$ -fuzz=FuzzStore
func FuzzStore(f *testing.F) {
	// A fixed handful of programs, and random ones from fixed seeds, make
	// the seed corpus that plain `go test` runs.
	f.Add([]byte{0, 0, 0, 1, 0, 1, 0, 2, 0, 0, 1, 0, 0, 6, 0})
	f.Add([]byte{0, 1, 2, 4, 1, 0, 1, 1, 8, 4, 1, 0, 0, 3, 1, 0, 5, 2, 6, 1})
	f.Add([]byte{0, 2, 1, 1, 1, 2, 0, 2, 2, 1, 3, 1, 2, 8, 3, 1, 1, 2, 1, 6, 2, 7, 2})
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		prog := make([]byte, 200+r.IntN(400))
		for i := range prog {
			prog[i] = byte(r.UintN(256))
		}
		f.Add(prog)
	}
	f.Fuzz(func(t *testing.T, prog []byte) {
		h := newHarness(t)
		p := &program{data: prog}
		for step := 0; step < 150 && !p.done(); step++ {
			h.op(p)
		}
		for _, id := range fuzzIDs {
			h.get(id)
			h.history(id)
		}
	})
}

// Instances, owners and signal names the programs use.
var (
	fuzzIDs     = []string{"a", "b", "c"}
	fuzzOwners  = []string{"w1", "w2"}
	fuzzSignals = []string{"go", "stop"}
	fuzzLeases  = []time.Duration{time.Second, time.Minute}
	fuzzSteps   = []time.Duration{0, time.Millisecond, time.Second, 61 * time.Second, time.Hour}
)

// program reads a fuzz input as a sequence of small choices; past its end
// every choice is 0.
type program struct {
	data []byte
	pos  int
}

func (p *program) done() bool { return p.pos >= len(p.data) }

// pick returns a number in [0, n).
func (p *program) pick(n int) int {
	if p.pos >= len(p.data) {
		return 0
	}
	b := p.data[p.pos]
	p.pos++
	return int(b) % n
}

// model is the expected state of one instance.
type model struct {
	inst    runtime.Instance // ID, Workflow, Version, Status, Frame, Seq, Attempt, Epoch, Owner, LeaseUntil, WakeAt, AwaitName, Output, Error
	pending []runtime.Signal // unconsumed signals, oldest first (ID as the store assigned it)
	events  []runtime.Event  // Seq and Kind of the history
	claimed *runtime.Signal  // the signal the last claim returned
}

// harness holds the store under test, the model and the fake clock.
type harness struct {
	t     *testing.T
	ctx   context.Context
	s     *sqlite.Store
	now   time.Time
	m     map[string]*model
	trace []string

	signalIDs int64 // signals recorded so far
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, ctx: context.Background(), now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), m: map[string]*model{}}
	s, err := sqlite.New(sqlite.Config{Path: filepath.Join(fastTempDir(t), "fuzz.db"), Synchronous: "NORMAL", Now: func() time.Time { return h.now }})
	if err != nil {
		t.Fatalf("sqlite.New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	h.s = s
	return h
}

// fastTempDir returns a directory removed after the test, in memory when
// /dev/shm exists: a fuzz input opens a new database, and disk syncs would
// dominate its time.
func fastTempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/dev/shm", "sqlite-fuzz-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// fail reports a difference with the operations that led to it.
func (h *harness) fail(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("%s\noperations:\n  %s", fmt.Sprintf(format, args...), joinLines(h.trace))
}

func joinLines(l []string) string {
	var b bytes.Buffer
	for i, s := range l {
		if i > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString(s)
	}
	return b.String()
}

func (h *harness) log(format string, args ...any) {
	h.trace = append(h.trace, fmt.Sprintf(format, args...))
}

// op runs one operation chosen by p.
func (h *harness) op(p *program) {
	h.t.Helper()
	switch p.pick(9) {
	case 0:
		h.create(p)
	case 1:
		h.claim(p)
	case 2, 3:
		h.checkpoint(p)
	case 4:
		h.heartbeat(p)
	case 5:
		h.signal(p)
	case 6:
		h.cancel(p)
	case 7:
		h.get(fuzzIDs[p.pick(len(fuzzIDs))])
	default:
		d := fuzzSteps[p.pick(len(fuzzSteps))]
		h.log("advance %v", d)
		h.now = h.now.Add(d)
	}
}

func (h *harness) create(p *program) {
	h.t.Helper()
	id := fuzzIDs[p.pick(len(fuzzIDs))]
	inst := runtime.Instance{ID: id, Workflow: "wf", Version: []string{"v1", "v2"}[p.pick(2)], Frame: []byte("f0-" + id)}
	switch p.pick(4) {
	case 1:
		inst.Status, inst.WakeAt = runtime.StatusSleeping, h.now.Add(time.Second)
	case 2:
		inst.Status, inst.AwaitName = runtime.StatusWaiting, fuzzSignals[p.pick(len(fuzzSignals))]
	}
	h.log("create %s %s %s", id, inst.Version, inst.Status)
	got, created, err := h.s.Create(h.ctx, &inst)
	if err != nil {
		h.fail("Create(%s) error = %v, want nil", id, err)
	}
	m := h.m[id]
	if m != nil {
		if created {
			h.fail("Create(%s) created = true for an existing instance, want false", id)
		}
		h.compare("Create (existing)", got, m)
		return
	}
	if !created {
		h.fail("Create(%s) created = false for a new instance, want true", id)
	}
	m = &model{inst: inst}
	if m.inst.Status == "" {
		m.inst.Status = runtime.StatusReady
	}
	h.m[id] = m
	h.compare("Create", got, m)
}

// runnable reports whether the model says a claim may take m.
func (h *harness) runnable(m *model, keys []string) bool {
	if !slices.Contains(keys, m.inst.Key()) {
		return false
	}
	switch m.inst.Status {
	case runtime.StatusReady:
		return true
	case runtime.StatusSleeping, runtime.StatusWaiting:
		return !m.inst.WakeAt.IsZero() && !m.inst.WakeAt.After(h.now)
	case runtime.StatusRunning:
		return m.inst.LeaseUntil.Before(h.now)
	}
	return false
}

func (h *harness) claim(p *program) {
	h.t.Helper()
	owner := fuzzOwners[p.pick(len(fuzzOwners))]
	keys := [][]string{{"wf@v1"}, {"wf@v2"}, {"wf@v1", "wf@v2"}}[p.pick(3)]
	limit := 1 + p.pick(3)
	lease := fuzzLeases[p.pick(len(fuzzLeases))]
	h.log("claim %s %v limit %d lease %v", owner, keys, limit, lease)
	got, err := h.s.Claim(h.ctx, runtime.ClaimRequest{Owner: owner, Workflows: keys, Limit: limit, Lease: lease})
	if err != nil {
		h.fail("Claim error = %v, want nil", err)
	}
	want := 0
	for _, id := range fuzzIDs {
		if m := h.m[id]; m != nil && h.runnable(m, keys) {
			want++
		}
	}
	if len(got) != min(want, limit) {
		h.fail("Claim returned %d instances, want %d (%d runnable, limit %d)", len(got), min(want, limit), want, limit)
	}
	seen := map[string]bool{}
	for _, inst := range got {
		m := h.m[inst.ID]
		if m == nil || seen[inst.ID] || !h.runnable(m, keys) {
			h.fail("Claim returned %s, which is unknown, repeated or not runnable", inst.ID)
		}
		seen[inst.ID] = true
		m.inst.Status, m.inst.Owner, m.inst.LeaseUntil = runtime.StatusRunning, owner, h.now.Add(lease)
		m.inst.Epoch++
		h.compare("Claim", inst, m)
		if !inst.Now.Equal(h.now) {
			h.fail("Claim(%s).Now = %v, want the store clock %v", inst.ID, inst.Now, h.now)
		}
		m.claimed = nil
		var want *runtime.Signal
		if m.inst.AwaitName != "" {
			for i := range m.pending {
				if m.pending[i].Name == m.inst.AwaitName {
					want = &m.pending[i]
					break
				}
			}
		}
		switch {
		case want == nil && inst.Signal != nil:
			h.fail("Claim(%s).Signal = %+v, want none", inst.ID, inst.Signal)
		case want != nil && (inst.Signal == nil || inst.Signal.ID != want.ID || !bytes.Equal(inst.Signal.Payload, want.Payload)):
			h.fail("Claim(%s).Signal = %+v, want %+v", inst.ID, inst.Signal, want)
		}
		if want != nil {
			s := *want
			m.claimed = &s
		}
	}
}

func (h *harness) checkpoint(p *program) {
	h.t.Helper()
	id := fuzzIDs[p.pick(len(fuzzIDs))]
	m := h.m[id]
	cp := runtime.Checkpoint{ID: id, Frame: []byte(fmt.Sprintf("f%d-%s", h.now.UnixNano()%1000, id))}
	var epoch, seq int64
	if m != nil {
		epoch, seq = m.inst.Epoch, m.inst.Seq
	}
	cp.Epoch = epoch - int64(p.pick(4)/3) // sometimes stale
	cp.Seq = seq + 1 - int64(p.pick(4)/3)
	cp.Status = []runtime.Status{runtime.StatusRunning, runtime.StatusRunning, runtime.StatusSleeping, runtime.StatusWaiting,
		runtime.StatusReady, runtime.StatusCompleted, runtime.StatusFailed}[p.pick(7)]
	switch cp.Status {
	case runtime.StatusSleeping:
		cp.WakeAt = h.now.Add(fuzzSteps[1+p.pick(len(fuzzSteps)-1)])
	case runtime.StatusWaiting:
		cp.AwaitName = fuzzSignals[p.pick(len(fuzzSignals))]
		if p.pick(2) == 1 {
			cp.WakeAt = h.now.Add(time.Hour)
		}
	case runtime.StatusCompleted:
		cp.Output = []byte(`"done"`)
	case runtime.StatusFailed:
		cp.Error = "boom"
	}
	cp.Attempt = p.pick(3)
	if c := p.pick(4); m != nil && m.claimed != nil && c > 0 {
		cp.ConsumeSignal = m.claimed.ID
		if c == 3 {
			cp.ConsumeSignal += 1000 // not a signal of this instance
		}
	}
	cp.Event = runtime.Event{Seq: cp.Seq, Kind: "step", Name: "s"}
	h.log("checkpoint %s epoch %d seq %d %s wake %v await %q consume %d", id, cp.Epoch, cp.Seq, cp.Status, cp.WakeAt, cp.AwaitName, cp.ConsumeSignal)
	err := h.s.Checkpoint(h.ctx, &cp)

	switch {
	case m == nil || m.inst.Status != runtime.StatusRunning || cp.Epoch != m.inst.Epoch || m.inst.LeaseUntil.Before(h.now):
		if !errors.Is(err, runtime.ErrFenced) {
			h.fail("Checkpoint(%s) of a claim that is not current: error = %v, want ErrFenced", id, err)
		}
		return
	case cp.Seq <= m.inst.Seq:
		if !errors.Is(err, runtime.ErrDuplicateSeq) {
			h.fail("Checkpoint(%s) with committed seq %d: error = %v, want ErrDuplicateSeq", id, cp.Seq, err)
		}
		return
	case cp.ConsumeSignal != 0 && !slices.ContainsFunc(m.pending, func(s runtime.Signal) bool { return s.ID == cp.ConsumeSignal }):
		if err == nil {
			h.fail("Checkpoint(%s) consuming signal %d, which is not pending: error = nil, want an error", id, cp.ConsumeSignal)
		}
		return
	}
	if err != nil {
		h.fail("Checkpoint(%s) error = %v, want nil", id, err)
	}
	h.applyCheckpoint(m, &cp)
}

// applyCheckpoint updates the model for a committed checkpoint.
func (h *harness) applyCheckpoint(m *model, cp *runtime.Checkpoint) {
	if cp.ConsumeSignal != 0 {
		m.pending = slices.DeleteFunc(m.pending, func(s runtime.Signal) bool { return s.ID == cp.ConsumeSignal })
		m.claimed = nil
	}
	i := &m.inst
	i.Frame, i.Seq, i.Attempt, i.AwaitName, i.Output, i.Error = cp.Frame, cp.Seq, cp.Attempt, cp.AwaitName, cp.Output, cp.Error
	m.events = append(m.events, runtime.Event{Seq: cp.Seq, Kind: cp.Event.Kind})
	if cp.Status == runtime.StatusRunning {
		return
	}
	i.Status, i.WakeAt, i.Owner, i.LeaseUntil = cp.Status, cp.WakeAt, "", time.Time{}
	if cp.Status == runtime.StatusWaiting && slices.ContainsFunc(m.pending, func(s runtime.Signal) bool { return s.Name == cp.AwaitName }) {
		i.Status = runtime.StatusReady
	}
}

func (h *harness) heartbeat(p *program) {
	h.t.Helper()
	id := fuzzIDs[p.pick(len(fuzzIDs))]
	m := h.m[id]
	var epoch int64
	if m != nil {
		epoch = m.inst.Epoch - int64(p.pick(2))
	}
	lease := fuzzLeases[p.pick(len(fuzzLeases))]
	h.log("heartbeat %s epoch %d lease %v", id, epoch, lease)
	err := h.s.Heartbeat(h.ctx, id, epoch, lease)
	if m == nil || m.inst.Status != runtime.StatusRunning || epoch != m.inst.Epoch {
		if !errors.Is(err, runtime.ErrFenced) {
			h.fail("Heartbeat(%s, %d) of a claim that is not current: error = %v, want ErrFenced", id, epoch, err)
		}
		return
	}
	if err != nil {
		h.fail("Heartbeat(%s, %d) error = %v, want nil", id, epoch, err)
	}
	m.inst.LeaseUntil = h.now.Add(lease)
}

func (h *harness) signal(p *program) {
	h.t.Helper()
	id := fuzzIDs[p.pick(len(fuzzIDs))]
	name := fuzzSignals[p.pick(len(fuzzSignals))]
	payload := []byte(fmt.Sprintf(`{"n":%d}`, p.pick(100)))
	h.log("signal %s %s %s", id, name, payload)
	err := h.s.Signal(h.ctx, id, name, payload)
	m := h.m[id]
	switch {
	case m == nil:
		if !errors.Is(err, runtime.ErrNotFound) {
			h.fail("Signal(%s) of a missing instance: error = %v, want ErrNotFound", id, err)
		}
		return
	case m.inst.Status.Terminal():
		if !errors.Is(err, runtime.ErrFinished) {
			h.fail("Signal(%s) of a %s instance: error = %v, want ErrFinished", id, m.inst.Status, err)
		}
		return
	case err != nil:
		h.fail("Signal(%s) error = %v, want nil", id, err)
	}
	// The store numbers signals 1, 2, 3... in the order they arrive.
	h.signalIDs++
	m.pending = append(m.pending, runtime.Signal{ID: h.signalIDs, Name: name, Payload: payload})
	if m.inst.Status == runtime.StatusWaiting && m.inst.AwaitName == name {
		m.inst.Status = runtime.StatusReady
	}
}

func (h *harness) cancel(p *program) {
	h.t.Helper()
	id := fuzzIDs[p.pick(len(fuzzIDs))]
	h.log("cancel %s", id)
	err := h.s.Cancel(h.ctx, id, "stop it")
	m := h.m[id]
	if m == nil {
		if !errors.Is(err, runtime.ErrNotFound) {
			h.fail("Cancel(%s) of a missing instance: error = %v, want ErrNotFound", id, err)
		}
		return
	}
	if err != nil {
		h.fail("Cancel(%s) error = %v, want nil", id, err)
	}
	if m.inst.Status.Terminal() {
		return
	}
	i := &m.inst
	i.Status, i.Epoch, i.Owner, i.LeaseUntil, i.WakeAt, i.Error = runtime.StatusCanceled, i.Epoch+1, "", time.Time{}, time.Time{}, "stop it"
	i.Seq++
	m.events = append(m.events, runtime.Event{Seq: i.Seq, Kind: "cancel"})
}

func (h *harness) get(id string) {
	h.t.Helper()
	h.log("get %s", id)
	got, err := h.s.Get(h.ctx, id)
	m := h.m[id]
	if m == nil {
		if !errors.Is(err, runtime.ErrNotFound) {
			h.fail("Get(%s) of a missing instance: error = %v, want ErrNotFound", id, err)
		}
		return
	}
	if err != nil {
		h.fail("Get(%s) error = %v, want nil", id, err)
	}
	h.compare("Get", got, m)
}

func (h *harness) history(id string) {
	h.t.Helper()
	h.log("history %s", id)
	got, err := h.s.History(h.ctx, id)
	m := h.m[id]
	if m == nil {
		if !errors.Is(err, runtime.ErrNotFound) {
			h.fail("History(%s) of a missing instance: error = %v, want ErrNotFound", id, err)
		}
		return
	}
	if err != nil {
		h.fail("History(%s) error = %v, want nil", id, err)
	}
	if len(got) != len(m.events) {
		h.fail("History(%s) has %d events, want %d", id, len(got), len(m.events))
	}
	want := slices.Clone(m.events)
	slices.SortFunc(want, func(a, b runtime.Event) int { return int(a.Seq - b.Seq) })
	for i, ev := range got {
		if ev.Seq != want[i].Seq || ev.Kind != want[i].Kind {
			h.fail("History(%s)[%d] = seq %d %s, want seq %d %s", id, i, ev.Seq, ev.Kind, want[i].Seq, want[i].Kind)
		}
	}
}

// compare checks the stored fields of got against the model.
func (h *harness) compare(op string, got *runtime.Instance, m *model) {
	h.t.Helper()
	w := &m.inst
	diffs := []struct {
		field     string
		got, want any
		same      bool
	}{
		{"Status", got.Status, w.Status, got.Status == w.Status},
		{"Version", got.Version, w.Version, got.Version == w.Version},
		{"Frame", string(got.Frame), string(w.Frame), bytes.Equal(got.Frame, w.Frame)},
		{"Seq", got.Seq, w.Seq, got.Seq == w.Seq},
		{"Attempt", got.Attempt, w.Attempt, got.Attempt == w.Attempt},
		{"Epoch", got.Epoch, w.Epoch, got.Epoch == w.Epoch},
		{"Owner", got.Owner, w.Owner, got.Owner == w.Owner},
		{"LeaseUntil", got.LeaseUntil, w.LeaseUntil, got.LeaseUntil.Equal(w.LeaseUntil)},
		{"WakeAt", got.WakeAt, w.WakeAt, got.WakeAt.Equal(w.WakeAt)},
		{"AwaitName", got.AwaitName, w.AwaitName, got.AwaitName == w.AwaitName},
		{"Output", string(got.Output), string(w.Output), bytes.Equal(got.Output, w.Output)},
		{"Error", got.Error, w.Error, got.Error == w.Error},
	}
	for _, d := range diffs {
		if !d.same {
			h.fail("%s(%s).%s = %v, want %v", op, w.ID, d.field, d.got, d.want)
		}
	}
}
