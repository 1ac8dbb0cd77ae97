package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
)

type stubRecv struct{}

func (stubRecv) Value(ctx context.Context) (int, error)    { return 1, nil }
func (*stubRecv) Pointer(ctx context.Context) (int, error) { return 2, nil }

func stubValue(ctx context.Context) int { return 1 }

func stubFunc(ctx context.Context, n int) (int, error) { return n, nil }

func TestStubName(t *testing.T) {
	const pkg = "github.com/durablegen/durable/runtime_test."
	tests := []struct {
		fn   any
		want string
	}{
		{stubFunc, pkg + "stubFunc"},
		{stubRecv{}.Value, pkg + "stubRecv.Value"},
		{stubRecv.Value, pkg + "stubRecv.Value"},
		{(*stubRecv)(nil).Pointer, pkg + "(*stubRecv).Pointer"},
		{(*stubRecv).Pointer, pkg + "(*stubRecv).Pointer"},
	}
	for _, tc := range tests {
		got, err := runtime.StubName(tc.fn)
		if err != nil || got != tc.want {
			t.Errorf("StubName(%T) = %q, %v; want %q", tc.fn, got, err, tc.want)
		}
	}
	for _, bad := range []any{nil, 3, func() {}, (func())(nil)} {
		if name, err := runtime.StubName(bad); err == nil {
			t.Errorf("StubName(%T) = %q, want an error", bad, name)
		}
	}
}

func TestStub(t *testing.T) {
	ctx := context.Background()
	if got, _ := runtime.Stub(ctx, stubFunc)(ctx, 7); got != 7 {
		t.Fatalf("without stubs, Stub(stubFunc)(7) = %d, want the step itself", got)
	}
	name, _ := runtime.StubName(stubFunc)
	fake := func(ctx context.Context, n int) (int, error) { return -n, nil }
	sctx := runtime.WithStubs(ctx, map[string]any{name: fake})
	if got, _ := runtime.Stub(sctx, stubFunc)(sctx, 7); got != -7 {
		t.Errorf("Stub(stubFunc)(7) = %d, want the fake's -7", got)
	}
	if got, _ := runtime.Stub(ctx, stubFunc)(ctx, 7); got != 7 {
		t.Errorf("a context without stubs got the fake: %d", got)
	}
	// A wrapper gets the step itself.
	wrap := func(step func(context.Context, int) (int, error)) func(context.Context, int) (int, error) {
		return func(ctx context.Context, n int) (int, error) {
			v, err := step(ctx, n)
			return v * 10, err
		}
	}
	wctx := runtime.WithStubs(ctx, map[string]any{name: wrap})
	if got, _ := runtime.Stub(wctx, stubFunc)(wctx, 7); got != 70 {
		t.Errorf("Stub(stubFunc)(7) with a wrapper = %d, want the wrapped step's 70", got)
	}
	// A fake of another type fails the step for good, never calls the step.
	wrong := runtime.WithStubs(ctx, map[string]any{name: func(context.Context) error { return nil }})
	_, err := runtime.Stub(wrong, stubFunc)(wrong, 7)
	if err == nil || !durable.IsPermanent(err) || !strings.Contains(err.Error(), "stub for step "+name+" has type") {
		t.Errorf("a fake of the wrong type gave %v, want a permanent error naming the types", err)
	}
	// Without an error result, the failure is a panic (a failed attempt).
	noErr := stubValue
	nname, _ := runtime.StubName(noErr)
	wrong = runtime.WithStubs(ctx, map[string]any{nname: 3})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "has type int") {
			t.Errorf("recovered %v, want the type mismatch", r)
		}
	}()
	runtime.Stub(wrong, noErr)(wrong)
}
