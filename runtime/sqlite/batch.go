package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"

	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultMaxBatch is the most writes a Store commits in one transaction
// when Config.MaxBatch is 0.
const DefaultMaxBatch = 256

// A Store commits the writes of concurrent callers together (group
// commit). A caller that finds no commit in flight runs its write at once,
// alone, and so commits as fast as it would without batching. Callers that
// arrive while a commit is in flight queue up; when it ends, the first of
// them leads the next transaction, which runs every write queued by then
// (up to Config.MaxBatch) in arrival order and commits them with one
// fsync. There is no timer: a batch is whatever arrived during the
// previous commit.
//
// Each write of a batch of several runs under a savepoint of its own, so
// that one that fails (a fenced checkpoint, a duplicate sequence number, a
// signal that is not pending) is rolled back alone and fails only its
// caller. An error of the database itself (an I/O error, a full disk)
// aborts the transaction: then every write of the batch fails with it and
// none is committed. Every caller returns after the commit that holds its
// write, or with an error when there was none.

// writeOp is one caller's write.
type writeOp struct {
	ctx context.Context // the caller's, without cancellation
	fn  func(ctx context.Context) error
	tx  bool // fn runs several statements: it needs a savepoint in a batch
	err error
}

var opPool = sync.Pool{New: func() any { return new(writeOp) }}

// Stats counts the batches of writes a Store has run.
type Stats struct {
	Batches int64 // transactions (or lone writes) run by the committer
	Writes  int64 // writes they held
}

// Stats returns the counts of batches and writes so far: Writes ÷ Batches
// is the mean batch size.
func (s *Store) Stats() Stats {
	b, w := s.writes.Counts()
	return Stats{Batches: b, Writes: w}
}

// batchHooks let tests hold and cut batches.
type batchHooks struct {
	// beforeBatch runs when a leader has taken a batch of n writes,
	// before it starts.
	beforeBatch func(n int)
	// midBatch runs after the first write of a batch of several; a
	// non-nil error fails the batch as an error of the database would.
	midBatch func() error
	// afterCommit runs after a batch of n writes committed; a non-nil
	// error is reported to every caller of the batch instead of its
	// result, as if the process had died between the commit and the
	// acknowledgement.
	afterCommit func(n int) error
}

// write runs fn on the writer connection, in a transaction with other
// callers' writes (see above). With tx, fn may run several statements
// that commit or fail together; without, fn must run a single statement.
//
// ctx is checked before the write is queued; after that the write runs to
// its end, bounded by the busy timeout, and is not interrupted: fn gets a
// context without cancellation. Interrupting a commit would leave the
// caller unsure whether it happened, and watching the context costs a
// goroutine per statement.
func (s *Store) write(ctx context.Context, tx bool, fn func(ctx context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	op := opPool.Get().(*writeOp)
	*op = writeOp{ctx: context.WithoutCancel(ctx), fn: fn, tx: tx}
	s.writes.Do(op)
	err := op.err
	*op = writeOp{}
	opPool.Put(op)
	return err
}

// runBatch runs the ops in one transaction and sets their errors.
func (s *Store) runBatch(batch []*writeOp) {
	if h := s.hooks; h != nil && h.beforeBatch != nil {
		h.beforeBatch(len(batch))
	}
	if len(batch) == 1 && !batch[0].tx {
		op := batch[0]
		op.err = op.fn(op.ctx)
		s.acknowledge(batch)
		return
	}
	ctx := batch[0].ctx
	if _, err := s.st.begin.ExecContext(ctx); err != nil {
		failAll(batch, fmt.Errorf("begin: %w", err))
		return
	}
	ok := false // some op succeeded: commit
	for i, op := range batch {
		op.err = s.runOp(op, len(batch) > 1)
		if h := s.hooks; i == 0 && len(batch) > 1 && h != nil && h.midBatch != nil {
			if err := h.midBatch(); err != nil {
				op.err = err
				s.abort(ctx, batch, i)
				return
			}
		}
		if op.err == nil {
			ok = true
			continue
		}
		if fatal(op.err) {
			s.abort(ctx, batch, i)
			return
		}
	}
	if !ok {
		s.rollback(ctx)
		return
	}
	if _, err := s.st.commit.ExecContext(ctx); err != nil {
		err = fmt.Errorf("commit: %w", err)
		if rerr := s.rollback(ctx); rerr != nil {
			err = errors.Join(err, rerr)
		}
		for _, op := range batch {
			if op.err == nil {
				op.err = err
			}
		}
		return
	}
	s.acknowledge(batch)
}

// abort rolls the transaction of batch back after the error of its op i
// and fails the others with it.
func (s *Store) abort(ctx context.Context, batch []*writeOp, i int) {
	err := batch[i].err
	if rerr := s.rollback(ctx); rerr != nil {
		err = errors.Join(err, rerr)
		batch[i].err = err
	}
	for _, o := range batch[:i] {
		if o.err == nil {
			o.err = fmt.Errorf("transaction aborted by the error of a write committed with it: %w", err)
		}
	}
	for _, o := range batch[i+1:] {
		o.err = fmt.Errorf("transaction aborted before this write: %w", err)
	}
}

// runOp runs one op of a transaction, under a savepoint if shared is set
// and the op has several statements.
func (s *Store) runOp(op *writeOp, shared bool) error {
	if !shared || !op.tx {
		return op.fn(op.ctx)
	}
	if _, err := s.st.savepoint.ExecContext(op.ctx); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	err := op.fn(op.ctx)
	if err != nil && !fatal(err) {
		if _, rerr := s.st.rollbackTo.ExecContext(op.ctx); rerr != nil {
			return errors.Join(err, fmt.Errorf("rollback to savepoint: %w", rerr))
		}
	}
	if err == nil || !fatal(err) {
		if _, rerr := s.st.release.ExecContext(op.ctx); rerr != nil {
			return errors.Join(err, fmt.Errorf("release savepoint: %w", rerr))
		}
	}
	return err
}

// acknowledge runs the afterCommit hook of tests.
func (s *Store) acknowledge(batch []*writeOp) {
	h := s.hooks
	if h == nil || h.afterCommit == nil {
		return
	}
	if err := h.afterCommit(len(batch)); err != nil {
		failAll(batch, err)
	}
}

func (s *Store) rollback(ctx context.Context) error {
	if _, err := s.st.rollback.ExecContext(ctx); err != nil && !isNoTx(err) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

func failAll(batch []*writeOp, err error) {
	for _, op := range batch {
		op.err = err
	}
}

// fatal reports whether err, returned by a write, is an error of the
// database (I/O, full disk, lock, interrupted...) that may have ended the
// transaction, rather than a refusal of this write alone: one of our
// sentinels, no row, or a constraint, type or size error, after which
// SQLite has undone the statement and the transaction goes on.
func fatal(err error) bool {
	var serr interface{ Code() int }
	if !errors.As(err, &serr) {
		return false
	}
	switch serr.Code() & 0xff {
	case sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_RANGE:
		return false
	}
	return true
}
