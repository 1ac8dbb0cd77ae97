package encrypt

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/durablegen/durable/runtime"
)

var (
	_ runtime.Store      = (*Store)(nil)
	_ runtime.WorkWaiter = (*Store)(nil)
	_ runtime.Admin      = (*Store)(nil)
	_ io.Closer          = (*Store)(nil)
)

// Fields of an instance a value is bound to (see binding).
const (
	fieldFrame  = "frame"
	fieldOutput = "output"
	fieldError  = "error"
	fieldCancel = "cancel_reason"
	fieldSignal = "signal"
	fieldDetail = "detail"
)

// Store is a [runtime.Store] that seals the payloads it is given before
// passing them to another store, and opens what that store returns. See
// the package documentation for what is sealed. It is safe for concurrent
// use if the inner store is. Make one with [Wrap]; the zero Store holds no
// store to use.
type Store struct {
	inner   runtime.Store
	ring    *Keyring
	scratch sync.Pool // *scratch

	// unread holds, by instance ID, the stored frames of claimed
	// instances whose frame did not open, until the checkpoint of that
	// claim: the worker's failure commit then stores the frame back
	// exactly as it was (not sealed a second time), so that the instance
	// can be retried once the key is back.
	mu      sync.Mutex
	unread  map[string]unreadFrame
	nunread atomic.Int32 // len(unread), read without the lock
}

// unreadFrame is a stored frame that did not open, and the claim's epoch.
type unreadFrame struct {
	epoch int64
	frame []byte
}

// scratch holds the buffers of one call that seals or opens.
type scratch struct {
	cp     runtime.Checkpoint
	ctx    []byte
	aad    []byte
	frame  []byte
	detail []byte
}

// Wrap returns a store that seals what it writes to inner with ring's
// primary key and opens what it reads with any key of ring. Workers and
// clients of the same data must all use a Store with the keys it needs.
func Wrap(inner runtime.Store, ring *Keyring) (*Store, error) {
	if inner == nil {
		return nil, errors.New("encrypt: wrap: nil inner store")
	}
	if ring == nil || ring.primary == nil {
		return nil, errors.New("encrypt: wrap: nil keyring (use NewKeyring or ParseKeyring)")
	}
	return &Store{inner: inner, ring: ring}, nil
}

// Keyring returns the keys s uses.
func (s *Store) Keyring() *Keyring { return s.ring }

// binding appends the context a value is sealed for: its field, its
// instance, and the signal name (signals) or the event's sequence number
// (history details).
func binding(dst []byte, field, id, name string, seq int64) []byte {
	dst = append(dst, field...)
	dst = append(dst, 0)
	dst = binary.AppendUvarint(dst, uint64(len(id)))
	dst = append(dst, id...)
	dst = binary.AppendUvarint(dst, uint64(len(name)))
	dst = append(dst, name...)
	return binary.AppendVarint(dst, seq)
}

// getScratch returns buffers for one call; put them back with
// putScratch.
func (s *Store) getScratch() *scratch {
	if sc, _ := s.scratch.Get().(*scratch); sc != nil {
		return sc
	}
	return new(scratch)
}

// maxPooled is the largest buffer kept for reuse: a rare huge frame does
// not stay in memory.
const maxPooled = 64 << 10

// putScratch returns sc to the pool, without a huge buffer.
func (s *Store) putScratch(sc *scratch) {
	if cap(sc.frame) > maxPooled {
		sc.frame = nil
	}
	if cap(sc.detail) > maxPooled {
		sc.detail = nil
	}
	s.scratch.Put(sc)
}

// seal returns plaintext sealed for (field, id, name, seq); nil for empty.
func (s *Store) seal(plaintext []byte, field, id, name string, seq int64) []byte {
	if len(plaintext) == 0 {
		return nil
	}
	sc := s.getScratch()
	defer s.putScratch(sc)
	sc.ctx = binding(sc.ctx[:0], field, id, name, seq)
	dst := make([]byte, 0, len(s.ring.primary.header)+gcmOverhead+len(plaintext))
	return s.ring.appendSeal(dst, &sc.aad, plaintext, sc.ctx)
}

// sealText seals a string for field of instance id in text form: the
// sealed bytes in base64 after "enc:", valid UTF-8 for text columns.
func (s *Store) sealText(text, field, id string) string {
	if text == "" {
		return ""
	}
	b := s.seal([]byte(text), field, id, "", 0)
	return textPrefix + base64.RawStdEncoding.EncodeToString(b)
}

// open opens sealed, bound to (field, id, name, seq).
func (s *Store) open(sealed []byte, field, id, name string, seq int64) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	sc := s.getScratch()
	defer s.putScratch(sc)
	sc.ctx = binding(sc.ctx[:0], field, id, name, seq)
	b, keyID, err := s.ring.open(&sc.aad, sealed, sc.ctx)
	if err != nil {
		return nil, &OpenError{Instance: id, Field: describe(field, name, seq), KeyID: keyID, Err: err}
	}
	return b, nil
}

// openText opens a string sealed by sealText.
func (s *Store) openText(text, field, id string, seq int64) (string, error) {
	if text == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(text, textPrefix)
	var b []byte
	var err error
	if ok {
		b, err = base64.RawStdEncoding.DecodeString(rest)
	}
	if !ok || err != nil {
		return "", &OpenError{Instance: id, Field: describe(field, "", seq), Err: fmt.Errorf("%w: text without the %q prefix and base64", ErrNotSealed, textPrefix)}
	}
	pt, err := s.open(b, field, id, "", 0)
	if err != nil {
		var oe *OpenError
		if errors.As(err, &oe) {
			oe.Field = describe(field, "", seq)
		}
		return "", err
	}
	return string(pt), nil
}

// describe names a field in errors: seq > 0 for a history event's fields.
func describe(field, name string, seq int64) string {
	switch {
	case field == fieldSignal:
		return "signal " + strconv.Quote(name)
	case seq > 0:
		return "event " + strconv.FormatInt(seq, 10) + " " + field
	default:
		return field
	}
}

// openInstance opens the sealed fields of inst in place and returns the
// first error. A field that does not open is kept as stored, or cleared
// if clear is set; frameOK reports whether the frame opened.
func (s *Store) openInstance(inst *runtime.Instance, clear bool) (frameOK bool, first error) {
	fail := func(err error) {
		if first == nil {
			first = err
		}
	}
	frameOK = true
	if b, err := s.open(inst.Frame, fieldFrame, inst.ID, "", 0); err != nil {
		fail(err)
		frameOK = false
		if clear {
			inst.Frame = nil
		}
	} else {
		inst.Frame = b
	}
	if b, err := s.open(inst.Output, fieldOutput, inst.ID, "", 0); err != nil {
		fail(err)
		if clear {
			inst.Output = nil
		}
	} else {
		inst.Output = b
	}
	if t, err := s.openText(inst.Error, fieldError, inst.ID, 0); err != nil {
		fail(err)
		if clear {
			inst.Error = ""
		}
	} else {
		inst.Error = t
	}
	if t, err := s.openText(inst.CancelReason, fieldCancel, inst.ID, 0); err != nil {
		fail(err)
		if clear {
			inst.CancelReason = ""
		}
	} else {
		inst.CancelReason = t
	}
	if sig := inst.Signal; sig != nil {
		if b, err := s.open(sig.Payload, fieldSignal, inst.ID, sig.Name, 0); err != nil {
			fail(err)
			if clear {
				sig.Payload = nil
			}
		} else {
			sig.Payload = b
		}
	}
	return frameOK, first
}

// Create seals the frame (and output and error, if any) of inst and
// creates it in the inner store, then opens the stored instance it
// returns.
func (s *Store) Create(ctx context.Context, inst *runtime.Instance) (*runtime.Instance, bool, error) {
	if inst == nil {
		return s.inner.Create(ctx, nil)
	}
	c := *inst
	c.Frame = s.seal(inst.Frame, fieldFrame, inst.ID, "", 0)
	c.Output = s.seal(inst.Output, fieldOutput, inst.ID, "", 0)
	c.Error = s.sealText(inst.Error, fieldError, inst.ID)
	c.Signal = nil
	got, created, err := s.inner.Create(ctx, &c)
	if err != nil {
		return nil, false, err
	}
	if _, err := s.openInstance(got, false); err != nil {
		return nil, false, err
	}
	return got, created, nil
}

// Claim claims instances from the inner store and opens them. An
// instance with a value that does not open is returned with that value as
// stored and Unreadable set to the [*OpenError], so that the worker fails
// that instance alone; the checkpoint that fails it stores its frame back
// unchanged.
func (s *Store) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	insts, err := s.inner.Claim(ctx, req)
	if err != nil {
		return nil, err
	}
	for _, inst := range insts {
		frameOK, err := s.openInstance(inst, false)
		if err == nil {
			continue
		}
		inst.Unreadable = err
		if !frameOK {
			s.keepUnread(inst)
		}
	}
	return insts, nil
}

// keepUnread remembers the stored frame of claimed instance inst, which
// did not open.
func (s *Store) keepUnread(inst *runtime.Instance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unread == nil {
		s.unread = make(map[string]unreadFrame)
	}
	s.unread[inst.ID] = unreadFrame{epoch: inst.Epoch, frame: bytes.Clone(inst.Frame)}
	s.nunread.Store(int32(len(s.unread)))
}

// takeUnread reports whether cp stores back, under the claim that read
// it, a frame that did not open; it forgets frames of claims cp ends.
func (s *Store) takeUnread(cp *runtime.Checkpoint) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.unread[cp.ID]
	if !ok || cp.Epoch < u.epoch {
		return false
	}
	delete(s.unread, cp.ID)
	s.nunread.Store(int32(len(s.unread)))
	return cp.Epoch == u.epoch && bytes.Equal(cp.Frame, u.frame)
}

// Checkpoint seals the frame, output, error and event of cp and commits
// them to the inner store. cp is not modified.
func (s *Store) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	sc := s.getScratch()
	defer s.putScratch(sc)
	sc.cp = *cp
	defer func() { sc.cp = runtime.Checkpoint{} }() // keep no references in the pool
	if s.nunread.Load() == 0 || !s.takeUnread(cp) {
		sc.frame = s.sealTo(sc, sc.frame, cp.Frame, fieldFrame, cp.ID, cp.Seq)
		sc.cp.Frame = nonEmpty(sc.frame)
	}
	sc.detail = s.sealTo(sc, sc.detail, cp.Event.Detail, fieldDetail, cp.ID, cp.Seq)
	sc.cp.Event.Detail = nonEmpty(sc.detail)
	sc.cp.Output = s.seal(cp.Output, fieldOutput, cp.ID, "", 0)
	sc.cp.Error = s.sealText(cp.Error, fieldError, cp.ID)
	sc.cp.Event.Error = s.sealText(cp.Event.Error, fieldError, cp.ID)
	if cp.Continue != nil {
		if err := s.sealContinue(cp, &sc.cp); err != nil {
			return err
		}
	}
	return s.inner.Checkpoint(ctx, &sc.cp)
}

// sealTo seals plaintext into buf[:0] with the scratch buffers of sc: a
// frame (seq is ignored) or a history detail.
func (s *Store) sealTo(sc *scratch, buf, plaintext []byte, field, id string, seq int64) []byte {
	if len(plaintext) == 0 {
		return buf[:0]
	}
	if field != fieldDetail {
		seq = 0
	}
	sc.ctx = binding(sc.ctx[:0], field, id, "", seq)
	return s.ring.appendSeal(buf[:0], &sc.aad, plaintext, sc.ctx)
}

func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Heartbeat extends a lease in the inner store.
func (s *Store) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	return s.inner.Heartbeat(ctx, id, epoch, lease)
}

// Signal seals payload, bound to the instance and the signal's name, and
// records the signal in the inner store.
func (s *Store) Signal(ctx context.Context, id, name string, payload []byte) error {
	return s.inner.Signal(ctx, id, name, s.seal(payload, fieldSignal, id, name, 0))
}

// Get returns instance id with its values opened; an [*OpenError] if one
// does not open.
func (s *Store) Get(ctx context.Context, id string) (*runtime.Instance, error) {
	inst, err := s.inner.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.openInstance(inst, false); err != nil {
		return nil, err
	}
	return inst, nil
}

// Cancel seals reason, which becomes the instance's error, and cancels
// the instance in the inner store.
func (s *Store) Cancel(ctx context.Context, id, reason string) error {
	return s.inner.Cancel(ctx, id, s.sealText(reason, fieldError, id))
}

// RequestCancel seals reason and asks the inner store to cancel instance
// id gracefully (see [runtime.CancelRequester]); it fails with an error
// matching errors.ErrUnsupported if the inner store cannot.
func (s *Store) RequestCancel(ctx context.Context, id, reason string) error {
	cr, ok := s.inner.(runtime.CancelRequester)
	if !ok {
		return fmt.Errorf("request cancel of %s: store %T cannot: %w", id, s.inner, errors.ErrUnsupported)
	}
	return cr.RequestCancel(ctx, id, s.sealText(reason, fieldCancel, id))
}

// History returns the events of instance id with their errors and
// details opened; an [*OpenError] if one does not open.
func (s *Store) History(ctx context.Context, id string) ([]runtime.Event, error) {
	evs, err := s.inner.History(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range evs {
		ev := &evs[i]
		if ev.Error, err = s.openText(ev.Error, fieldError, id, ev.Seq); err != nil {
			return nil, err
		}
		if ev.Detail, err = s.open(ev.Detail, fieldDetail, id, "", ev.Seq); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// admin returns the inner store's Admin capability.
func (s *Store) admin(op string) (runtime.Admin, error) {
	a, ok := s.inner.(runtime.Admin)
	if !ok {
		return nil, fmt.Errorf("encrypt: %s: inner store %T does not implement runtime.Admin: %w", op, s.inner, errors.ErrUnsupported)
	}
	return a, nil
}

// List lists instances in the inner store (see [runtime.Admin]) and opens
// them. An instance with a value that does not open is listed with that
// value cleared and Unreadable set to the [*OpenError]. It fails with an
// error matching errors.ErrUnsupported if the inner store cannot list.
func (s *Store) List(ctx context.Context, opts runtime.ListOptions) ([]*runtime.Instance, error) {
	a, err := s.admin("list instances")
	if err != nil {
		return nil, err
	}
	insts, err := a.List(ctx, opts)
	if err != nil {
		return nil, err
	}
	for _, inst := range insts {
		if _, err := s.openInstance(inst, true); err != nil {
			inst.Unreadable = err
		}
	}
	return insts, nil
}

// Retry seals req.Reason, the error of the "resume" event, and retries
// the instance in the inner store (see [runtime.Admin]). A frame that
// failed to open is retried as stored: once its key is in the keyring
// again, the instance resumes.
func (s *Store) Retry(ctx context.Context, req runtime.RetryRequest) error {
	a, err := s.admin("retry instance " + req.ID)
	if err != nil {
		return err
	}
	req.Reason = s.sealText(req.Reason, fieldError, req.ID)
	return a.Retry(ctx, req)
}

// WaitForWork waits on the inner store if it is a [runtime.WorkWaiter],
// and otherwise sleeps for timeout, as a worker would.
func (s *Store) WaitForWork(ctx context.Context, timeout time.Duration) {
	if ww, ok := s.inner.(runtime.WorkWaiter); ok {
		ww.WaitForWork(ctx, timeout)
		return
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Close closes the inner store if it has a Close method.
func (s *Store) Close() error {
	switch c := s.inner.(type) {
	case io.Closer:
		return c.Close()
	case interface{ Close() }:
		c.Close()
	}
	return nil
}
