package otel

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	global "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/durablegen/durable/runtime"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/durablegen/durable/runtime/otel"

// Config configures an [Observer]. The zero value of every field means
// its default.
type Config struct {
	// TracerProvider makes the tracer; default the global one
	// (go.opentelemetry.io/otel.GetTracerProvider).
	TracerProvider trace.TracerProvider
	// MeterProvider makes the meter; default the global one.
	MeterProvider metric.MeterProvider
	// Propagator encodes the trace context stored with an instance at its
	// start; default W3C trace context (propagation.TraceContext). The
	// workers and clients of one store must use the same.
	Propagator propagation.TextMapPropagator
}

// Observer is a [runtime.Observer] that records traces and metrics with
// OpenTelemetry. Give the same one to the workers
// ([runtime.WorkerOptions].Observer) and the clients
// ([runtime.WithObserver]) of a store. It is safe for concurrent use.
type Observer struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
	m      instruments
}

var (
	_ runtime.Observer       = (*Observer)(nil)
	_ runtime.StepObserver   = (*Observer)(nil)
	_ runtime.CommitObserver = (*Observer)(nil)
	_ runtime.ChildObserver  = (*Observer)(nil)
	_ runtime.SignalObserver = (*Observer)(nil)
	_ runtime.StartObserver  = (*Observer)(nil)
	_ runtime.TraceCarrier   = (*Observer)(nil)
)

// New returns an observer configured by cfg. It fails only if the meter
// provider refuses an instrument.
func New(cfg Config) (*Observer, error) {
	tp := cfg.TracerProvider
	if tp == nil {
		tp = global.GetTracerProvider()
	}
	mp := cfg.MeterProvider
	if mp == nil {
		mp = global.GetMeterProvider()
	}
	prop := cfg.Propagator
	if prop == nil {
		prop = propagation.TraceContext{}
	}
	o := &Observer{tracer: tp.Tracer(ScopeName), prop: prop}
	if err := o.m.init(mp.Meter(ScopeName)); err != nil {
		return nil, fmt.Errorf("otel observer: %w", err)
	}
	return o, nil
}

// InstanceStart starts the span of a client's start of an instance, "start
// <workflow>", a child of the span in ctx; its context is stored with the
// instance ([Observer.TraceContext]), and the instance's runs are its
// children.
func (o *Observer) InstanceStart(ctx context.Context, s runtime.StartInfo) context.Context {
	ctx, _ = o.tracer.Start(ctx, "start "+shortName(s.Workflow),
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String(AttrInstance, s.Instance),
			attribute.String(AttrWorkflow, s.Workflow),
			attribute.String(AttrVersion, s.Version),
		))
	return ctx
}

// InstanceStartEnd ends the span of InstanceStart and counts the instance
// started, if this call created it.
func (o *Observer) InstanceStartEnd(ctx context.Context, s runtime.StartInfo, end runtime.StartEnd) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.Bool(AttrCreated, end.Created))
	endSpan(span, end.Err)
	if end.Created {
		o.m.started.Add(ctx, 1, metric.WithAttributes(attribute.String(AttrWorkflow, s.Workflow)))
	}
}

// TraceContext returns the trace context of ctx as the propagator encodes
// it: for the default, the W3C traceparent alone when there is no
// tracestate, and otherwise every header, URL-query encoded.
func (o *Observer) TraceContext(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	o.prop.Inject(ctx, c)
	if len(c) == 1 && c[traceparent] != "" {
		return c[traceparent]
	}
	q := url.Values{}
	for k, v := range c {
		q.Set(k, v)
	}
	return q.Encode()
}

const traceparent = "traceparent"

// parentOf returns ctx with the remote span context stored as trace (see
// TraceContext), and whether there was one.
func (o *Observer) parentOf(ctx context.Context, stored string) (context.Context, bool) {
	if stored == "" {
		return ctx, false
	}
	c := propagation.MapCarrier{}
	if strings.Contains(stored, "=") {
		q, err := url.ParseQuery(stored)
		if err != nil {
			return ctx, false
		}
		for k := range q {
			c[k] = q.Get(k)
		}
	} else {
		c[traceparent] = stored
	}
	ctx = o.prop.Extract(ctx, c)
	return ctx, trace.SpanContextFromContext(ctx).IsValid()
}

// RunStart starts the span of a run, "run <workflow>": a child of the
// start of the instance (or of the parent's child start) as stored with
// it, however long ago and on whatever worker, and a new root when none
// was stored. It records the run's queue lag, when known.
func (o *Observer) RunStart(ctx context.Context, r runtime.RunInfo) context.Context {
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String(AttrInstance, r.Instance),
			attribute.String(AttrWorkflow, r.Workflow),
			attribute.String(AttrVersion, r.Version),
			attribute.Int64(AttrCheckpoint, r.Checkpoint),
			attribute.String(AttrWorker, r.Worker),
		),
	}
	pctx, ok := o.parentOf(ctx, r.Trace)
	if !ok {
		opts = append(opts, trace.WithNewRoot())
	}
	if r.HasLag {
		o.m.lag.Record(ctx, r.Lag.Seconds(), metric.WithAttributes(attribute.String(AttrWorkflow, r.Workflow)))
	}
	_, span := o.tracer.Start(pctx, "run "+shortName(r.Workflow), opts...)
	return trace.ContextWithSpan(ctx, span)
}

// RunEnd ends the span of a run with the instance's status, and counts
// the instances that ended.
func (o *Observer) RunEnd(ctx context.Context, r runtime.RunInfo, end runtime.RunEnd) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(
		attribute.String(AttrStatus, string(end.Status)),
		attribute.Int64(AttrCheckpointEnd, end.Checkpoint),
	)
	switch {
	case end.Err != nil:
		endSpan(span, end.Err)
		return
	case end.Status == runtime.StatusFailed:
		span.SetStatus(codes.Error, "workflow failed")
	}
	span.End()
	if end.Status.Terminal() {
		o.m.completed.Add(ctx, 1, metric.WithAttributes(
			attribute.String(AttrWorkflow, r.Workflow),
			attribute.String(AttrStatus, string(end.Status))))
	}
}

// StepStart starts the span of a step attempt, "step <name>" ("compensate
// <name>" for a compensation), a child of its run, and counts the retries.
// The step's function runs under it.
func (o *Observer) StepStart(ctx context.Context, s runtime.StepInfo) context.Context {
	name := "step " + s.Name
	if s.Compensation {
		name = "compensate " + s.Name
	}
	attrs := []attribute.KeyValue{
		attribute.String(AttrInstance, s.Instance),
		attribute.String(AttrWorkflow, s.Workflow),
		attribute.String(AttrStep, s.Name),
		attribute.Int64(AttrCheckpoint, s.Checkpoint),
		attribute.Int(AttrAttempt, s.Attempt),
	}
	if s.Index > 0 {
		attrs = append(attrs, attribute.Int(AttrIndex, s.Index))
	}
	if s.Compensation {
		attrs = append(attrs, attribute.Bool(AttrCompensation, true))
	}
	if s.Attempt > 1 {
		o.m.retries.Add(ctx, 1, metric.WithAttributes(
			attribute.String(AttrWorkflow, s.Workflow),
			attribute.String(AttrStep, s.Name)))
	}
	ctx, _ = o.tracer.Start(ctx, name, trace.WithAttributes(attrs...))
	return ctx
}

// StepEnd ends the span of a step attempt and records its duration.
func (o *Observer) StepEnd(ctx context.Context, s runtime.StepInfo, end runtime.StepEnd) {
	endSpan(trace.SpanFromContext(ctx), end.Err)
	o.m.stepDuration.Record(ctx, end.Duration.Seconds(), metric.WithAttributes(
		attribute.String(AttrWorkflow, s.Workflow),
		attribute.String(AttrStep, s.Name),
		attribute.String(AttrOutcome, outcome(end.Err)),
		attribute.Bool(AttrCompensation, s.Compensation)))
}

// Committed adds an event "checkpoint" to the span of the run and
// records the commit's duration and size.
func (o *Observer) Committed(ctx context.Context, c runtime.CommitInfo) {
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		attrs := []attribute.KeyValue{
			attribute.Int64(AttrCheckpoint, c.Checkpoint),
			attribute.String(AttrKind, c.Kind),
			attribute.String(AttrStatus, string(c.Status)),
			attribute.Int(AttrBytes, c.Bytes),
			attribute.Float64(AttrDuration, c.Duration.Seconds()),
		}
		if c.Err != nil {
			attrs = append(attrs, attribute.String(AttrError, c.Err.Error()))
		}
		span.AddEvent("checkpoint", trace.WithAttributes(attrs...))
	}
	set := metric.WithAttributes(
		attribute.String(AttrWorkflow, c.Workflow),
		attribute.String(AttrKind, c.Kind),
		attribute.String(AttrOutcome, outcome(c.Err)))
	o.m.commitDuration.Record(ctx, c.Duration.Seconds(), set)
	if c.Err == nil {
		o.m.commitSize.Record(ctx, int64(c.Bytes), metric.WithAttributes(attribute.String(AttrWorkflow, c.Workflow)))
	}
}

// ChildStart starts the span of a child's start, "child <workflow>", a
// child of the parent's run; the child's runs are its children.
func (o *Observer) ChildStart(ctx context.Context, c runtime.ChildInfo) context.Context {
	ctx, _ = o.tracer.Start(ctx, "child "+shortName(c.ChildFlow),
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String(AttrInstance, c.Instance),
			attribute.String(AttrWorkflow, c.Workflow),
			attribute.Int64(AttrCheckpoint, c.Checkpoint),
			attribute.String(AttrChild, c.Child),
			attribute.String(AttrChildWorkflow, c.ChildFlow),
		))
	return ctx
}

// ChildEnd ends the span of ChildStart, and counts the child started if
// this call created it.
func (o *Observer) ChildEnd(ctx context.Context, c runtime.ChildInfo, end runtime.ChildEnd) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.Bool(AttrCreated, end.Created))
	endSpan(span, end.Err)
	if end.Created {
		o.m.started.Add(ctx, 1, metric.WithAttributes(attribute.String(AttrWorkflow, c.ChildFlow)))
	}
}

// SignalStart starts the span of a signal sent, "signal <name>".
func (o *Observer) SignalStart(ctx context.Context, s runtime.SignalInfo) context.Context {
	attrs := []attribute.KeyValue{
		attribute.String(AttrInstance, s.Instance),
		attribute.String(AttrSignal, s.Name),
	}
	if s.From != "" {
		attrs = append(attrs, attribute.String(AttrFrom, s.From))
	}
	ctx, _ = o.tracer.Start(ctx, "signal "+s.Name, trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(attrs...))
	return ctx
}

// SignalEnd ends the span of SignalStart.
func (o *Observer) SignalEnd(ctx context.Context, s runtime.SignalInfo, err error) {
	endSpan(trace.SpanFromContext(ctx), err)
}

// endSpan ends span, with err as its error if not nil.
func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// shortName returns the last element of a workflow's name, the function
// after its package path: "payments.Transfer" for
// "example.com/shop/payments.Transfer". Span names stay short; the
// attributes carry the whole name.
func shortName(workflow string) string {
	if i := strings.LastIndexByte(workflow, '/'); i >= 0 {
		return workflow[i+1:]
	}
	return workflow
}

// instruments are the observer's metrics.
type instruments struct {
	started, completed, retries metric.Int64Counter
	stepDuration                metric.Float64Histogram
	commitDuration              metric.Float64Histogram
	commitSize                  metric.Int64Histogram
	lag                         metric.Float64Histogram
}

func (m *instruments) init(meter metric.Meter) error {
	var err error
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, e := meter.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		if err == nil {
			err = e
		}
		return c
	}
	seconds := func(name, desc string) metric.Float64Histogram {
		h, e := meter.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
		if err == nil {
			err = e
		}
		return h
	}
	m.started = counter(MetricStarted, "{instance}", "Workflow instances created, by clients and as children.")
	m.completed = counter(MetricCompleted, "{instance}", "Workflow instances that reached a terminal status, by status.")
	m.retries = counter(MetricRetries, "{attempt}", "Step attempts after the first.")
	m.stepDuration = seconds(MetricStepDuration, "Duration of step attempts that ran.")
	m.commitDuration = seconds(MetricCommitDuration, "Duration of checkpoint commits, the store's retries included.")
	m.lag = seconds(MetricQueueLag, "Time from an instance becoming runnable to its claim, where known.")
	size, e := meter.Int64Histogram(MetricCommitSize, metric.WithUnit("By"),
		metric.WithDescription("Bytes a checkpoint commit writes: frame, output, error and event detail."),
		metric.WithExplicitBucketBoundaries(64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304))
	if err == nil {
		err = e
	}
	m.commitSize = size
	return err
}
