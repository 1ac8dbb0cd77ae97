package pgmulti

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
)

// Operations of a trace [Event].
const (
	OpClaim     = "claim"     // a claim returned the instance (ID set), or failed (Err set)
	OpCommit    = "commit"    // Checkpoint returned (Err set if it failed)
	OpHeartbeat = "heartbeat" // Heartbeat failed
)

// Event is one line of a worker's trace.
type Event struct {
	Op    string `json:"op"`
	ID    string `json:"id"`
	Epoch int64  `json:"epoch"`
	// Seq is, for a claim, the instance's committed sequence number at the
	// claim; for a commit, the checkpoint's.
	Seq    int64          `json:"seq"`
	Status runtime.Status `json:"status,omitempty"` // commit: the status committed
	Err    string         `json:"err,omitempty"`    // the store's error
	// Fenced and Duplicate say whether Err is runtime.ErrFenced or
	// runtime.ErrDuplicateSeq.
	Fenced    bool `json:"fenced,omitempty"`
	Duplicate bool `json:"duplicate,omitempty"`
	// Batches and Writes are, for a commit, the store's counts so far of
	// the transactions it committed and of the writes they held
	// (postgres.Stats): Writes > Batches once concurrent writes shared a
	// transaction.
	Batches int64 `json:"batches,omitempty"`
	Writes  int64 `json:"writes,omitempty"`
}

// Tracer is a PostgreSQL store that writes an [Event] for every claimed
// instance, every checkpoint and every failed heartbeat. Its other methods,
// WaitForWork included, are the store's.
type Tracer struct {
	*postgres.Store

	mu  sync.Mutex
	out io.Writer
}

// NewTracer returns store tracing to w.
func NewTracer(store *postgres.Store, w io.Writer) *Tracer {
	return &Tracer{Store: store, out: w}
}

var _ runtime.Store = (*Tracer)(nil)

// Claim claims from the store and traces each claimed instance, or the
// failure.
func (t *Tracer) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	insts, err := t.Store.Claim(ctx, req)
	if err != nil && ctx.Err() == nil {
		t.write(errorEvent(Event{Op: OpClaim}, err))
	}
	for _, inst := range insts {
		t.write(Event{Op: OpClaim, ID: inst.ID, Epoch: inst.Epoch, Seq: inst.Seq})
	}
	return insts, err
}

// Checkpoint commits cp and traces the outcome.
func (t *Tracer) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	err := t.Store.Checkpoint(ctx, cp)
	st := t.Store.Stats()
	t.write(errorEvent(Event{Op: OpCommit, ID: cp.ID, Epoch: cp.Epoch, Seq: cp.Seq, Status: cp.Status,
		Batches: st.Batches, Writes: st.Writes}, err))
	return err
}

// Heartbeat extends the lease and traces a failure.
func (t *Tracer) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	err := t.Store.Heartbeat(ctx, id, epoch, lease)
	if err != nil {
		t.write(errorEvent(Event{Op: OpHeartbeat, ID: id, Epoch: epoch}, err))
	}
	return err
}

func errorEvent(ev Event, err error) Event {
	if err != nil {
		ev.Err = err.Error()
		ev.Fenced = errors.Is(err, runtime.ErrFenced)
		ev.Duplicate = errors.Is(err, runtime.ErrDuplicateSeq)
	}
	return ev
}

// write writes ev as one line, unbuffered, so that a process killed after
// an operation has traced every operation before it.
func (t *Tracer) write(ev Event) {
	b, _ := json.Marshal(ev) // strings and numbers: it cannot fail
	b = append(b, '\n')
	t.mu.Lock()
	defer t.mu.Unlock()
	// A reader that went away (the test died) must not stop the worker.
	_, _ = t.out.Write(b)
}

// ParseTrace parses a trace. A last line without its newline, cut by a
// SIGKILL, is ignored.
func ParseTrace(b []byte) ([]Event, error) {
	if i := bytes.LastIndexByte(b, '\n'); i+1 < len(b) {
		b = b[:i+1]
	}
	var evs []Event
	for n, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var ev Event
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, fmt.Errorf("trace line %d: %w", n+1, err)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}
