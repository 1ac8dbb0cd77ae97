package durable

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
)

// StepInfo describes the step attempt a context belongs to.
type StepInfo struct {
	InstanceID string
	Name       string // step name: the function name or the name given to Do or Go
	Seq        int64  // checkpoint sequence number of the step in its instance
	Attempt    int    // 1 for the first attempt
	// Index is 1 + the position of a step started with Go in its
	// durable.All; 0 for other steps.
	Index int
}

// Key returns the step's idempotency key: instance ID and checkpoint
// sequence ("/<index>" added for a step of a durable.All), the same on
// every attempt and after every resume.
func (s StepInfo) Key() string {
	k := s.InstanceID + "/" + strconv.FormatInt(s.Seq, 10)
	if s.Index > 0 {
		k += "/" + strconv.Itoa(s.Index)
	}
	return k
}

type stepKey struct{}

// WithStep returns a copy of ctx that carries s. The runtime calls it for
// every step attempt; user code rarely needs it.
func WithStep(ctx context.Context, s StepInfo) context.Context {
	// One allocation, where context.WithValue would make two (the context
	// and s boxed in an interface).
	return &stepContext{Context: ctx, info: s}
}

// stepContext is the context of a step attempt: ctx.Value(stepKey{})
// returns info.
type stepContext struct {
	context.Context
	info StepInfo
}

func (c *stepContext) Value(key any) any {
	if key == (stepKey{}) {
		return c.info
	}
	return c.Context.Value(key)
}

// Step returns the step information carried by ctx, if any.
func Step(ctx context.Context) (StepInfo, bool) {
	if c, ok := ctx.(*stepContext); ok {
		return c.info, true
	}
	s, ok := ctx.Value(stepKey{}).(StepInfo)
	return s, ok
}

// StepKey returns the idempotency key of the step running with ctx:
// "<instance ID>/<checkpoint sequence>", stable across retries and resumes.
// Pass it to external APIs that de-duplicate requests. Outside a step
// (a step called directly from a direct call of a workflow) it returns a
// key derived from the instance ID.
func StepKey(ctx context.Context) string {
	if s, ok := Step(ctx); ok {
		return s.Key()
	}
	if c, ok := ctx.(Context); ok {
		return c.InstanceID() + "/direct-" + strconv.FormatInt(directSeq(c), 10)
	}
	return ""
}

// IdempotencyKey returns a UUID derived from the instance ID: the same for
// every call in an instance, on every attempt and after every resume.
// Use [UUID] for a fresh stable value per call.
func IdempotencyKey(ctx Context) string {
	sum := sha256.Sum256([]byte("durable-idempotency:" + ctx.InstanceID()))
	var b [16]byte
	copy(b[:], sum[:16])
	return formatUUID(b, 5)
}

func formatUUID(b [16]byte, version byte) string {
	b[6] = b[6]&0x0f | version<<4
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
