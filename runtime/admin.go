package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Admin is an optional capability of a [Store]: what an operator needs
// beyond the calls of the engine — listing instances and retrying failed
// ones. [Client.List] and [Client.Retry] find it by type assertion; the
// stores of this module (runtime/sqlite, runtime/postgres,
// runtime/memstore) implement it, and runtime/storetest checks it.
type Admin interface {
	// List returns the instances that match opts, in the order of
	// (CreatedAt, ID), ascending unless opts.Descending, starting after
	// opts.After, at most opts.Limit of them (see [ListOptions]). Frame and
	// Output are left nil unless opts.Payloads is set, so that listing
	// many instances reads no frames.
	List(ctx context.Context, opts ListOptions) ([]*Instance, error)
	// Retry makes the failed instance req.ID runnable again from its
	// stored frame, in one transaction: status ready, Epoch incremented
	// (a worker still holding an older claim is fenced), Seq incremented
	// with a "resume" history event whose Error is req.Reason, Error,
	// Output, Attempt, WakeAt and AwaitName cleared, Frame unchanged.
	//
	// It fails with an error wrapping [ErrNotFound] if the instance does
	// not exist, and [ErrNotRetryable] if it is not failed or, when
	// req.Seq is not 0, if its Seq is not req.Seq (it changed since the
	// caller read it). It does not judge why the instance failed; see
	// [Client.Retry].
	Retry(ctx context.Context, req RetryRequest) error
}

// RetryRequest says which failed instance [Admin].Retry makes runnable.
type RetryRequest struct {
	ID string
	// Seq, if not 0, is the instance's Seq as the caller read it: the
	// retry happens only if the instance has not changed since.
	Seq int64
	// Reason is recorded as the Error of the "resume" event.
	Reason string
}

// Listing limits.
const (
	// DefaultListLimit is the page size of a [ListOptions] whose Limit
	// is 0.
	DefaultListLimit = 100
	// MaxListLimit is the largest Limit a [ListOptions] may ask for;
	// page with After beyond it.
	MaxListLimit = 10_000
)

// ListOptions selects instances for [Admin].List. Zero fields select
// everything; set fields must all match.
type ListOptions struct {
	// Statuses, if not empty, keeps instances in one of these statuses.
	Statuses []Status
	// Workflow, if set, keeps instances of this workflow name (the
	// descriptor's Name, any version).
	Workflow string
	// IDPrefix, if set, keeps instances whose ID starts with it
	// (byte-wise, case-sensitive).
	IDPrefix string
	// CreatedAfter keeps instances created at or after it, and
	// CreatedBefore those created strictly before it (zero: no bound), so
	// that consecutive windows neither overlap nor miss an instance.
	CreatedAfter  time.Time
	CreatedBefore time.Time
	// After, if not zero, starts the page after this position in the
	// order: pass the [Instance.Cursor] of the last instance of the
	// previous page (keyset pagination: pages stay consistent while
	// instances are created, and each costs the same however deep).
	After Cursor
	// Descending lists the newest first. After then continues towards
	// older instances.
	Descending bool
	// Limit is the most instances returned: 0 means [DefaultListLimit];
	// at most [MaxListLimit].
	Limit int
	// Payloads loads each instance's Frame and Output. Without it they
	// are nil, and listing reads none.
	Payloads bool
}

// Validate reports the first field of o that a store cannot use.
func (o ListOptions) Validate() error {
	for _, s := range o.Statuses {
		if !s.Valid() {
			return fmt.Errorf("list instances: unknown status %q (want one of %s)", s, statusNames())
		}
	}
	if o.Limit < 0 || o.Limit > MaxListLimit {
		return fmt.Errorf("list instances: limit %d out of range 0..%d (0 means %d; page with After for more)", o.Limit, MaxListLimit, DefaultListLimit)
	}
	if !o.CreatedAfter.IsZero() && !o.CreatedBefore.IsZero() && !o.CreatedAfter.Before(o.CreatedBefore) {
		return fmt.Errorf("list instances: created-after %s is not before created-before %s",
			o.CreatedAfter.Format(time.RFC3339Nano), o.CreatedBefore.Format(time.RFC3339Nano))
	}
	return nil
}

// PageSize returns the number of instances a page holds: Limit, or
// [DefaultListLimit] when it is 0.
func (o ListOptions) PageSize() int {
	if o.Limit == 0 {
		return DefaultListLimit
	}
	return o.Limit
}

// Match reports whether inst passes the filters of o (not After nor
// Limit). Stores that filter in memory use it.
func (o ListOptions) Match(inst *Instance) bool {
	if len(o.Statuses) > 0 && !containsStatus(o.Statuses, inst.Status) {
		return false
	}
	if o.Workflow != "" && inst.Workflow != o.Workflow {
		return false
	}
	if !strings.HasPrefix(inst.ID, o.IDPrefix) {
		return false
	}
	if !o.CreatedAfter.IsZero() && inst.CreatedAt.Before(o.CreatedAfter) {
		return false
	}
	if !o.CreatedBefore.IsZero() && !inst.CreatedAt.Before(o.CreatedBefore) {
		return false
	}
	return true
}

func containsStatus(list []Status, s Status) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// allStatuses lists every Status, in lifecycle order.
var allStatuses = [...]Status{StatusReady, StatusRunning, StatusSleeping, StatusWaiting, StatusCompleted, StatusFailed, StatusCanceled}

// Valid reports whether s is one of the statuses of this package.
func (s Status) Valid() bool {
	for _, x := range allStatuses {
		if s == x {
			return true
		}
	}
	return false
}

func statusNames() string {
	names := make([]string, len(allStatuses))
	for i, s := range allStatuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Cursor is a position in the listing order of [Admin].List: the
// creation time and ID of an instance. The zero Cursor is the start.
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// Cursor returns the position of i in the listing order.
func (i *Instance) Cursor() Cursor { return Cursor{CreatedAt: i.CreatedAt, ID: i.ID} }

// IsZero reports whether c is the start of the listing.
func (c Cursor) IsZero() bool { return c.CreatedAt.IsZero() && c.ID == "" }

// String encodes c as "UNIXNANO/ID", which [ParseCursor] reads back: the
// page token of the durable CLI.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	return strconv.FormatInt(c.CreatedAt.UnixNano(), 10) + "/" + c.ID
}

// ParseCursor reads a cursor written by [Cursor.String]; "" is the zero
// Cursor.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	ns, id, ok := strings.Cut(s, "/")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil {
		return Cursor{}, fmt.Errorf("page token %q: want UNIXNANO/ID, as printed by a previous listing", s)
	}
	return Cursor{CreatedAt: time.Unix(0, n).UTC(), ID: id}, nil
}

// admin returns the store's Admin capability or an error saying what
// op needs.
func (c *Client) admin(op string) (Admin, error) {
	a, ok := c.store.(Admin)
	if !ok {
		return nil, fmt.Errorf("%s: store %T does not implement runtime.Admin: %w", op, c.store, errors.ErrUnsupported)
	}
	return a, nil
}

// List returns the instances selected by opts, without their frames
// and outputs unless opts.Payloads is set (see [Admin].List). The store
// must implement [Admin]; otherwise the error matches
// errors.ErrUnsupported.
func (c *Client) List(ctx context.Context, opts ListOptions) ([]*Instance, error) {
	a, err := c.admin("list instances")
	if err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	insts, err := a.List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	return insts, nil
}

// RetryOptions adjusts [Client.Retry].
type RetryOptions struct {
	// Reason is recorded in the history with the retry.
	Reason string
	// Force retries an instance that failed with an error its workflow
	// returned: it resumes at that return, running again the code
	// between its last checkpoint and the return (see [Client.Retry]).
	Force bool
}

// Retry makes failed instance id runnable again from its last committed
// checkpoint, under a new epoch, with a "resume" event in its history:
// after a bug fix is deployed (at the same workflow version), a worker
// resumes it where it stopped. Steps whose checkpoints committed do not
// run again; a step that runs after the retry gets a new step key, since
// the failure and the retry took sequence numbers.
//
// What retry means depends on how the instance failed:
//
//   - A panic in the workflow's code, a frame that could not be decoded,
//     read (see [Instance].Unreadable) or encoded, a step without an
//     error result that failed for good: the failure kept the frame of
//     the last committed checkpoint, and the instance resumes there —
//     running again what came after it, with the fixed code.
//   - An error the workflow returned: that is the workflow's result, and
//     the frame was committed at the return. Resuming there would, with
//     the same code, return the same error (a step error is stored in the
//     frame, not retried), so Retry refuses with [ErrNotRetryable]; start
//     a new instance instead. opts.Force resumes it anyway, re-running the
//     code from the last checkpoint's continuation to the return (with
//     compensations already run, if it registered any).
//
// A completed, cancelled, or still running, ready or suspended instance
// is refused with [ErrNotRetryable]. The store must implement [Admin].
func (c *Client) Retry(ctx context.Context, id string, opts RetryOptions) error {
	if err := CheckID(id); err != nil {
		return fmt.Errorf("retry instance: %w", err)
	}
	a, err := c.admin("retry instance " + id)
	if err != nil {
		return err
	}
	inst, err := c.store.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("retry instance %s: %w", id, err)
	}
	if err := Retryable(inst); err != nil && !(opts.Force && inst.Status == StatusFailed) {
		return err
	}
	if err := a.Retry(ctx, RetryRequest{ID: id, Seq: inst.Seq, Reason: opts.Reason}); err != nil {
		return fmt.Errorf("retry instance %s: %w", id, err)
	}
	return nil
}

// Retryable reports whether [Client.Retry] would retry inst without
// Force: nil if it failed with its last committed frame kept, and
// otherwise an error wrapping [ErrNotRetryable] that says why not and
// what to do instead.
func Retryable(inst *Instance) error {
	switch inst.Status {
	case StatusFailed:
	case StatusCompleted:
		return fmt.Errorf("retry instance %s: it completed; only a failed instance can be retried (start a new instance to run the workflow again): %w", inst.ID, ErrNotRetryable)
	case StatusCanceled:
		return fmt.Errorf("retry instance %s: it was canceled (%s); only a failed instance can be retried: %w", inst.ID, orNone(inst.Error), ErrNotRetryable)
	default:
		return fmt.Errorf("retry instance %s: it is %s, not failed: it is still in progress and resumes on its own (a running instance whose worker died is taken over when its lease expires): %w", inst.ID, inst.Status, ErrNotRetryable)
	}
	if FailureKeptFrame(inst.Error) {
		return nil
	}
	return fmt.Errorf("retry instance %s: its workflow returned the error %q; that is its result, and its frame was committed at that return, so resuming it would return the same error; start a new instance instead, or force the retry to run the code before the return again: %w",
		inst.ID, failureMessage(inst.Error), ErrNotRetryable)
}

// FailureKeptFrame reports whether the Error of a failed instance says
// that it failed outside its workflow's own return, with the frame of its
// last committed checkpoint kept (see [Client.Retry]).
func FailureKeptFrame(encoded string) bool {
	var w wireError
	return json.Unmarshal([]byte(encoded), &w) == nil && w.Kept
}

// failureMessage returns the message of an encoded error.
func failureMessage(encoded string) string {
	if err := DecodeError(encoded, nil); err != nil {
		return err.Error()
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}
