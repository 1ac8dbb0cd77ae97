package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/internal/groupcommit"
)

var _ runtime.Store = (*Store)(nil)

// Defaults used for a zero field of [Config].
const (
	DefaultSynchronous = "FULL"
	DefaultBusyTimeout = 5 * time.Second
)

// readConns is the size of the read pool. WAL readers never block the
// writer, and Get and History are short, so a few connections suffice.
const readConns = 4

// Config configures a [Store].
type Config struct {
	// Path is the database file. It is created if it does not exist.
	// In-memory databases are not supported: the read pool and the writer
	// must share the file.
	Path string
	// Synchronous is SQLite's synchronous mode: "FULL" (the default; a
	// commit is on disk when the call returns) or "NORMAL" (faster; the
	// last commits may be lost on power failure, never on a process crash).
	Synchronous string
	// BusyTimeout is how long a write waits for the write lock held by
	// another connection to the same file (default 5s).
	BusyTimeout time.Duration
	// Now is the store clock (default time.Now): claim times, lease
	// expiry, timers and created/updated times all read it.
	Now func() time.Time
	// MaxBatch is the most writes of concurrent callers committed in one
	// transaction (see [Store]); default [DefaultMaxBatch]. 1 commits
	// every write alone.
	MaxBatch int
}

// Store is a [runtime.Store] on an SQLite database file. It is safe for
// concurrent use. Close it when done.
//
// Writes of concurrent callers (checkpoints of different instances,
// claims, creates, signals...) are committed together, in one transaction
// and one fsync, each still fenced and failing alone (see
// Config.MaxBatch and the package documentation).
type Store struct {
	writes *groupcommit.Queue[*writeOp] // serializes use of w: one writer at a time
	db     *sql.DB                      // owns w, its only connection
	w      *sql.Conn                    // the writer connection
	read   *sql.DB                      // readers
	now    func() time.Time
	st     statements
	wake   waker
	hooks  *batchHooks // tests only
	evbuf  []byte      // the leader's: a checkpoint's encoded event
}

// Open opens (creating if needed) the database at path with the default
// [Config] and brings its schema up to date.
func Open(path string) (*Store, error) {
	return New(Config{Path: path})
}

// New opens the database described by cfg and brings its schema up to date.
func New(cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	// Processes opening a new file at once race to switch it to WAL, which
	// SQLite may refuse with SQLITE_BUSY without waiting: try again, within
	// the busy timeout.
	deadline := time.Now().Add(cfg.BusyTimeout)
	for {
		s := &Store{now: cfg.Now}
		s.writes = groupcommit.New(cfg.MaxBatch, s.runBatch)
		err := s.open(cfg)
		if err == nil {
			return s, nil
		}
		s.closeDBs()
		if !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *Store) open(cfg Config) error {
	ctx := context.Background()
	var err error
	if s.db, err = sql.Open("sqlite", cfg.dsn(true)); err != nil {
		return err
	}
	s.db.SetMaxOpenConns(1)
	s.db.SetMaxIdleConns(1)
	s.db.SetConnMaxLifetime(0)
	s.db.SetConnMaxIdleTime(0)
	if s.w, err = s.db.Conn(ctx); err != nil {
		return err
	}
	if err := migrate(ctx, s.w, nanos(s.now())); err != nil {
		return err
	}
	if s.read, err = sql.Open("sqlite", cfg.dsn(false)); err != nil {
		return fmt.Errorf("reader: %w", err)
	}
	s.read.SetMaxOpenConns(readConns)
	s.read.SetMaxIdleConns(readConns)
	return s.st.prepare(ctx, s.w, s.read)
}

// Close closes the database. Calls in progress may fail.
func (s *Store) Close() error {
	s.wake.close()
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	var errs []error
	errs = append(errs, s.st.close())
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// isNoTx reports whether err is SQLite saying there is no transaction to
// roll back (a failed COMMIT may already have ended it).
func isNoTx(err error) bool {
	return strings.Contains(err.Error(), "no transaction is active")
}

func (c Config) withDefaults() (Config, error) {
	if c.Path == "" || c.Path == ":memory:" || strings.HasPrefix(c.Path, "file:") {
		return c, fmt.Errorf("sqlite: path %q: want the name of a database file", c.Path)
	}
	switch s := strings.ToUpper(c.Synchronous); s {
	case "":
		c.Synchronous = DefaultSynchronous
	case "FULL", "NORMAL":
		c.Synchronous = s
	default:
		return c, fmt.Errorf("sqlite: synchronous %q: want FULL or NORMAL", c.Synchronous)
	}
	if c.BusyTimeout < 0 {
		return c, fmt.Errorf("sqlite: negative busy timeout %v", c.BusyTimeout)
	}
	if c.BusyTimeout == 0 {
		c.BusyTimeout = DefaultBusyTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxBatch < 0 {
		return c, fmt.Errorf("sqlite: negative MaxBatch %d", c.MaxBatch)
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	return c, nil
}

// dsn returns the driver's data source name: the writer's transactions
// take the write lock at BEGIN (so a claim cannot fail to upgrade a read
// lock), readers are query-only.
func (c Config) dsn(writer bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(c.BusyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	if writer {
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", c.Synchronous)
		q.Set("_txlock", "immediate")
	} else {
		q.Set("_query_only", "1")
	}
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: c.Path}).EscapedPath(), RawQuery: q.Encode()}
	return u.String()
}

// nanos and fromNanos convert times to the stored integers. The zero
// time is stored as 0; other times are clamped to the years 1678 to 2262
// that int64 nanoseconds can hold, and the instant of the Unix epoch,
// which would read as unset, is stored 1ns later.
func nanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minTime):
		return minTime.UnixNano()
	case t.After(maxTime):
		return maxTime.UnixNano()
	}
	if n := t.UnixNano(); n != 0 {
		return n
	}
	return 1
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// The range of times nanos stores exactly.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)
