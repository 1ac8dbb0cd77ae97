package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/internal/groupcommit"
)

// DefaultSchema is the Postgres schema a store uses when Config.Schema is
// empty.
const DefaultSchema = "durable"

// Config configures a [Store]. Either DSN or Pool must be set.
type Config struct {
	// DSN is a PostgreSQL connection string (URL or key=value), used to
	// open a pool the store owns. pgxpool settings such as
	// pool_max_conns may be part of it.
	DSN string
	// Pool, if set, is used instead of DSN. The store does not close it.
	Pool *pgxpool.Pool
	// Schema holds the store's tables; it is created if missing. Default
	// [DefaultSchema]. Stores with different schemas share nothing.
	Schema string
	// Logger receives the errors of the background LISTEN connection,
	// which has no caller to return them to. Default slog.Default().
	Logger *slog.Logger
	// MaxBatch is the most checkpoints and creates of concurrent callers
	// committed in one transaction (see [Store]); default
	// [DefaultMaxBatch]. 1 commits every write alone.
	MaxBatch int
}

// Store is a [runtime.Store] on PostgreSQL, safe for use by many workers
// in many processes at once. Create it with [Open] or [New].
//
// Checkpoints and creates of concurrent callers are committed together,
// in one transaction and one round trip, each still fenced and failing
// alone (see Config.MaxBatch and the package documentation).
type Store struct {
	pool     *pgxpool.Pool
	ownsPool bool
	schema   string // as given
	channel  string // NOTIFY channel of the schema
	sql      statements
	listen   *listener
	ops      *groupcommit.Queue[*op]
	hooks    *batchHooks // tests only
}

var (
	_ runtime.Store      = (*Store)(nil)
	_ runtime.WorkWaiter = (*Store)(nil)
)

// Open connects to the database at dsn and returns a store in the default
// schema, creating or migrating its tables.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return New(ctx, Config{DSN: dsn})
}

// New returns a store configured by cfg, creating or migrating its tables.
// Concurrent calls from several processes are safe: migrations run under
// an advisory lock.
func New(ctx context.Context, cfg Config) (*Store, error) {
	schema := cfg.Schema
	if schema == "" {
		schema = DefaultSchema
	}
	if len(schema) > 63 {
		return nil, fmt.Errorf("postgres: schema name %q is longer than 63 bytes", schema)
	}
	if cfg.MaxBatch < 0 {
		return nil, fmt.Errorf("postgres: negative MaxBatch %d", cfg.MaxBatch)
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	pool, owns := cfg.Pool, false
	if pool == nil {
		if cfg.DSN == "" {
			return nil, errors.New("postgres: config has neither DSN nor Pool")
		}
		pcfg, err := pgxpool.ParseConfig(cfg.DSN)
		if err != nil {
			return nil, fmt.Errorf("postgres: parse DSN: %w", err)
		}
		if _, ok := pcfg.ConnConfig.RuntimeParams["application_name"]; !ok {
			pcfg.ConnConfig.RuntimeParams["application_name"] = "durable"
		}
		if pool, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
			return nil, fmt.Errorf("postgres: open pool: %w", err)
		}
		owns = true
	}
	quoted := pgx.Identifier{schema}.Sanitize()
	if err := migrate(ctx, pool, schema); err != nil {
		if owns {
			pool.Close()
		}
		return nil, fmt.Errorf("postgres: migrate schema %s: %w", quoted, err)
	}
	channel := channelName(schema)
	s := &Store{
		pool:     pool,
		ownsPool: owns,
		schema:   schema,
		channel:  channel,
		sql:      newStatements(quoted),
		listen:   newListener(pool.Config().ConnConfig, channel, logger),
	}
	s.ops = groupcommit.New(cfg.MaxBatch, s.runBatch)
	return s, nil
}

// channelName returns the NOTIFY channel of schema. Channel names are
// identifiers, at most 63 bytes.
func channelName(schema string) string {
	name := "durable_" + schema
	if len(name) <= 63 {
		return name
	}
	h := fnv.New64a()
	h.Write([]byte(schema))
	return "durable_" + strconv.FormatUint(h.Sum64(), 16)
}

// Close stops the LISTEN connection and closes the pool if the store
// opened it.
func (s *Store) Close() {
	s.listen.close()
	if s.ownsPool {
		s.pool.Close()
	}
}

// Pool returns the connection pool the store uses.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema returns the Postgres schema that holds the store's tables.
func (s *Store) Schema() string { return s.schema }
