package durable

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/durablegen/durable/internal/wire"
)

// Context is the context of a workflow. It carries the instance ID and the
// [Runtime] that gives durable meaning to the helpers of this package.
//
// Inside a generated machine the runtime package provides it; in a direct
// call, [Background] or [NewContext] does.
type Context interface {
	context.Context
	// InstanceID returns the ID of the workflow instance.
	InstanceID() string
	// Runtime returns what the helpers of this package delegate to.
	Runtime() Runtime
}

// Runtime is what [Now], [Sleep], [UUID], [Random], [Await] and [StepKey]
// do for a [Context]. The runtime package implements it for generated
// machines (values recorded or derived from committed state); [Background]
// implements it with the real clock and real randomness; the durabletest
// package with a fake clock and scripted signals.
type Runtime interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep blocks for d or until ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
	// Random returns 64 random bits.
	Random() uint64
	// Await blocks until the signal name arrives and returns its payload
	// encoded as JSON and true, or, when timeout is positive and passes
	// first, nil and false.
	Await(ctx context.Context, name string, timeout time.Duration) ([]byte, bool, error)
}

// Background returns a Context for a direct call of a workflow function:
// steps run inline, sleeps use the real clock, randomness is real and
// [Await] fails (no one can signal a direct call; use durabletest for
// scripted signals).
func Background() Context {
	return NewContext(context.Background(), "direct", realRuntime{})
}

// NewContext returns a Context for instance id whose helpers delegate to rt.
func NewContext(parent context.Context, id string, rt Runtime) Context {
	return &wfContext{Context: parent, id: id, rt: rt}
}

type wfContext struct {
	context.Context
	id   string
	rt   Runtime
	keys atomic.Int64
	saga saga // compensations registered by a direct call
}

func (c *wfContext) InstanceID() string { return c.id }

func (c *wfContext) Value(key any) any {
	if key == (instanceKey{}) {
		return c.id
	}
	return c.Context.Value(key)
}

type instanceKey struct{}

// InstanceID returns the ID of the workflow instance ctx belongs to: the
// instance of the step running with ctx, or of the workflow context it
// derives from; "" if none.
func InstanceID(ctx context.Context) string {
	if s, ok := Step(ctx); ok {
		return s.InstanceID
	}
	id, _ := ctx.Value(instanceKey{}).(string)
	return id
}
func (c *wfContext) Runtime() Runtime { return c.rt }

type realRuntime struct{}

func (realRuntime) Now() time.Time { return time.Now() }

func (realRuntime) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (realRuntime) Random() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

func (realRuntime) Await(ctx context.Context, name string, timeout time.Duration) ([]byte, bool, error) {
	if timeout > 0 {
		// No one can signal a direct call: the timeout passes.
		return nil, false, realRuntime{}.Sleep(ctx, timeout)
	}
	return nil, false, fmt.Errorf("durable.Await(%q): no signals reach a direct call; run the workflow through a worker or durabletest", name)
}

// Now returns the durable current time. In a generated machine the value
// is recorded at a checkpoint, so a resumed workflow sees the same time.
func Now(ctx Context) time.Time { return ctx.Runtime().Now() }

// Sleep suspends the workflow for d. In a generated machine this is a
// durable timer: the instance is committed with a wake-up time and no
// goroutine or lease is held while it sleeps; it resumes after d even if
// every worker restarted in between.
func Sleep(ctx Context, d time.Duration) error { return ctx.Runtime().Sleep(ctx, d) }

// SleepUntil suspends the workflow until t (see [Sleep]).
func SleepUntil(ctx Context, t time.Time) error {
	return ctx.Runtime().Sleep(ctx, t.Sub(ctx.Runtime().Now()))
}

// Random returns 64 random bits that are stable across resumes: in a
// generated machine they are derived from the instance ID and its
// committed checkpoint sequence.
func Random(ctx Context) uint64 { return ctx.Runtime().Random() }

// UUID returns a random (version 4) UUID that is stable across resumes
// (see [Random]).
func UUID(ctx Context) string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], ctx.Runtime().Random())
	binary.LittleEndian.PutUint64(b[8:], ctx.Runtime().Random())
	return formatUUID(b, 4)
}

// SideEffect runs fn once and records its result: a resumed workflow gets
// the recorded value instead of running fn again. fn must be quick and
// must not fail; use a step for anything that can.
func SideEffect[T any](ctx Context, fn func() T) T { return fn() }

// Await waits for the signal name (sent with the runtime's Client.Signal)
// and returns its payload. In a generated machine the instance is
// suspended until the signal arrives, however long that takes.
func Await[T any](ctx Context, name string) (T, error) {
	v, _, err := await[T](ctx, name, 0)
	return v, err
}

// AwaitTimeout is [Await] with a timeout: it returns false if the signal
// has not arrived after d. In a generated machine the deadline is
// recorded, so a resumed workflow keeps the original one, and the instance
// wakes at it without holding a goroutine.
func AwaitTimeout[T any](ctx Context, name string, d time.Duration) (T, bool, error) {
	return await[T](ctx, name, max(d, 1))
}

func await[T any](ctx Context, name string, timeout time.Duration) (T, bool, error) {
	var v T
	data, ok, err := ctx.Runtime().Await(ctx, name, timeout)
	if err != nil || !ok {
		return v, false, err
	}
	if err := wire.Unmarshal(data, &v, nil); err != nil {
		return v, false, fmt.Errorf("durable.Await(%q): decode payload: %w", name, err)
	}
	return v, true, nil
}

// Do runs fn as a step named name: its result is checkpointed, it is
// retried according to the options, and a resumed workflow never runs it
// again once its checkpoint committed. In a direct call fn runs once,
// inline.
func Do[T any](ctx Context, name string, fn func(ctx context.Context) (T, error), opts ...Option) (T, error) {
	return fn(WithStep(ctx, StepInfo{InstanceID: ctx.InstanceID(), Name: name, Seq: directSeq(ctx), Attempt: 1}))
}

// directSeq numbers the steps of a direct call so that their keys differ.
func directSeq(ctx Context) int64 {
	if c, ok := ctx.(*wfContext); ok {
		return c.keys.Add(1)
	}
	return 0
}
