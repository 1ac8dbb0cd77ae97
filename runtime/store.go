package runtime

import (
	"context"
	"fmt"
	"time"
)

// Store persists workflow instances. It is what the engine calls and
// nothing more; runtime/sqlite and runtime/postgres implement it and
// runtime/storetest checks that an implementation conforms.
//
// Every method that changes an instance is one transaction. Methods that
// take an epoch are fenced: they fail with [ErrFenced] unless the instance
// is still claimed with that epoch (the claim has not been taken over,
// expired and reclaimed, or cancelled).
type Store interface {
	// Create inserts inst unless an instance with its ID exists. It returns
	// the stored instance and whether this call created it.
	Create(ctx context.Context, inst *Instance) (*Instance, bool, error)
	// Claim leases up to req.Limit runnable instances to req.Owner: ready
	// ones, sleeping or waiting ones whose WakeAt has passed, and running
	// ones whose lease expired. Each claim increments the instance's Epoch
	// and sets its Aborted count.
	Claim(ctx context.Context, req ClaimRequest) ([]*Instance, error)
	// Checkpoint commits cp in one transaction: the instance row (frame,
	// sequence, status...) and one history event. Fenced by cp.Epoch.
	Checkpoint(ctx context.Context, cp *Checkpoint) error
	// Heartbeat extends the lease of a claimed instance. Fenced by epoch.
	Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error
	// Signal durably records a signal for instance id before it returns and
	// makes a waiting instance runnable. ErrNotFound if id does not exist.
	Signal(ctx context.Context, id, name string, payload []byte) error
	// Get returns the instance id, or ErrNotFound.
	Get(ctx context.Context, id string) (*Instance, error)
	// Cancel marks a non-terminal instance cancelled and fences its owner.
	Cancel(ctx context.Context, id, reason string) error
	// History returns the instance's events in sequence order.
	History(ctx context.Context, id string) ([]Event, error)
}

// Status is the state of an instance.
type Status string

// Statuses of an instance.
const (
	StatusReady     Status = "ready"     // runnable now
	StatusRunning   Status = "running"   // claimed by a worker under a lease
	StatusSleeping  Status = "sleeping"  // suspended until WakeAt
	StatusWaiting   Status = "waiting"   // suspended until signal AwaitName (or WakeAt, if set)
	StatusCompleted Status = "completed" // terminal: Output holds the result
	StatusFailed    Status = "failed"    // terminal: Error holds the error
	StatusCanceled  Status = "canceled"  // terminal: Error holds the reason
)

// Terminal reports whether s is final.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCanceled
}

// Instance is one run of a workflow as stored.
type Instance struct {
	ID       string
	Workflow string // workflow name
	Version  string // fingerprint of the checkpoint layout it started with
	Status   Status
	Frame    []byte // encoded frame at the last checkpoint
	Seq      int64  // number of committed checkpoints (the last event's Seq)
	Attempt  int    // failed attempts of the step at the current checkpoint, when a retry is suspended
	Epoch    int64  // incremented by every claim and by Cancel
	Owner    string // worker holding the lease
	// LeaseUntil is when the owner's lease expires.
	LeaseUntil time.Time
	// WakeAt is when a sleeping or waiting instance becomes runnable; zero
	// means never (waiting for a signal without timeout).
	WakeAt    time.Time
	AwaitName string // signal awaited while waiting
	Output    []byte // encoded result, when completed
	Error     string // encoded error, when failed or canceled
	// CancelReason, if not empty, is why a graceful cancel was requested
	// (see [CancelRequester]): the instance runs its compensations and
	// ends canceled. Stores that do not implement it leave it empty.
	CancelReason string
	CreatedAt    time.Time
	UpdatedAt    time.Time

	// Set by Claim only:

	// Signal is the oldest unconsumed signal named AwaitName, if any.
	Signal *Signal
	// Now is the store's clock at the claim.
	Now time.Time
	// Aborted is how many runs in a row before this claim ended without
	// committing anything: each was taken over, its lease expired, at the
	// sequence number the instance had when it was claimed (its worker
	// died, was stopped or cut off, or could not commit). A claim of an
	// instance that is not running, or that committed since its last
	// claim, sets it to 0. A worker fails an instance that too many runs
	// in a row left this way (see [WorkerOptions].MaxAbortedRuns).
	Aborted int
	// Unreadable, if not nil, is why the instance's stored data cannot be
	// read back, as reported by a store that transforms it (a decrypting
	// store that does not hold the key, say), in an error that names the
	// instance. Such a store sets it in Claim, and also in Admin.List,
	// where it clears the fields it could not read. The worker fails a
	// claimed instance with this error instead of running it, committing
	// the Frame it was given unchanged; other instances are unaffected.
	Unreadable error
}

// Key returns "workflow@version", the key a worker claims by.
func (i *Instance) Key() string { return i.Workflow + "@" + i.Version }

// Signal is a message sent to an instance.
type Signal struct {
	ID        int64
	Name      string
	Payload   []byte
	CreatedAt time.Time
}

// ClaimRequest says what a worker can run.
type ClaimRequest struct {
	Owner     string
	Workflows []string // "name@version" keys (see Instance.Key)
	Limit     int
	Lease     time.Duration
}

// Checkpoint is one committed step of an instance.
type Checkpoint struct {
	ID    string
	Epoch int64 // fence: the epoch of the claim
	// Seq is the new sequence number (the previous plus one); it is also
	// the Seq of Event. A store rejects a Seq it already has.
	Seq    int64
	Frame  []byte
	Status Status // Running keeps the lease; any other status releases it
	// WakeAt and AwaitName apply to StatusSleeping and StatusWaiting. A
	// store that commits StatusWaiting while an unconsumed signal named
	// AwaitName exists stores StatusReady instead, so no signal is missed.
	WakeAt    time.Time
	AwaitName string
	Attempt   int
	Output    []byte // StatusCompleted
	Error     string // StatusFailed
	// ConsumeSignal is the ID of a signal consumed by this checkpoint; 0
	// for none. A consumed signal is never returned by Claim again.
	ConsumeSignal int64
	// Wake, when not empty, is a signal to send in the same commit, as
	// Store.Signal would (a missing or finished instance is skipped): the
	// wake-up of a child's parent by its terminal checkpoint, so that no
	// crash between the two leaves the parent waiting. Only a checkpoint
	// that releases the lease and consumes no signal carries one. A store
	// that commits it says so by implementing [ParentWaker]; for one that
	// does not, the runtime sends the signal after the commit.
	Wake *WakeSignal
	// Version, when not empty, becomes the instance's version (its
	// layout's fingerprint) in the same commit: the checkpoint stores a
	// frame moved to a later layout that resumes the instance's. Only a
	// StatusRunning checkpoint that consumes no signal carries one.
	Version string
	Event   Event
}

// CheckExtras returns why cp cannot carry its Wake or Version, or nil: a
// wake-up needs a checkpoint that releases the lease, a version change a
// running one, and neither may consume a signal. Stores call it before
// committing.
func (cp *Checkpoint) CheckExtras() error {
	switch {
	case cp.Wake == nil && cp.Version == "":
		return nil
	case cp.ConsumeSignal != 0:
		return fmt.Errorf("checkpoint %d of instance %s: a wake-up or a version change cannot consume a signal", cp.Seq, cp.ID)
	case cp.Wake != nil && cp.Status == StatusRunning:
		return fmt.Errorf("checkpoint %d of instance %s: a wake-up needs a checkpoint that releases the lease", cp.Seq, cp.ID)
	case cp.Version != "" && cp.Status != StatusRunning:
		return fmt.Errorf("checkpoint %d of instance %s: a version change needs a running checkpoint", cp.Seq, cp.ID)
	}
	return nil
}

// WakeSignal is a signal a checkpoint sends in its own commit.
type WakeSignal struct {
	ID   string // the instance signalled
	Name string
}

// ParentWaker is a Store that commits a checkpoint's Wake signal with it.
type ParentWaker interface {
	CommitsWake()
}

// Event is one history row: what a checkpoint did.
type Event struct {
	Seq      int64
	Kind     string // "start", "step", "sleep", "await", "now", "effect", "complete", "fail", "cancel"
	Name     string // step name, timer or signal name
	Site     int    // checkpoint site ID in the generated machine
	Attempts int    // attempts the step took
	Error    string // step error, if it failed
	Detail   []byte // encoded result or payload, for inspection
	At       time.Time
}
