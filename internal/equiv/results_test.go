package equiv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/durablegen/durable/durabletest"
	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
)

// TestSeveralResults runs a workflow whose steps have several results,
// directly and through its machine under the crash matrix: a
// three-result step whose retry suspends the instance, a two-value step
// retried in memory, results discarded or forwarded, a step that fails
// with results (Go assigns them anyway), and a compensation with several
// results.
func TestSeveralResults(t *testing.T) {
	log := durabletest.WithLog(Effects)
	tests := []struct {
		in      int
		want    string
		wantErr string
		effects string
	}{
		{0, "3/7 0..3 seat-0 10 0", "", "quot 3 7|bounds [0 3 0]|reserve 0|quot 30 1|bounds [0 0 3]"},
		{2, "17/7 0..3 seat-2 8 0", "", "quot 17 7|bounds [2 3 2]|reserve 2|quot 30 3|bounds [0 2 3]"},
		{5, "", "38/7 2..5: too many", "quot 38 7|bounds [5 3 5]|reserve 5|quot 50 4|bounds [2 5 5]|release seat-5"},
		{11, "", "held partial, -1 left: cannot hold 11 seats", "quot 80 7|bounds [11 3 11]|reserve 11"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.in), func(t *testing.T) {
			r := durabletest.Run(t, SeveralResultsWorkflow, tc.in, log)
			gotErr := ""
			if r.Err != nil {
				gotErr = r.Err.Error()
			}
			if r.Result != tc.want || gotErr != tc.wantErr {
				t.Errorf("SeveralResults(%d) = %q, %q; want %q, %q", tc.in, r.Result, gotErr, tc.want, tc.wantErr)
			}
			if got := strings.Join(Effects.Effects(durabletest.InstanceID), "|"); got != tc.effects {
				t.Errorf("effects = %q, want %q", got, tc.effects)
			}
			t.Logf("%d checkpoints, %d crash runs", r.Checkpoints, r.CrashRuns)
		})
	}
}

// TestQuotLoop: a step with several results whose arguments read the
// variables its results go to, retried after a suspension.
func TestQuotLoop(t *testing.T) {
	r := durabletest.Run(t, QuotLoopWorkflow, 41, durabletest.WithLog(Effects))
	if want := "5 1 11/2"; r.Err != nil || r.Result != want {
		t.Errorf("QuotLoop(41) = %q, %v; want %q", r.Result, r.Err, want)
	}
	if got, want := strings.Join(Effects.Effects(durabletest.InstanceID), "|"), "quot 41 2|quot 21 2|quot 11 2"; got != want {
		t.Errorf("effects = %q, want %q", got, want)
	}
}

// TestSeveralResultsStub replaces a step with several results by a fake.
func TestSeveralResultsStub(t *testing.T) {
	fake := durabletest.Stub(Quot, func(ctx context.Context, a, b int) (int, int, string, error) {
		return 1, 2, fmt.Sprintf("fake %d/%d", a, b), nil
	})
	r := durabletest.Run(t, SeveralResultsWorkflow, 0, fake, durabletest.WithLog(Effects))
	if want := "fake 3/7 1..2 seat-1 9 2"; r.Err != nil || r.Result != want {
		t.Errorf("SeveralResults(0) with a fake Quot = %q, %v; want %q", r.Result, r.Err, want)
	}
}

// TestSeveralResultsHistory: the history event of a step with several
// results holds them as one array, after the retry that suspended.
func TestSeveralResultsHistory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	store := memstore.NewWithClock(clock)
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := w.Register(SeveralResultsWorkflow); err != nil {
		t.Fatal(err)
	}
	c := runtime.NewClient(store)
	h, err := runtime.Start(ctx, c, SeveralResultsWorkflow, "several-results", 2)
	if err != nil {
		t.Fatal(err)
	}
	for range 4 { // each Quot suspends once for its retry
		if _, err := w.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		now = now.Add(2 * time.Hour)
		mu.Unlock()
	}
	got, err := h.Result(ctx)
	if want := "17/7 0..3 seat-2 8 0"; err != nil || got != want {
		t.Fatalf("SeveralResults(2) = %q, %v; want %q", got, err, want)
	}
	events, err := c.History(ctx, "several-results")
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, ev := range events {
		if ev.Kind == "step" || ev.Kind == "retry" {
			steps = append(steps, fmt.Sprintf("%s %s %s", ev.Kind, ev.Name, ev.Detail))
		}
	}
	want := []string{
		"retry Quot ",
		`step Quot [2,3,"17/7"]`,
		"step Bounds [2,3]",
		`step Reserve ["seat-2",8,false]`,
		"retry Quot ",
		`step Quot [10,0,"30/3"]`,
		"step Bounds [0,3]",
	}
	if g, w := strings.Join(steps, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("step events:\n%s\nwant:\n%s", g, w)
	}
}

// TestSeveralValuesFail: a step with several results and no error that
// fails for good (it panics on every attempt) fails the workflow with its
// panic.
func TestSeveralValuesFail(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	store := memstore.New()
	w := runtime.NewWorker(store, runtime.WorkerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := w.Register(HalvesFailWorkflow); err != nil {
		t.Fatal(err)
	}
	c := runtime.NewClient(store)
	for _, tc := range []struct {
		in       int
		want     int
		wantErr  string
		attempts int
	}{{7, 12, "", 1}, {-4, 0, "step Halves panicked: halves of -4", 2}} {
		id := fmt.Sprint("halves-", tc.in)
		h, err := runtime.Start(ctx, c, HalvesFailWorkflow, id, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := h.Result(ctx)
		if tc.wantErr == "" && (err != nil || got != tc.want) || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("HalvesFail(%d) = %d, %v; want %d, %q", tc.in, got, err, tc.want, tc.wantErr)
		}
		if got := len(Effects.All(id)); got != tc.attempts {
			t.Errorf("HalvesFail(%d) ran Halves %d times, want %d", tc.in, got, tc.attempts)
		}
	}
}
