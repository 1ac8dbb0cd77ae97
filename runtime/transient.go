package runtime

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// IsTransient reports whether err, returned by a store, may go away if
// the same call is made again a little later: the connection was refused,
// reset or cut short, the database is starting up or shutting down, a
// lock, deadlock or serialization conflict, the database file is busy, the
// server ran out of connections or space. Workers retry such errors of
// their commits within the lease and [Handle.Result] rides them out; any
// other error is returned.
//
// It is the one place where store errors are classified. It reads the
// error chain through small interfaces, so it knows the errors of the
// stores of this module without importing their drivers:
//
//   - an error with a method Transient() bool says so itself (a store or a
//     wrapper may mark its own errors that way);
//   - an error with a method SQLState() string (PostgreSQL, pgx) is
//     transient for SQLSTATE class 08 (connection exception) and 53
//     (insufficient resources), 40001 (serialization failure), 40P01
//     (deadlock), 55P03 (lock not available), 57014 (query canceled),
//     57P01, 57P02, 57P03 and 57P05 (the server is shutting down, crashed,
//     is starting up or closed an idle session) and 58030 (I/O error);
//   - an error with a method Code() int (SQLite) is transient for
//     SQLITE_BUSY, SQLITE_LOCKED and SQLITE_FULL;
//   - an error with a method SafeToRetry() bool that returns true (pgx: the
//     call failed before anything was sent) is transient;
//   - so are refused, reset and aborted connections, broken pipes,
//     unreachable hosts and networks, network timeouts, an unexpected EOF
//     and [driver.ErrBadConn].
//
// The errors of the caller's context (context.Canceled,
// context.DeadlineExceeded) and the store's sentinels ([ErrFenced],
// [ErrNotFound], [ErrDuplicateSeq], [ErrFinished]) are never transient:
// calling again cannot change their answer.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	for _, final := range []error{ErrFenced, ErrNotFound, ErrDuplicateSeq, ErrFinished, ErrAlreadyStarted} {
		if errors.Is(err, final) {
			return false
		}
	}
	if t, ok := errors.AsType[transientMarker](err); ok {
		return t.Transient()
	}
	if s, ok := errors.AsType[sqlStater](err); ok {
		return transientSQLState(s.SQLState())
	}
	if c, ok := errors.AsType[resultCoder](err); ok && strings.Contains(err.Error(), "SQLITE_") {
		switch c.Code() & 0xff { // the primary result code
		case sqliteBusy, sqliteLocked, sqliteFull:
			return true
		}
		return false
	}
	if r, ok := errors.AsType[retrySafe](err); ok && r.SafeToRetry() {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
		syscall.EPIPE, syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN} {
		if errors.Is(err, errno) {
			return true
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return true
	}
	return false
}

// The interfaces through which IsTransient reads an error chain.
type (
	transientMarker interface {
		error
		Transient() bool
	}
	sqlStater interface {
		error
		SQLState() string
	}
	resultCoder interface {
		error
		Code() int
	}
	retrySafe interface {
		error
		SafeToRetry() bool
	}
)

// SQLite's primary result codes that IsTransient retries.
const (
	sqliteBusy   = 5
	sqliteLocked = 6
	sqliteFull   = 13
)

// transientSQLState reports whether a PostgreSQL error code names a
// condition that a later call may not meet (see [IsTransient]).
func transientSQLState(code string) bool {
	if strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") {
		return true
	}
	switch code {
	case "40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03", "57P05", "58030":
		return true
	}
	return false
}
