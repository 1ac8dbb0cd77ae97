package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/postgres"
	"github.com/durablegen/durable/runtime/sqlite"
)

// probe wraps a runtime.Store: it counts the calls the engine makes and
// the rows they return, and times checkpoints when asked to.
type probe struct {
	runtime.Store

	mu     sync.Mutex
	calls  map[string]int
	rows   int // instance rows and history rows returned
	timing bool
	cp     latencies // Store.Checkpoint call durations
	cycles latencies // from the end of one checkpoint to the end of the next
	last   time.Time // end of the last timed checkpoint
	after  func()    // run after each timed checkpoint, outside the timings
}

var (
	_ runtime.Store      = (*probe)(nil)
	_ runtime.WorkWaiter = (*probe)(nil)
)

func newProbe(s runtime.Store) *probe { return &probe{Store: s, calls: map[string]int{}} }

func (p *probe) count(call string, rows int) {
	p.mu.Lock()
	p.calls[call]++
	p.rows += rows
	p.mu.Unlock()
}

// reset clears the counters and timings.
func (p *probe) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.calls)
	p.rows = 0
	p.cp = p.cp[:0]
	p.cycles = p.cycles[:0]
	p.last = time.Time{}
}

// newInstance makes the next timed cycle start at the next checkpoint,
// so that it does not span an instance's start.
func (p *probe) newInstance() {
	p.mu.Lock()
	p.last = time.Time{}
	p.mu.Unlock()
}

// snapshot returns the rows read and the calls made since the last reset.
func (p *probe) snapshot() (rows int, calls map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	calls = make(map[string]int, len(p.calls))
	for k, v := range p.calls {
		calls[k] = v
	}
	return p.rows, calls
}

func (p *probe) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	insts, err := p.Store.Claim(ctx, req)
	p.count("Claim", len(insts))
	return insts, err
}

func (p *probe) Get(ctx context.Context, id string) (*runtime.Instance, error) {
	inst, err := p.Store.Get(ctx, id)
	n := 0
	if inst != nil {
		n = 1
	}
	p.count("Get", n)
	return inst, err
}

func (p *probe) History(ctx context.Context, id string) ([]runtime.Event, error) {
	evs, err := p.Store.History(ctx, id)
	p.count("History", len(evs))
	return evs, err
}

func (p *probe) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error {
	p.mu.Lock()
	timing, after := p.timing, p.after
	p.mu.Unlock()
	start := time.Now()
	err := p.Store.Checkpoint(ctx, cp)
	end := time.Now()
	p.mu.Lock()
	p.calls["Checkpoint"]++
	if err == nil {
		p.calls["Checkpoint "+string(cp.Status)]++
	}
	if timing {
		p.cp = append(p.cp, end.Sub(start))
		if !p.last.IsZero() {
			p.cycles = append(p.cycles, end.Sub(p.last))
		}
	}
	p.mu.Unlock()
	if timing && after != nil {
		after()
	}
	if timing {
		p.mu.Lock()
		p.last = time.Now()
		p.mu.Unlock()
	}
	return err
}

// WaitForWork forwards to the wrapped store, so that workers on a probe
// wake as they would on the store itself.
func (p *probe) WaitForWork(ctx context.Context, timeout time.Duration) {
	if ww, ok := p.Store.(runtime.WorkWaiter); ok {
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

// noopStore is a store that keeps only what a run needs: Create queues an
// instance, Claim hands it out once, Checkpoint keeps nothing. It
// measures the generated machine and the engine without a store.
type noopStore struct {
	ready []*runtime.Instance
}

var _ runtime.Store = (*noopStore)(nil)

func (s *noopStore) Create(ctx context.Context, inst *runtime.Instance) (*runtime.Instance, bool, error) {
	c := *inst
	c.Status = runtime.StatusReady
	s.ready = append(s.ready, &c)
	return &c, true, nil
}

func (s *noopStore) Claim(ctx context.Context, req runtime.ClaimRequest) ([]*runtime.Instance, error) {
	if len(s.ready) == 0 {
		return nil, nil
	}
	inst := s.ready[0]
	s.ready = s.ready[1:]
	inst.Status = runtime.StatusRunning
	inst.Epoch++
	return []*runtime.Instance{inst}, nil
}

func (s *noopStore) Checkpoint(ctx context.Context, cp *runtime.Checkpoint) error { return nil }

func (s *noopStore) Heartbeat(ctx context.Context, id string, epoch int64, lease time.Duration) error {
	return nil
}

func (s *noopStore) Signal(ctx context.Context, id, name string, payload []byte) error { return nil }

func (s *noopStore) Get(ctx context.Context, id string) (*runtime.Instance, error) {
	return nil, runtime.ErrNotFound
}

func (s *noopStore) Cancel(ctx context.Context, id, reason string) error { return nil }

func (s *noopStore) History(ctx context.Context, id string) ([]runtime.Event, error) { return nil, nil }

// env is what every measurement shares: a scratch directory and the
// PostgreSQL server.
type env struct {
	dir    string // scratch directory, removed at the end
	pgDSN  string
	pgErr  error // why PostgreSQL is unavailable, if it is
	quick  bool
	nextID int
}

// name returns a fresh name with prefix, for schemas, files and IDs.
func (e *env) name(prefix string) string {
	e.nextID++
	return fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), e.nextID)
}

// optional returns the first of xs, 0 if there is none.
func optional(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	return xs[0]
}

// openSQLite opens our SQLite store on a fresh file with the given
// synchronous mode (and MaxBatch, if given).
func (e *env) openSQLite(sync string, maxBatch ...int) (s *sqlite.Store, path string, closer func(), err error) {
	path = filepath.Join(e.dir, e.name("durable")+".db")
	s, err = sqlite.New(sqlite.Config{Path: path, Synchronous: sync, MaxBatch: optional(maxBatch)})
	if err != nil {
		return nil, "", nil, err
	}
	return s, path, func() { s.Close() }, nil
}

// openPostgres opens our PostgreSQL store (with MaxBatch, if given) in a
// private schema that the returned function drops. The store's sessions
// have the schema's name as their application_name (see backendCPU).
func (e *env) openPostgres(ctx context.Context, maxBatch ...int) (*postgres.Store, func(), error) {
	if e.pgErr != nil {
		return nil, nil, e.pgErr
	}
	schema := e.name("durable_bench")
	pcfg, err := pgxpool.ParseConfig(e.pgDSN)
	if err != nil {
		return nil, nil, err
	}
	pcfg.ConnConfig.RuntimeParams["application_name"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, nil, err
	}
	s, err := postgres.New(ctx, postgres.Config{Pool: pool, Schema: schema, MaxBatch: optional(maxBatch)})
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return s, func() {
		s.Close()
		pool.Close()
		e.dropSchema(schema)
	}, nil
}

// dropSchema drops a schema created by a measurement.
func (e *env) dropSchema(schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, e.pgDSN)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
}
