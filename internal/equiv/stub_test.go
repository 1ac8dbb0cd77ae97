package equiv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/internal/equiv/ext"
)

// TestStubs replaces steps of every shape with fakes — a function, a
// value-receiver method, a variadic step, a step of another package, a
// durable.Do closure — and checks that the machine calls the fakes, under
// the whole crash matrix, by results the real steps cannot produce.
func TestStubs(t *testing.T) {
	mulAdd := durabletest.Stub(Add, func(ctx context.Context, a, b int) (int, error) {
		Effects.Add(ctx, fmt.Sprintf("fake add %d %d", a, b))
		return a * b, nil
	})
	t.Run("function", func(t *testing.T) {
		// Add(4,1)=4, b=8, Add(8,4)=32: 32+8.
		r := durabletest.Run(t, SequenceWorkflow, 4, durabletest.WithLog(Effects), mulAdd)
		if r.Err != nil || r.Result != 40 {
			t.Errorf("Sequence(4) with a multiplying Add = %v, %v; want 40", r.Result, r.Err)
		}
		want := "fake add 4 1|fake add 8 4"
		if got := strings.Join(Effects.Effects(durabletest.InstanceID), "|"); got != want {
			t.Errorf("effects = %q, want %q", got, want)
		}
	})
	t.Run("method", func(t *testing.T) {
		// The fake ignores the receiver's factor: Mul(n) = n+100.
		plus := durabletest.Stub(Calc{}.Mul, func(ctx context.Context, n int) (int, error) { return n + 100, nil })
		r := durabletest.Run(t, ClosuresWorkflow, 5, plus)
		// a=105, label "105", factor 6, b=205, 3*205.
		if r.Err != nil || r.Result != 615 {
			t.Errorf("Closures(5) with a fake Mul = %v, %v; want 615", r.Result, r.Err)
		}
	})
	t.Run("variadic", func(t *testing.T) {
		count := durabletest.Stub(Sum, func(ctx context.Context, xs ...int) (int, error) { return len(xs), nil })
		r := durabletest.Run(t, VariadicWorkflow, 2, count)
		want, err := Variadic(durable.Background(), 2)
		if r.Err != nil || err != nil || r.Result == want {
			t.Errorf("Variadic(2) with a counting Sum = %v, %v; the real steps give %v, %v", r.Result, r.Err, want, err)
		}
	})
	t.Run("imported", func(t *testing.T) {
		rev := durabletest.Stub(ext.Upper, func(ctx context.Context, r ext.Recorder, s string) (string, error) {
			if s == "stop" {
				return "", durable.Permanent(errors.New("fake refuses stop"))
			}
			return "<" + s + ">", nil
		})
		r := durabletest.Run(t, ImportedWorkflow, []string{"a", "b", "stop", "c"}, rev)
		if r.Err == nil || r.Err.Error() != "word 2: fake refuses stop" {
			t.Errorf("Imported with a fake Upper failed with %v; want word 2: fake refuses stop", r.Err)
		}
		r = durabletest.Run(t, ImportedWorkflow, []string{"a", "b"}, rev)
		if r.Err != nil || r.Result != "<a> <b>" {
			t.Errorf("Imported with a fake Upper = %q, %v; want \"<a> <b>\"", r.Result, r.Err)
		}
	})
	t.Run("do", func(t *testing.T) {
		cube := durabletest.StubDo("square", func(ctx context.Context) (int, error) { return 1000, nil })
		r := durabletest.Run(t, InlineWorkflow, 3, cube)
		if r.Err != nil || r.Result != "1000 1001 true" {
			t.Errorf("Inline(3) with a fake square = %q, %v; want \"1000 1001 true\"", r.Result, r.Err)
		}
	})
}

// TestStubMistakes checks that a stub that cannot apply stops the test
// with a message saying what to pass instead.
func TestStubMistakes(t *testing.T) {
	tests := []struct {
		name string
		opts []durabletest.Option
		want string
	}{
		{"method expression", []durabletest.Option{durabletest.Stub(Calc.Mul, func(Calc, context.Context, int) (int, error) { return 0, nil })}, "is a method expression; pass a method value instead"},
		{"function literal", []durabletest.Option{durabletest.Stub(func(ctx context.Context) error { return nil }, func(context.Context) error { return nil })}, "is a function literal"},
		{"nil fake", []durabletest.Option{durabletest.Stub(Echo, nil)}, "the fake for github.com/durablegen/durable/internal/equiv.Echo is nil"},
		{"not a step", []durabletest.Option{durabletest.Stub(strings.ToUpper, strings.ToLower)}, "is not a step: a step takes a context.Context first"},
		{"twice", []durabletest.Option{durabletest.Stub(Echo, Echo), durabletest.Stub(Echo, Echo)}, "is stubbed twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fatalTB{TB: t}
			func() {
				defer func() {
					if r := recover(); r != nil && r != errFatal {
						panic(r)
					}
				}()
				durabletest.Run(ft, SequenceWorkflow, 1, tc.opts...)
			}()
			if !strings.Contains(ft.msg, tc.want) {
				t.Errorf("Run stopped with %q, want it to say %q", ft.msg, tc.want)
			}
		})
	}
}

var errFatal = errors.New("fatal")

// fatalTB records the first Fatalf and stops the run there.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(errFatal)
}
