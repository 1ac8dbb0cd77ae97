package equiv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/durablegen/durable"
	durableruntime "github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// TestPanicPositions checks that a panic in workflow code reports the line
// of the source the user wrote, in the direct call and in the machine,
// whatever the generated code's layout: inside a multi-line if (condition
// and body), in an argument of a multi-line call, in a lowered loop, in
// the condition of a lowered if and after a checkpoint.
func TestPanicPositions(t *testing.T) {
	src, err := filepath.Abs("panics.go")
	if err != nil {
		t.Fatal(err)
	}
	want := markedLines(t, src)
	for _, where := range []string{"if", "cond", "arg", "loop", "lowered", "after"} {
		t.Run(where, func(t *testing.T) {
			line, ok := want[where]
			if !ok {
				t.Fatalf("panics.go has no line marked panic: %s", where)
			}
			wantPos := fmt.Sprintf("%s:%d", src, line)
			if got := directPanic(where); got != wantPos {
				t.Errorf("Panics(%q) called directly panics at %s, want %s", where, got, wantPos)
			}
			if got := machinePanic(t, where); got != wantPos {
				t.Errorf("Panics(%q) through its machine panics at %s, want %s", where, got, wantPos)
			}
		})
	}
}

// markedLines returns the lines of file marked "// panic: name", by name.
func markedLines(t *testing.T, file string) map[string]int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for i, l := range strings.Split(string(data), "\n") {
		if _, name, ok := strings.Cut(l, "// panic: "); ok {
			out[strings.TrimSpace(name)] = i + 1
		}
	}
	return out
}

// directPanic calls Panics directly and returns file:line of the frame of
// Panics that panicked.
func directPanic(where string) (pos string) {
	defer func() {
		if recover() == nil {
			pos = "no panic"
			return
		}
		var pcs [32]uintptr
		frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs[:])])
		for {
			f, more := frames.Next()
			if strings.HasSuffix(f.Function, "equiv.Panics") {
				pos = fmt.Sprintf("%s:%d", f.File, f.Line)
				return
			}
			if !more {
				pos = "no frame of Panics"
				return
			}
		}
	}()
	_, _ = Panics(durable.Background(), where)
	return "no panic"
}

var failedAt = regexp.MustCompile(`\(at \S+ (\S+:\d+)\)`)

// machinePanic runs Panics through its machine and returns the file:line
// of its failure message.
func machinePanic(t *testing.T, where string) string {
	t.Helper()
	ctx := context.Background()
	store := memstore.New()
	w := durableruntime.NewWorker(store, durableruntime.WorkerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := w.Register(PanicsWorkflow); err != nil {
		t.Fatal(err)
	}
	h, err := durableruntime.Start(ctx, durableruntime.NewClient(store), PanicsWorkflow, "panics-"+where, where)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = h.Result(ctx)
	if err == nil {
		return "no failure"
	}
	var m []string
	for e := err; e != nil && m == nil; e = errors.Unwrap(e) {
		m = failedAt.FindStringSubmatch(e.Error())
	}
	if m == nil {
		return "no position in " + err.Error()
	}
	return m[1]
}
