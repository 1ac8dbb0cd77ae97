package runtime_test

import (
	"context"
	"testing"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

var siteTick = runtime.Site{ID: 1, Kind: "effect", Name: "tick", Pos: "bench.go:1:1"}

// Account is a small struct frame field, encoded with encoding/json.
type Account struct {
	ID    string
	Cents int64
}

// benchFrame is a machine that commits n checkpoints in a loop: each is
// a SideEffect (which records nothing but its site) and a Commit.
type benchFrame struct {
	b       *testing.B
	n       int
	withAcc bool

	pc  int
	i   int
	sum int64
	acc Account
}

func (f *benchFrame) SetInput(n int) { f.n = n }

func (f *benchFrame) MarshalFrame(e *runtime.Encoder) {
	e.Int("pc", int64(f.pc))
	// As durablegen emits them: typed calls for plain integers.
	e.Int("n", int64(f.n))
	e.Int("i", int64(f.i))
	e.Int("sum", f.sum)
	if f.withAcc {
		runtime.Field(e, "acc", f.acc)
	}
}

func (f *benchFrame) UnmarshalFrame(d *runtime.Decoder) error {
	for d.Next() {
		switch d.Key() {
		case "pc":
			f.pc = int(d.Int())
		case "n":
			f.n = int(d.Int())
		case "i":
			f.i = int(d.Int())
		case "sum":
			f.sum = d.Int()
		case "acc":
			runtime.Value(d, &f.acc)
		}
	}
	return d.Err()
}

func (f *benchFrame) Run(x *runtime.Exec) error {
	f.b.StartTimer()
	for {
		switch f.pc {
		case 0:
			if f.i == f.n {
				f.b.StopTimer()
				return runtime.Return(x, f.sum, nil)
			}
			f.i++
			f.sum += runtime.SideEffect(x, &siteTick, func() int64 { return int64(f.i) })
			if err := x.Commit(&f.pc, 0); err != nil {
				return err
			}
		}
	}
}

// BenchmarkCheckpoint measures the engine's cost of one checkpoint
// (SideEffect + Commit) on the in-memory store: frame encoding, the
// Checkpoint built and the store's own work. One op is one checkpoint.
func BenchmarkCheckpoint(b *testing.B) {
	for _, bc := range []struct {
		name     string
		withAcc  bool
		observer runtime.Observer
	}{
		{"ints", false, nil},
		{"struct", true, nil},
		// The cost of the calls to an observer that does nothing.
		{"ints-observed", false, nopObserver{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.StopTimer()
			const chunk = 10000 // checkpoints per instance, so history memory stays bounded
			ctx := context.Background()
			for done := 0; done < b.N; done += chunk {
				wf := durable.NewWorkflow[int, int64]("bench.Loop", "v1", func() any {
					return &benchFrame{b: b, withAcc: bc.withAcc, acc: Account{ID: "acct-42", Cents: 1000}}
				})
				store := memstore.New()
				w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: quiet(), Observer: bc.observer})
				if err := w.Register(wf); err != nil {
					b.Fatal(err)
				}
				if _, err := runtime.Start(ctx, runtime.NewClient(store), wf, "loop", min(chunk, b.N-done)); err != nil {
					b.Fatal(err)
				}
				if n, err := w.Drain(ctx); n != 1 || err != nil {
					b.Fatalf("Drain() = %d, %v, want 1, nil", n, err)
				}
			}
		})
	}
}

// nopObserver implements every observer interface and does nothing.
type nopObserver struct{}

func (nopObserver) RunStart(ctx context.Context, _ runtime.RunInfo) context.Context { return ctx }
func (nopObserver) RunEnd(context.Context, runtime.RunInfo, runtime.RunEnd)         {}
func (nopObserver) StepStart(ctx context.Context, _ runtime.StepInfo) context.Context {
	return ctx
}
func (nopObserver) StepEnd(context.Context, runtime.StepInfo, runtime.StepEnd) {}
func (nopObserver) Committed(context.Context, runtime.CommitInfo)              {}
