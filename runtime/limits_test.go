package runtime_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
	"github.com/durablegen/durable/runtime/postgres"
	"github.com/durablegen/durable/runtime/sqlite"
)

// TestClientLimits checks that the client refuses IDs, names and payloads
// no store can keep, before it calls the store, with errors that say
// which limit and do not repeat a long ID whole.
func TestClientLimits(t *testing.T) {
	wf := helloWorkflow()
	h := newHarness(t, runtime.WorkerOptions{}, wf)
	ctx := context.Background()
	mustStart(t, h.client, wf, "ok", "")
	long := strings.Repeat("x", 1<<20)
	big := strings.Repeat("y", runtime.DefaultMaxPayload)
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"start long ID", func() error { _, err := runtime.Start(ctx, h.client, wf, long, ""); return err }, runtime.ErrInvalidID},
		{"start ID one byte too long", func() error {
			_, err := runtime.Start(ctx, h.client, wf, strings.Repeat("x", runtime.MaxIDLength+1), "")
			return err
		}, runtime.ErrInvalidID},
		{"start control character", func() error { _, err := runtime.Start(ctx, h.client, wf, "a\tb", ""); return err }, runtime.ErrInvalidID},
		{"start not UTF-8", func() error { _, err := runtime.Start(ctx, h.client, wf, "a\xffb", ""); return err }, runtime.ErrInvalidID},
		{"start input too large", func() error { _, err := runtime.Start(ctx, h.client, wf, "big", big); return err }, runtime.ErrTooLarge},
		{"signal long ID", func() error { return h.client.Signal(ctx, long, "hello", "x") }, runtime.ErrInvalidID},
		{"signal long name", func() error { return h.client.Signal(ctx, "ok", strings.Repeat("n", runtime.MaxNameLength+1), "x") }, runtime.ErrInvalidID},
		{"signal NUL name", func() error { return h.client.Signal(ctx, "ok", "hel\x00lo", "x") }, runtime.ErrInvalidID},
		{"signal payload too large", func() error { return h.client.Signal(ctx, "ok", "hello", big) }, runtime.ErrTooLarge},
		{"get long ID", func() error { _, err := h.client.Get(ctx, long); return err }, runtime.ErrInvalidID},
		{"cancel long ID", func() error { return h.client.Cancel(ctx, long, "x") }, runtime.ErrInvalidID},
		{"history long ID", func() error { _, err := h.client.History(ctx, long); return err }, runtime.ErrInvalidID},
		{"state long ID", func() error { _, err := h.client.State(ctx, long); return err }, runtime.ErrInvalidID},
		{"result long ID", func() error { _, err := runtime.Attach[string](h.client, long).Result(ctx); return err }, runtime.ErrInvalidID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, tc.want) {
				t.Fatalf("%s = %v, want %v", tc.name, err, tc.want)
			}
			if len(err.Error()) > 300 {
				t.Errorf("%s error is %d bytes long, want it short: %.200s...", tc.name, len(err.Error()), err)
			}
		})
	}
	raised := runtime.NewClient(h.store, runtime.WithMaxPayload(2*runtime.DefaultMaxPayload))
	if _, err := runtime.Start(ctx, raised, wf, "big", big); err != nil {
		t.Errorf("Start(input under a raised limit) = %v, want nil", err)
	}
}

// TestWorkerLimits checks that a workflow whose frame or output grows over
// the worker's MaxPayload fails with ErrTooLarge, and that a stored frame
// over it fails its instance without being decoded.
func TestWorkerLimits(t *testing.T) {
	const limit = 4 << 10
	site := runtime.Site{ID: 1, Kind: "effect", Name: "Grow"}
	grow := func(name string, n int, inFrame bool) *durable.Workflow[string, string] {
		return durable.NewWorkflow[string, string]("example.com/grow."+name, "v1", func() any {
			return &funcFrame[string]{run: func(x *runtime.Exec, f *funcFrame[string]) error {
				for {
					switch f.pc {
					case 0:
						v := runtime.SideEffect(x, &site, func() string { return strings.Repeat("z", n) })
						if inFrame {
							f.v = v
						}
						if err := x.Commit(&f.pc, 1); err != nil {
							return err
						}
					case 1:
						return runtime.Return(x, f.v+strings.Repeat("o", n), nil)
					}
				}
			}}
		})
	}
	tests := []struct {
		name    string
		wf      *durable.Workflow[string, string]
		frame   int // a stored frame of this size, if not 0
		wantErr string
	}{
		{"frame", grow("frame", 2*limit, true), 0, "frame of instance w at checkpoint 1 is"},
		{"output", grow("output", 2*limit, false), 0, "output of instance w is"},
		{"stored frame", grow("stored", 1, false), 2 * limit, "stored frame of instance w is"},
		{"under the limit", grow("small", limit/4, true), 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, runtime.WorkerOptions{MaxPayload: limit}, tc.wf)
			ctx := context.Background()
			if tc.frame > 0 {
				frame := `{"pc":0,"v":"` + strings.Repeat("s", tc.frame) + `"}`
				if _, _, err := h.store.Create(ctx, &runtime.Instance{ID: "w", Workflow: tc.wf.Name(), Version: tc.wf.Version(), Frame: []byte(frame)}); err != nil {
					t.Fatal(err)
				}
			} else {
				mustStart(t, h.client, tc.wf, "w", "")
			}
			mustDrain(t, h.worker, 1)
			_, err := runtime.Attach[string](h.client, "w").Result(ctx)
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("Result() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "WorkerOptions.MaxPayload") {
				t.Errorf("Result() = %v, want an error with %q naming the limit", err, tc.wantErr)
			}
			if inst := h.get("w"); inst.Status != runtime.StatusFailed {
				t.Errorf("status = %s, want failed", inst.Status)
			}
		})
	}
}

// TestTextSameOnEveryStore checks that text the runtime stores in text
// columns (the error of a step, the reason of a cancel) is kept the same
// way by every store, whatever bytes it holds: PostgreSQL refuses NUL
// bytes and invalid UTF-8 that SQLite would keep.
func TestTextSameOnEveryStore(t *testing.T) {
	stores := map[string]func(t *testing.T) runtime.Store{
		"memstore": func(*testing.T) runtime.Store { return memstore.New() },
		"sqlite": func(t *testing.T) runtime.Store {
			s, err := sqlite.Open(filepath.Join(t.TempDir(), "text.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"postgres": postgresStore,
	}
	const bad = "bad \x00 byte and \xff"
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			store := open(t)
			ctx := context.Background()
			env := &stepEnv{policy: durable.Policy{MaxAttempts: 1}, step: func(context.Context) (string, error) { return "", errors.New(bad) }}
			wf := oneWorkflow(env)
			w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet()})
			register(t, w, wf)
			c := runtime.NewClient(store)
			hd := mustStart(t, c, wf, "t", "")
			if _, err := w.Drain(ctx); err != nil {
				t.Fatalf("Drain() = %v, want nil", err)
			}
			// The error codec keeps NUL and replaces bytes that are not UTF-8.
			if _, err := hd.Result(ctx); err == nil || err.Error() != "bad \x00 byte and \uFFFD" {
				t.Errorf("Result() = %q, want the step's error", err)
			}
			evs, err := c.History(ctx, "t")
			if err != nil || len(evs) != 2 || evs[0].Error != "bad \uFFFD byte and \uFFFD" {
				t.Errorf("History() = %+v, %v, want the step's error with its bad bytes replaced", evs, err)
			}
			waiting := mustStart(t, c, helloWorkflow(), "c", "")
			if err := c.Cancel(ctx, waiting.ID(), bad); err != nil {
				t.Fatalf("Cancel() = %v, want nil", err)
			}
			if inst, err := c.Get(ctx, "c"); err != nil || inst.Error != "bad \uFFFD byte and \uFFFD" {
				t.Errorf("Get() = %+v, %v, want canceled with the reason's bad bytes replaced", inst, err)
			}
		})
	}
}

// postgresStore opens a PostgreSQL store on a schema of its own, dropped
// when the test ends, or skips the test without DURABLE_POSTGRES_DSN.
func postgresStore(t *testing.T) runtime.Store {
	dsn := os.Getenv("DURABLE_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("set DURABLE_POSTGRES_DSN to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run this on PostgreSQL too")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "dg_runtime_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	s, err := postgres.New(ctx, postgres.Config{DSN: dsn, Schema: schema, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := s.Pool().Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		s.Close()
	})
	return s
}

// TestChildIDTooLong checks that a parent whose ID leaves no room for its
// child's gets the child's start refused as a permanent error, which it
// returns, instead of an instance no store takes.
func TestChildIDTooLong(t *testing.T) {
	site := runtime.Site{ID: 1, Kind: "child", Name: "example.com/nap.Nap"}
	child := napWorkflow(0)
	parent := durable.NewWorkflow[int, int]("example.com/parent.P", "v1", func() any {
		return &funcFrame[int]{run: func(x *runtime.Exec, f *funcFrame[int]) error {
			for {
				switch f.pc {
				case 0:
					f.v, f.err = runtime.Child(x, &site, child, f.v)
					if err := x.Commit(&f.pc, 1); err != nil {
						return err
					}
				case 1:
					return runtime.Return(x, f.v, f.err)
				}
			}
		}}
	})
	h := newHarness(t, runtime.WorkerOptions{}, parent, child)
	id := strings.Repeat("p", runtime.MaxIDLength-3)
	hd := mustStart(t, h.client, parent, id, 1)
	mustDrain(t, h.worker, 1)
	_, err := hd.Result(context.Background())
	if err == nil || !strings.Contains(err.Error(), "start child workflow example.com/nap.Nap") || !strings.Contains(err.Error(), "over the limit of 1000") {
		t.Errorf("Result() = %.300v, want the child's start refused for its ID's length", err)
	}
}
