package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/internal/rowevents"
)

// DefaultMaxBatch is the most writes a Store commits in one transaction
// when Config.MaxBatch is 0.
const DefaultMaxBatch = 256

// A Store commits the checkpoints, creates, heartbeats and claims of concurrent callers
// together (group commit; see runtime/internal/groupcommit): a caller that
// finds no commit in flight commits alone, with the statements of a lone
// call; callers that arrive while a commit is in flight are committed
// together by the first of them when it ends, in one pipelined batch of
// statements on one connection, which is one implicit transaction and one
// round trip: one multi-row statement per kind of write (creates, running
// checkpoints, releasing checkpoints, heartbeats; then the waiting→ready
// rule, the moves of pending events to history, and the claims).
//
// Each row of a statement is fenced on its own: a checkpoint whose claim
// is gone, whose sequence number is taken or whose signal is not pending
// matches nothing, is missing from the statement's RETURNING, and fails
// alone, with its reason read back as for a lone call. A statement that
// fails aborts the transaction; then the store commits every write of the
// batch again alone, so that the write that failed fails only its caller.
// A batch whose outcome is unknown (the connection was lost before the
// commit was acknowledged) fails every caller with that error: each
// checkpoint of it is then either committed or not, all together, and a
// checkpoint retried with the same sequence number and epoch commits, or
// fails with [runtime.ErrDuplicateSeq] (running) or [runtime.ErrFenced]
// (released) if it had been committed.

// op is one caller's write: a checkpoint, a create or a heartbeat.
type op struct {
	ctx   context.Context
	cp    *runtime.Checkpoint // a checkpoint, with its encoded event ev
	ev    []byte
	inst  *runtime.Instance     // or a create
	hb    *heartbeat            // or a heartbeat
	claim *runtime.ClaimRequest // or a claim

	n       int64               // checkpoint, heartbeat: instances updated (0 or 1)
	created *runtime.Instance   // create: the row inserted, nil if the ID existed
	claimed []*runtime.Instance // claim
	err     error
}

// cpOps recycles the ops of checkpoints, with their event buffers.
var cpOps = sync.Pool{New: func() any { return new(op) }}

// heartbeat is the input of Heartbeat.
type heartbeat struct {
	id    string
	epoch int64
	lease time.Duration
}

// id returns the instance o writes; "" for a claim, which may write any.
func (o *op) id() string {
	switch {
	case o.cp != nil:
		return o.cp.ID
	case o.hb != nil:
		return o.hb.id
	case o.inst != nil:
		return o.inst.ID
	}
	return ""
}

// Stats counts the batches of writes a Store has run.
type Stats struct {
	Batches int64 // transactions (or lone writes) run by the committer
	Writes  int64 // writes they held
}

// Stats returns the counts of batches and writes so far: Writes ÷ Batches
// is the mean batch size.
func (s *Store) Stats() Stats {
	b, w := s.ops.Counts()
	return Stats{Batches: b, Writes: w}
}

// batchHooks let tests hold and cut batches.
type batchHooks struct {
	// beforeBatch runs when a leader has taken a batch of n writes,
	// before it starts.
	beforeBatch func(n int)
	// beforeSend runs before a batch of several writes is sent, with the
	// backend process ID of the connection it is sent on.
	beforeSend func(pid uint32)
	// afterCommit runs after a batch of n writes committed; a non-nil
	// error is reported to every caller of the batch instead of its
	// result, as if the process had died between the commit and the
	// acknowledgement.
	afterCommit func(n int) error
}

// do queues o for the committer and returns when it has run.
func (s *Store) do(o *op) {
	if err := o.ctx.Err(); err != nil {
		o.err = err
		return
	}
	s.ops.Do(o)
}

// runBatch commits a batch: alone with the statements of a lone call, or
// all together.
func (s *Store) runBatch(batch []*op) {
	if h := s.hooks; h != nil && h.beforeBatch != nil {
		h.beforeBatch(len(batch))
	}
	if len(batch) == 1 {
		s.runOne(batch[0])
	} else {
		s.runMany(batch)
	}
	if h := s.hooks; h != nil && h.afterCommit != nil {
		if err := h.afterCommit(len(batch)); err != nil {
			for _, o := range batch {
				o.err = err
			}
		}
	}
}

// runOne commits o alone, with the caller's context.
func (s *Store) runOne(o *op) {
	switch {
	case o.cp != nil:
		o.n, o.err = s.checkpoint(o.ctx, o.cp, o.ev)
	case o.hb != nil:
		var tag pgconn.CommandTag
		tag, o.err = s.pool.Exec(o.ctx, s.sql.heartbeat, o.hb.id, o.hb.epoch, o.hb.lease.Microseconds())
		o.n = tag.RowsAffected()
	case o.claim != nil:
		o.claimed, o.err = s.claimOne(o.ctx, o.claim)
	default:
		o.created, o.err = s.createOne(o.ctx, o.inst)
	}
}

// maxBatchBytes bounds the frames, outputs and events one pipelined batch
// carries: a batch of larger ones is committed in several transactions.
const maxBatchBytes = 8 << 20

// runMany commits several writes in pipelined batches of at most
// maxBatchBytes. Writes to an instance that an earlier write of the
// batch writes too are committed after it, alone.
func (s *Store) runMany(batch []*op) {
	ids := make(map[string]bool, len(batch))
	var chunk, after []*op
	size := 0
	for _, o := range batch {
		id := o.id()
		if id != "" && ids[id] {
			after = append(after, o)
			continue
		}
		ids[id] = true
		if n := o.size(); len(chunk) > 0 && size+n > maxBatchBytes {
			s.runTogether(chunk)
			chunk, size = nil, 0
		}
		chunk = append(chunk, o)
		size += o.size()
	}
	s.runTogether(chunk)
	for _, o := range after {
		s.runOne(o)
	}
}

// runTogether commits the writes of together, each of another instance,
// in one pipelined batch.
func (s *Store) runTogether(together []*op) {
	if len(together) == 1 {
		s.runOne(together[0])
		return
	}
	err := s.sendMany(together)
	switch {
	case err == nil:
	case refused(err):
		// The server refused a statement and rolled the batch back:
		// commit each write alone, so that only the culprit fails.
		for _, o := range together {
			s.runOne(o)
		}
	default:
		for _, o := range together {
			o.err = err
		}
	}
}

// size is about how many bytes o adds to a batch.
func (o *op) size() int {
	switch {
	case o.cp != nil:
		return 64 + len(o.cp.Frame) + len(o.cp.Output) + len(o.ev)
	case o.inst != nil:
		return 64 + len(o.inst.Frame) + len(o.inst.Output)
	}
	return 64
}

// manyArgs are the columns of the multi-row statements, one element per
// write.
type manyArgs struct {
	// checkpoints (running, releasing)
	cps          [2][]*op
	id           [2][]string
	epoch, seq   [2][]int64
	frame, out   [2][][]byte
	attempt      [2][]int32
	await, err   [2][]string
	ev           [2][]string
	at           [2][]pgtype.Int8
	sig          [2][]int64
	status       []string // releasing only
	wake         []pgtype.Timestamptz
	waitID       []string // waiting checkpoints, for the waiting→ready rule
	waitEpoch    []int64
	flush        []string // instances whose pending events move to history
	flushEpoch   []int64
	creates      []*op
	createCols   createColumns
	createStatus []string
	heartbeats   []*op
	claims       []*op
	hbID         []string
	hbEpoch      []int64
	hbLease      []int64
}

// createColumns are the columns of a multi-row create.
type createColumns struct {
	id, workflow, version, awaitName, errMsg, trace []string
	frame, output                                   [][]byte
	seq                                             []int64
	attempt                                         []int32
	wakeAt                                          []pgtype.Timestamptz
}

func (a *manyArgs) add(o *op) {
	if o.claim != nil {
		a.claims = append(a.claims, o)
		return
	}
	if hb := o.hb; hb != nil {
		a.heartbeats = append(a.heartbeats, o)
		a.hbID = append(a.hbID, hb.id)
		a.hbEpoch = append(a.hbEpoch, hb.epoch)
		a.hbLease = append(a.hbLease, hb.lease.Microseconds())
		return
	}
	if o.cp == nil {
		c := &a.createCols
		inst := o.inst
		a.creates = append(a.creates, o)
		c.id = append(c.id, inst.ID)
		c.workflow = append(c.workflow, inst.Workflow)
		c.version = append(c.version, inst.Version)
		a.createStatus = append(a.createStatus, string(createStatus(inst)))
		c.frame = append(c.frame, inst.Frame)
		c.seq = append(c.seq, inst.Seq)
		c.attempt = append(c.attempt, int32(inst.Attempt))
		c.wakeAt = append(c.wakeAt, nullTime(inst.WakeAt))
		c.awaitName = append(c.awaitName, inst.AwaitName)
		c.output = append(c.output, inst.Output)
		c.errMsg = append(c.errMsg, inst.Error)
		c.trace = append(c.trace, runtime.KeptTrace(inst.Trace))
		return
	}
	cp := o.cp
	k := b2i(cp.Status != runtime.StatusRunning)
	a.cps[k] = append(a.cps[k], o)
	a.id[k] = append(a.id[k], cp.ID)
	a.epoch[k] = append(a.epoch[k], cp.Epoch)
	a.seq[k] = append(a.seq[k], cp.Seq)
	a.frame[k] = append(a.frame[k], cp.Frame)
	a.out[k] = append(a.out[k], cp.Output)
	a.attempt[k] = append(a.attempt[k], int32(cp.Attempt))
	a.await[k] = append(a.await[k], cp.AwaitName)
	a.err[k] = append(a.err[k], cp.Error)
	a.ev[k] = append(a.ev[k], string(o.ev))
	a.at[k] = append(a.at[k], eventMicros(cp.Event.At))
	a.sig[k] = append(a.sig[k], cp.ConsumeSignal)
	if k == 1 {
		a.status = append(a.status, string(cp.Status))
		a.wake = append(a.wake, nullTime(cp.WakeAt))
	}
	if cp.Status == runtime.StatusWaiting {
		a.waitID = append(a.waitID, cp.ID)
		a.waitEpoch = append(a.waitEpoch, cp.Epoch)
	}
	if rowevents.Flush(cp, len(o.ev)) {
		a.flush = append(a.flush, cp.ID)
		a.flushEpoch = append(a.flushEpoch, cp.Epoch)
	}
}

// sendMany commits the writes of together (several, each of another
// instance) in one pipelined batch and sets their results. It returns an
// error, and sets none, if the batch failed as a whole.
func (s *Store) sendMany(together []*op) error {
	var a manyArgs
	for _, o := range together {
		a.add(o)
	}
	b := &pgx.Batch{}
	var updated [2]map[string]bool
	var created []*runtime.Instance
	if len(a.creates) > 0 {
		c := &a.createCols
		b.Queue(s.sql.createMany, c.id, c.workflow, c.version, a.createStatus, c.frame, c.seq, c.attempt,
			c.wakeAt, c.awaitName, c.output, c.errMsg, s.channel, c.trace).Query(func(rows pgx.Rows) error {
			var err error
			created, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*runtime.Instance, error) {
				return scanInstance(row)
			})
			return err
		})
	}
	for k := range 2 {
		if len(a.cps[k]) == 0 {
			continue
		}
		args := []any{a.id[k], a.epoch[k], a.frame[k], a.seq[k], a.attempt[k], a.await[k], a.out[k], a.err[k],
			a.ev[k], a.at[k], a.sig[k]}
		if k == 1 {
			args = append(args, a.status, a.wake, s.channel)
		}
		got := map[string]bool{}
		updated[k] = got
		b.Queue(s.sql.checkpointMany[k], args...).Query(func(rows pgx.Rows) error {
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			for _, id := range ids {
				got[id] = true
			}
			return err
		})
	}
	if len(a.waitID) > 0 {
		b.Queue(s.sql.readyIfSignaledMany, a.waitID, a.waitEpoch)
	}
	beaten := map[string]bool{}
	if len(a.heartbeats) > 0 {
		b.Queue(s.sql.heartbeatMany, a.hbID, a.hbEpoch, a.hbLease).Query(func(rows pgx.Rows) error {
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			for _, id := range ids {
				beaten[id] = true
			}
			return err
		})
	}
	if len(a.flush) > 0 {
		b.Queue(s.sql.flushMany, a.flush, a.flushEpoch)
	}
	// Claims last: they may take what this batch made ready.
	claimed := make([][]*runtime.Instance, len(a.claims))
	for i, o := range a.claims {
		b.Queue(s.sql.claim, claimArgs(o.claim)...).Query(func(rows pgx.Rows) error {
			var err error
			claimed[i], err = pgx.CollectRows(rows, scanClaimed)
			return err
		})
	}

	ctx, cancel := batchContext(together)
	defer cancel()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if h := s.hooks; h != nil && h.beforeSend != nil {
		h.beforeSend(conn.Conn().PgConn().PID())
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return err
	}

	for k := range 2 {
		for _, o := range a.cps[k] {
			if updated[k][o.cp.ID] {
				o.n = 1
			}
		}
	}
	for _, o := range a.heartbeats {
		if beaten[o.hb.id] {
			o.n = 1
		}
	}
	for i, o := range a.claims {
		o.claimed = claimed[i]
	}
	byID := make(map[string]*runtime.Instance, len(created))
	for _, inst := range created {
		byID[inst.ID] = inst
	}
	for _, o := range a.creates {
		o.created = byID[o.inst.ID]
	}
	return nil
}

// refused reports whether err is the server's refusal of a statement,
// after which it rolled the transaction back and the connection is
// usable, rather than the loss of the connection (the server ending the
// session says so with a FATAL error), after which the outcome of the
// batch is unknown.
func refused(err error) bool {
	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	if !ok {
		return false
	}
	switch pgErr.Severity {
	case "FATAL", "PANIC":
		return false
	}
	switch pgErr.Code[:2] {
	case "08", "57": // connection exception, operator intervention
		return false
	}
	return true
}

// batchContext returns the context of a batch: without the callers'
// cancellation (one caller's must not fail the others'), with the latest
// of their deadlines if every caller has one.
func batchContext(batch []*op) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(batch[0].ctx)
	var latest time.Time
	for _, o := range batch {
		d, ok := o.ctx.Deadline()
		if !ok {
			return ctx, func() {}
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(ctx, latest)
}

// createStatus is the status Create stores for inst.
func createStatus(inst *runtime.Instance) runtime.Status {
	if inst.Status == "" {
		return runtime.StatusReady
	}
	return inst.Status
}
