package equiv

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// TestArgsOnce: a step's arguments are evaluated once, before the first
// attempt; the retry that resumes after a suspension reuses them (the
// effects of one step key are counted once, so a second evaluation
// shows as an extra "issue" effect and a different result).
func TestArgsOnce(t *testing.T) {
	r := durabletest.Run(t, ArgsOnceWorkflow, 4, durabletest.WithLog(Effects))
	if r.Err != nil || r.Result != "id-5 id-60 6" {
		t.Errorf("ArgsOnce(4) = %q, %v; want %q", r.Result, r.Err, "id-5 id-60 6")
	}
	if got, want := strings.Join(Effects.Effects(durabletest.InstanceID), "|"), "issue 5|issue 60"; got != want {
		t.Errorf("effects = %q, want %q", got, want)
	}
}

// TestArgPanic: a panic while evaluating a step's argument is the
// workflow's panic, as in the direct call: the instance fails with it and
// its source position, and the step never runs.
func TestArgPanic(t *testing.T) {
	direct := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		_, _ = ArgPanic(durable.Background(), 5)
		return ""
	}()
	if !strings.Contains(direct, "index out of range") {
		t.Fatalf("direct ArgPanic(5) panicked with %q, want an index out of range", direct)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	store := memstore.New()
	w := runtime.NewWorker(store, runtime.WorkerOptions{Concurrency: 1, PollInterval: 10 * time.Millisecond})
	w.Register(ArgPanicWorkflow)
	go w.Run(ctx)
	h, err := runtime.Start(ctx, runtime.NewClient(store), ArgPanicWorkflow, "arg-panic", 5)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Result(ctx)
	src, rerr := os.ReadFile("args.go")
	if rerr != nil {
		t.Fatal(rerr)
	}
	line := 1 + strings.Count(string(src[:strings.Index(string(src), "return Echo(ctx, xs[i])")]), "\n")
	at := fmt.Sprintf("args.go:%d", line)
	if err == nil || !strings.Contains(err.Error(), "panicked") || !strings.Contains(err.Error(), "index out of range") || !strings.Contains(err.Error(), at) {
		t.Errorf("ArgPanic(5) through its machine: %v; want the workflow's panic at %s", err, at)
	}
	if got := strings.Join(Effects.All("arg-panic"), "|"); got != "echo before" {
		t.Errorf("effects = %q, want only %q (the failing step never runs)", got, "echo before")
	}
}

// TestChildArgs: a child's input is evaluated once, though the parent
// resumes while it waits for the child.
func TestChildArgs(t *testing.T) {
	r := durabletest.Run(t, ChildArgsWorkflow, []string{"ann", "bob"}, durabletest.WithLog(Effects), durabletest.WithChildren(DripWorkflow))
	if want := "welcome ann1+tips ann1;welcome bob2+tips bob2;2"; r.Err != nil || r.Result != want {
		t.Errorf("ChildArgs = %q, %v; want %q", r.Result, r.Err, want)
	}
}

// TestArgsOnly: values that only feed a step's arguments need not be
// stored.
func TestArgsOnly(t *testing.T) {
	r := durabletest.Run(t, ArgsOnlyWorkflow, []string{"a", "b"}, durabletest.WithLog(Effects))
	if want := "ab id-3"; r.Err != nil || r.Result != want {
		t.Errorf("ArgsOnly = %q, %v; want %q", r.Result, r.Err, want)
	}
}
