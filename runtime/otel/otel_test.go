package otel_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/durablegen/durable/runtime"
	"github.com/durablegen/durable/runtime/memstore"
	durableotel "github.com/durablegen/durable/runtime/otel"
	"github.com/durablegen/durable/runtime/otel/internal/orders"
)

var errCrash = errors.New("crash")

// fakeClock is the durable clock of the store and workers of a test.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a store with an observer on an in-memory span recorder and a
// manual metric reader.
type env struct {
	t      *testing.T
	clock  *fakeClock
	store  *memstore.Store
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	obs    *durableotel.Observer
	client *runtime.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: &fakeClock{now: time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)}}
	e.store = memstore.NewWithClock(e.clock.Now)
	e.spans = tracetest.NewSpanRecorder()
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	e.reader = sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	obs, err := durableotel.New(durableotel.Config{TracerProvider: e.tp, MeterProvider: mp})
	if err != nil {
		t.Fatalf("New() error = %v, want nil", err)
	}
	e.obs = obs
	e.client = runtime.NewClient(e.store, runtime.WithObserver(obs))
	return e
}

// worker returns a worker named owner on the environment's store and
// clock, with hooks.
func (e *env) worker(owner string, hooks runtime.Hooks, logger *slog.Logger) *runtime.Worker {
	e.t.Helper()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := runtime.NewWorker(e.store, runtime.WorkerOptions{
		Owner:    owner,
		Observer: e.obs,
		Hooks:    hooks,
		Logger:   logger,
		Now:      e.clock.Now,
	})
	if err := w.Register(orders.OrderWorkflow); err != nil {
		e.t.Fatal(err)
	}
	if err := w.Register(orders.ShipWorkflow); err != nil {
		e.t.Fatal(err)
	}
	if err := w.Register(orders.BundleWorkflow); err != nil {
		e.t.Fatal(err)
	}
	return w
}

// drain runs w until nothing is runnable and returns its runs' errors.
func drain(t *testing.T, w *runtime.Worker) error {
	t.Helper()
	_, err := w.Drain(context.Background())
	return err
}

// crashAfterFirstStep is a hook that crashes the run after the attempts
// of its first step, before the step's checkpoint commits.
func crashAfterFirstStep() runtime.Hooks {
	crashed := false
	return runtime.Hooks{AfterStep: func(id string, seq int64, s *runtime.Site) error {
		if crashed {
			return nil
		}
		crashed = true
		return fmt.Errorf("after step %s: %w", s.Name, errCrash)
	}}
}

// runOrder starts an order under the span "request", crashes its first
// run after its first step, resumes it on another worker once the lease
// expired, approves it under the span "approve" and runs it to its end.
// It returns the trace's two client spans.
func (e *env) runOrder(in orders.Request) (request, approve trace.SpanContext) {
	e.t.Helper()
	ctx := context.Background()
	tracer := e.tp.Tracer("test")
	rctx, rspan := tracer.Start(ctx, "request")
	h, err := runtime.Start(rctx, e.client, orders.OrderWorkflow, "order-1", in)
	rspan.End()
	if err != nil {
		e.t.Fatalf("Start() error = %v, want nil", err)
	}
	if err := drain(e.t, e.worker("worker-a", crashAfterFirstStep(), nil)); !errors.Is(err, errCrash) {
		e.t.Fatalf("Drain(worker-a) error = %v, want %v", err, errCrash)
	}
	e.clock.Add(time.Minute) // worker-a's lease expires
	b := e.worker("worker-b", runtime.Hooks{}, nil)
	if err := drain(e.t, b); err != nil {
		e.t.Fatalf("Drain(worker-b) error = %v, want nil", err)
	}
	if inst, _ := e.client.Get(ctx, h.ID()); inst.Status != runtime.StatusWaiting {
		e.t.Fatalf("status after worker-b's first drain = %s, want waiting", inst.Status)
	}
	actx, aspan := tracer.Start(ctx, "approve")
	err = e.client.Signal(actx, h.ID(), "approve", true)
	aspan.End()
	if err != nil {
		e.t.Fatalf("Signal() error = %v, want nil", err)
	}
	if err := drain(e.t, b); err != nil {
		e.t.Fatalf("Drain(worker-b) after the approval error = %v, want nil", err)
	}
	return rspan.SpanContext(), aspan.SpanContext()
}

// spanTree indexes the ended spans of a recorder.
type spanTree struct {
	spans []sdktrace.ReadOnlySpan
	byID  map[trace.SpanID]sdktrace.ReadOnlySpan
}

func treeOf(r *tracetest.SpanRecorder) spanTree {
	t := spanTree{spans: r.Ended(), byID: map[trace.SpanID]sdktrace.ReadOnlySpan{}}
	for _, s := range t.spans {
		t.byID[s.SpanContext().SpanID()] = s
	}
	return t
}

// named returns the spans called name, in the order they ended.
func (t spanTree) named(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range t.spans {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// children returns the names of the spans whose parent is p, sorted.
func (t spanTree) children(p sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range t.spans {
		if s.Parent().SpanID() == p.SpanContext().SpanID() {
			out = append(out, s.Name())
		}
	}
	slices.Sort(out)
	return out
}

func attr(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// TestTraceAcrossCrashAndResume runs an order whose first run crashes
// after its first step and that resumes on another worker, waits for a
// signal and starts a child: everything is one trace under the client's
// span, every run of the order is a child of its start's span (also
// those that resumed after the crash and after the signal), the child's
// run a child of the span that started it, and no step span is recorded
// for a checkpoint that committed before a resume.
func TestTraceAcrossCrashAndResume(t *testing.T) {
	e := newEnv(t)
	request, approve := e.runOrder(orders.Request{Item: "widget", Amount: 5, Flaky: true})
	tree := treeOf(e.spans)

	for _, s := range tree.spans {
		if s.SpanContext().TraceID() == approve.TraceID() {
			continue // the approval is a request of its own
		}
		if s.SpanContext().TraceID() != request.TraceID() {
			t.Errorf("span %q in trace %s, want %s (the request's)", s.Name(), s.SpanContext().TraceID(), request.TraceID())
		}
	}
	starts := tree.named("start orders.Order")
	if len(starts) != 1 {
		t.Fatalf("start spans = %d, want 1", len(starts))
	}
	start := starts[0]
	if start.Parent().SpanID() != request.SpanID() {
		t.Errorf("start span's parent = %s, want the request span %s", start.Parent().SpanID(), request.SpanID())
	}

	runs := tree.named("run orders.Order")
	wantRuns := []struct {
		worker   string
		from     int64
		status   string
		children []string
	}{
		// Reserve fails its first attempt and succeeds on its second; the
		// run crashes before committing it.
		{"worker-a", 0, "running", []string{"step Reserve", "step Reserve"}},
		// Resumed by another worker: Reserve runs again (its checkpoint
		// never committed), then the order waits for the approval.
		{"worker-b", 0, "waiting", []string{"step Reserve", "step Reserve"}},
		// Resumed by the signal: Reserve is not run again; the child starts.
		{"worker-b", 2, "waiting", []string{"child orders.Ship"}},
		// Resumed by the child's result, after the commits of the await
		// and of the child's start.
		{"worker-b", 4, "completed", []string{"child orders.Ship", "step Pay"}},
	}
	if len(runs) != len(wantRuns) {
		t.Fatalf("runs of the order = %d, want %d", len(runs), len(wantRuns))
	}
	for i, w := range wantRuns {
		r := runs[i]
		if r.Parent().SpanID() != start.SpanContext().SpanID() {
			t.Errorf("run %d's parent = %s, want the start span %s", i+1, r.Parent().SpanID(), start.SpanContext().SpanID())
		}
		if got := attr(r, durableotel.AttrWorker).AsString(); got != w.worker {
			t.Errorf("run %d worker = %q, want %q", i+1, got, w.worker)
		}
		if got := attr(r, durableotel.AttrCheckpoint).AsInt64(); got != w.from {
			t.Errorf("run %d resumes after checkpoint %d, want %d", i+1, got, w.from)
		}
		if got := attr(r, durableotel.AttrStatus).AsString(); got != w.status {
			t.Errorf("run %d ends %q, want %q", i+1, got, w.status)
		}
		if got := tree.children(r); !slices.Equal(got, w.children) {
			t.Errorf("run %d children = %q, want %q", i+1, got, w.children)
		}
	}
	if got := runs[0].Status().Code; got != codes.Error {
		t.Errorf("crashed run's status = %v, want Error", got)
	}

	reserves := tree.named("step Reserve")
	for i, s := range reserves {
		want := i%2 + 1
		if got := int(attr(s, durableotel.AttrAttempt).AsInt64()); got != want {
			t.Errorf("Reserve span %d attempt = %d, want %d", i+1, got, want)
		}
		if wantErr := want == 1; (s.Status().Code == codes.Error) != wantErr {
			t.Errorf("Reserve span %d status = %v, want error %v", i+1, s.Status(), wantErr)
		}
	}

	children := tree.named("child orders.Ship")
	ships := tree.named("run orders.Ship")
	if len(children) != 2 || len(ships) != 1 {
		t.Fatalf("child start spans = %d, Ship runs = %d, want 2 and 1", len(children), len(ships))
	}
	if !attr(children[0], durableotel.AttrCreated).AsBool() || attr(children[1], durableotel.AttrCreated).AsBool() {
		t.Errorf("child start spans created = %v, %v, want true, false",
			attr(children[0], durableotel.AttrCreated).AsBool(), attr(children[1], durableotel.AttrCreated).AsBool())
	}
	if ships[0].Parent().SpanID() != children[0].SpanContext().SpanID() {
		t.Errorf("Ship run's parent = %s, want the span that created it %s", ships[0].Parent().SpanID(), children[0].SpanContext().SpanID())
	}
	if got := tree.children(ships[0]); !slices.Equal(got, []string{"step Label"}) {
		t.Errorf("Ship run's children = %q, want [step Label]", got)
	}

	signals := tree.named("signal approve")
	if len(signals) != 1 || signals[0].Parent().SpanID() != approve.SpanID() {
		t.Fatalf("signal spans = %d (want 1), under the approve span %s", len(signals), approve.SpanID())
	}

	// Identity, never data: the item, the reservation and the label
	// appear in no attribute.
	for _, s := range tree.spans {
		for _, kv := range s.Attributes() {
			if strings.Contains(kv.Value.Emit(), "widget") {
				t.Errorf("span %q attribute %s = %q holds instance data", s.Name(), kv.Key, kv.Value.Emit())
			}
		}
	}
}

// TestCompensationSpans fails an order at its payment: the run that
// fails it has a span for the compensation's attempt, and ends failed.
func TestCompensationSpans(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h, err := runtime.Start(ctx, e.client, orders.OrderWorkflow, "order-1", orders.Request{Item: "widget", Amount: -1})
	if err != nil {
		t.Fatalf("Start() error = %v, want nil", err)
	}
	w := e.worker("worker-a", runtime.Hooks{}, nil)
	if err := drain(t, w); err != nil {
		t.Fatal(err)
	}
	if err := e.client.Signal(ctx, h.ID(), "approve", true); err != nil {
		t.Fatal(err)
	}
	if err := drain(t, w); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Result(ctx); err == nil || !strings.Contains(err.Error(), orders.ErrDeclined.Error()) {
		t.Fatalf("Result() error = %v, want one saying %q", err, orders.ErrDeclined)
	}
	tree := treeOf(e.spans)
	runs := tree.named("run orders.Order")
	last := runs[len(runs)-1]
	if got, want := tree.children(last), []string{"child orders.Ship", "compensate Release", "step Pay"}; !slices.Equal(got, want) {
		t.Errorf("failing run's children = %q, want %q", got, want)
	}
	if got := attr(last, durableotel.AttrStatus).AsString(); got != "failed" || last.Status().Code != codes.Error {
		t.Errorf("failing run ends %q with status %v, want failed and Error", got, last.Status())
	}
	comp := tree.named("compensate Release")
	if len(comp) != 1 || !attr(comp[0], durableotel.AttrCompensation).AsBool() {
		t.Fatalf("compensation spans = %d, want 1 with %s set", len(comp), durableotel.AttrCompensation)
	}
	if pay := tree.named("step Pay"); len(pay) != 1 || pay[0].Status().Code != codes.Error {
		t.Errorf("Pay spans = %d, want 1 with status Error", len(pay))
	}
	// A start without a span in its context is a trace of its own, whose
	// root is the start.
	starts := tree.named("start orders.Order")
	if len(starts) != 1 || starts[0].Parent().IsValid() {
		t.Errorf("start spans = %d, want 1 without parent", len(starts))
	}
	for _, r := range runs {
		if r.Parent().SpanID() != starts[0].SpanContext().SpanID() {
			t.Errorf("run's parent = %s, want the start %s", r.Parent().SpanID(), starts[0].SpanContext().SpanID())
		}
	}
}

// TestMetrics reads the metrics of the crash-and-resume scenario with a
// manual reader.
func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.runOrder(orders.Request{Item: "widget", Amount: 5, Flaky: true})
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	order, ship := orders.OrderWorkflow.Name(), orders.ShipWorkflow.Name()
	wf := func(name string, more ...attribute.KeyValue) []attribute.KeyValue {
		return append([]attribute.KeyValue{attribute.String(durableotel.AttrWorkflow, name)}, more...)
	}
	ok := attribute.String(durableotel.AttrOutcome, "ok")
	failed := attribute.String(durableotel.AttrOutcome, "error")
	notComp := attribute.Bool(durableotel.AttrCompensation, false)
	step := func(name string) attribute.KeyValue { return attribute.String(durableotel.AttrStep, name) }
	completed := attribute.String(durableotel.AttrStatus, "completed")
	for _, c := range []struct {
		metric string
		attrs  []attribute.KeyValue
		want   int64 // sum of a counter, count of a histogram
	}{
		{durableotel.MetricStarted, wf(order), 1},
		{durableotel.MetricStarted, wf(ship), 1},
		{durableotel.MetricCompleted, wf(order, completed), 1},
		{durableotel.MetricCompleted, wf(ship, completed), 1},
		{durableotel.MetricStepDuration, wf(order, step("Reserve"), ok, notComp), 2},
		{durableotel.MetricStepDuration, wf(order, step("Reserve"), failed, notComp), 2},
		{durableotel.MetricStepDuration, wf(order, step("Pay"), ok, notComp), 1},
		{durableotel.MetricStepDuration, wf(ship, step("Label"), ok, notComp), 1},
		{durableotel.MetricRetries, wf(order, step("Reserve")), 2},
		// The first run (since its creation), the one woken by the
		// approval and the one woken by the child; not the takeover.
		{durableotel.MetricQueueLag, wf(order), 3},
		{durableotel.MetricQueueLag, wf(ship), 1},
		// Committed by the order: Reserve, await (waiting), await (the
		// signal), child (waiting), child (its result), Pay, complete; by
		// the child: Label, complete.
		{durableotel.MetricCommitSize, wf(order), 7},
		{durableotel.MetricCommitSize, wf(ship), 2},
		{durableotel.MetricCommitDuration, wf(order, attribute.String(durableotel.AttrKind, "step"), ok), 2},
		{durableotel.MetricCommitDuration, wf(order, attribute.String(durableotel.AttrKind, "complete"), ok), 1},
	} {
		set := attribute.NewSet(c.attrs...)
		if got := measured(t, rm, c.metric, set); got != c.want {
			t.Errorf("%s{%s} = %d, want %d", c.metric, set.Encoded(attribute.DefaultEncoder()), got, c.want)
		}
	}
}

// measured returns the sum of counter name, or the count of histogram
// name, at the data point with attrs; 0 if there is none.
func measured(t *testing.T, rm metricdata.ResourceMetrics, name string, attrs attribute.Set) int64 {
	t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if p.Attributes.Equals(&attrs) {
						return p.Value
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					if p.Attributes.Equals(&attrs) {
						return int64(p.Count)
					}
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					if p.Attributes.Equals(&attrs) {
						if p.Sum <= 0 {
							t.Errorf("%s{%v} sums %d bytes, want more", name, attrs, p.Sum)
						}
						return int64(p.Count)
					}
				}
			default:
				t.Fatalf("metric %s has data %T", name, m.Data)
			}
		}
	}
	return 0
}

// recordHandler keeps the records logged, with the span of their
// context.
type recordHandler struct {
	mu      sync.Mutex
	records []logged
}

type logged struct {
	msg   string
	attrs map[string]string
	span  trace.SpanContext
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordHandler) WithGroup(string) slog.Handler            { return h }
func (h *recordHandler) Handle(ctx context.Context, r slog.Record) error {
	l := logged{msg: r.Message, attrs: map[string]string{}, span: trace.SpanContextFromContext(ctx)}
	r.Attrs(func(a slog.Attr) bool {
		l.attrs[a.Key] = a.Value.String()
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, l)
	return nil
}

// TestLogAttributes checks that every line a worker logs about an
// instance carries its instance, workflow, checkpoint, attempt and worker,
// and is logged with the context of the run's span.
func TestLogAttributes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h, err := runtime.Start(ctx, e.client, orders.OrderWorkflow, "order-1", orders.Request{Item: "widget", Amount: 1, Flaky: true})
	if err != nil {
		t.Fatal(err)
	}
	logs := &recordHandler{}
	w := e.worker("worker-a", runtime.Hooks{}, slog.New(logs))
	if err := drain(t, w); err != nil {
		t.Fatal(err)
	}
	if err := e.client.Signal(ctx, h.ID(), "approve", true); err != nil {
		t.Fatal(err)
	}
	if err := drain(t, w); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"step failed, retrying": {"instance": "order-1", "checkpoint": "0", "attempt": "1", "step": "Reserve"},
	}
	for _, l := range logs.records {
		if _, ok := l.attrs["instance"]; !ok {
			continue
		}
		for _, k := range []string{"workflow", "checkpoint", "attempt", "worker"} {
			if _, ok := l.attrs[k]; !ok {
				t.Errorf("log %q has no attribute %s: %v", l.msg, k, l.attrs)
			}
		}
		if !l.span.IsValid() {
			t.Errorf("log %q logged without the run's span in its context", l.msg)
		}
		w, ok := want[l.msg]
		if !ok {
			continue
		}
		delete(want, l.msg)
		for k, v := range w {
			if l.attrs[k] != v {
				t.Errorf("log %q %s = %q, want %q", l.msg, k, l.attrs[k], v)
			}
		}
		if l.attrs["worker"] != "worker-a" {
			t.Errorf("log %q worker = %q, want worker-a", l.msg, l.attrs["worker"])
		}
	}
	for msg := range want {
		t.Errorf("no log %q", msg)
	}
}

// TestTraceContext checks what is stored with an instance: nothing
// without a span, the traceparent alone, or every header with a
// tracestate, and that a run's span continues it; a run of an instance
// stored without one is a new root even under a span.
func TestTraceContext(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if got := e.obs.TraceContext(ctx); got != "" {
		t.Errorf("TraceContext(no span) = %q, want empty", got)
	}
	state, err := trace.ParseTraceState("vendor=abc")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		state  trace.TraceState
		prefix string
	}{
		{"traceparent", trace.TraceState{}, "00-"},
		{"tracestate", state, "traceparent=00-"},
	} {
		t.Run(c.name, func(t *testing.T) {
			parent := trace.NewSpanContext(trace.SpanContextConfig{
				TraceID:    trace.TraceID{1, 2, 3},
				SpanID:     trace.SpanID{4, 5, 6},
				TraceFlags: trace.FlagsSampled,
				TraceState: c.state,
				Remote:     true,
			})
			stored := e.obs.TraceContext(trace.ContextWithSpanContext(ctx, parent))
			if !strings.HasPrefix(stored, c.prefix) {
				t.Fatalf("TraceContext() = %q, want it to start with %q", stored, c.prefix)
			}
			rctx := e.obs.RunStart(ctx, runtime.RunInfo{Instance: "i", Workflow: "w", Trace: stored})
			e.obs.RunEnd(rctx, runtime.RunInfo{Workflow: "w"}, runtime.RunEnd{Status: runtime.StatusSleeping})
			sc := trace.SpanContextFromContext(rctx)
			span := treeOf(e.spans).byID[sc.SpanID()]
			if span == nil || span.Parent().SpanID() != parent.SpanID() || sc.TraceID() != parent.TraceID() {
				t.Fatalf("run span %v, want a child of %v", span, parent)
			}
			if got := sc.TraceState().String(); got != c.state.String() {
				t.Errorf("run span's tracestate = %q, want %q", got, c.state.String())
			}
		})
	}

	wctx, wspan := e.tp.Tracer("test").Start(ctx, "worker")
	defer wspan.End()
	rctx := e.obs.RunStart(wctx, runtime.RunInfo{Instance: "i", Workflow: "w"})
	if sc := trace.SpanContextFromContext(rctx); sc.TraceID() == wspan.SpanContext().TraceID() {
		t.Errorf("run of an instance without a stored trace is in the trace of the worker's context, want a new root")
	}
}

// TestParallelStepSpans runs the steps of durable.All, concurrently: each
// has its span under the run, with its index among the futures.
func TestParallelStepSpans(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h, err := runtime.Start(ctx, e.client, orders.BundleWorkflow, "bundle-1", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if err := drain(t, e.worker("worker-a", runtime.Hooks{}, nil)); err != nil {
		t.Fatal(err)
	}
	if got, err := h.Result(ctx); err != nil || !slices.Equal(got, []string{"track-a", "track-b"}) {
		t.Fatalf("Result() = %q, %v, want [track-a track-b], nil", got, err)
	}
	tree := treeOf(e.spans)
	runs := tree.named("run orders.Bundle")
	if len(runs) != 1 {
		t.Fatalf("runs = %d, want 1", len(runs))
	}
	if got, want := tree.children(runs[0]), []string{"step label-a", "step label-b"}; !slices.Equal(got, want) {
		t.Errorf("run's children = %q, want %q", got, want)
	}
	for i, name := range []string{"step label-a", "step label-b"} {
		s := tree.named(name)
		if len(s) != 1 || attr(s[0], durableotel.AttrIndex).AsInt64() != int64(i+1) || attr(s[0], durableotel.AttrCheckpoint).AsInt64() != 1 {
			t.Errorf("%s spans = %d, want 1 with index %d at checkpoint 1", name, len(s), i+1)
		}
	}
}
